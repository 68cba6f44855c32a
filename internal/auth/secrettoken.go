package auth

import (
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
)

// Secret token prefixes. They tell a leaked token's kind at a glance and
// let secret scanners recognise Canopy API tokens.
const (
	TokenPrefixAPI        = "cnp_"
	TokenPrefixReset      = "rst_"
	TokenPrefixInvitation = "inv_"
)

// tokenDisplayLen is how much of a token's random part lists show: enough
// to tell tokens apart, far too little to help guess one.
const tokenDisplayLen = 8

var tokenEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)

// NewSecretToken returns a new bearer secret (API token, reset link,
// invitation): prefix followed by 32 random bytes in lowercase unpadded
// base32, and the hash to store. Show plain once; never store or log it.
func NewSecretToken(prefix string) (plain string, hash string) {
	plain = prefix + strings.ToLower(tokenEncoding.EncodeToString(domain.RandomBytes(32)))
	return plain, HashSecretToken(plain)
}

// HashSecretToken returns the SHA-256 hex of the whole token, prefix
// included. 256 random bits make a salted or slow hash unnecessary, and a
// deterministic one lets the token be looked up by its hash.
func HashSecretToken(plain string) string {
	sum := sha256.Sum256([]byte(plain))
	return hex.EncodeToString(sum[:])
}

// TokenDisplayPrefix returns the first 8 characters after the token's
// prefix (everything up to the last '_', which base32 never contains), for
// showing a token in lists, e.g. "cnp_" + TokenDisplayPrefix(t) + "…".
func TokenDisplayPrefix(plain string) string {
	rest := plain[strings.LastIndexByte(plain, '_')+1:]
	if len(rest) > tokenDisplayLen {
		rest = rest[:tokenDisplayLen]
	}
	return rest
}
