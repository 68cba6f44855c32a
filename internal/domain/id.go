package domain

import (
	"crypto/rand"
	"encoding/base32"
	"strings"
	"time"
)

// ID prefixes, one per kind of thing.
const (
	PrefixOrg     = "org_"
	PrefixUser    = "usr_"
	PrefixToken   = "tok_"
	PrefixAudit   = "aud_"
	PrefixRole    = "rol_"
	PrefixSession = "ses_"
)

var idEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewID returns an opaque, unguessable ID with the given kind prefix.
func NewID(prefix string) string {
	return prefix + strings.ToLower(idEncoding.EncodeToString(RandomBytes(10)))
}

// RandomBytes returns n bytes from the system CSPRNG.
func RandomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic("crypto/rand failed: " + err.Error()) // never happens on supported systems
	}
	return b
}

// Now returns the current time in UTC truncated to microseconds, the
// precision both storage engines keep, so values round-trip exactly.
func Now() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
