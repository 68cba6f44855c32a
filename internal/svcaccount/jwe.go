// Package svcaccount holds Microsoft 365 service accounts with client-side
// encryption, as the web server and the API see them: the user principal
// name in clear and the password only as a compact JWE (RSA-OAEP-256 +
// A256GCM) that the browser or API client encrypted to the collector's
// public key. This package checks a JWE's structure and header and stores
// it; it cannot decrypt it and never needs the private key. Decryption,
// key generation and key rotation live in svcaccount/collector, which only
// the collector (the Microsoft 365 sync job) and the admin command use —
// internal/web and internal/api do not import it (a test asserts that).
package svcaccount

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/canopyhq/canopy/internal/domain"
)

// The only algorithms a service-account JWE may use.
const (
	KeyAlgorithm      = "RSA-OAEP-256"
	ContentEncryption = "A256GCM"
)

// Size limits of a password JWE. A password of up to MaxPasswordBytes
// (UTF-8) gives at most that many ciphertext bytes under AES-GCM.
const (
	MaxPasswordBytes = 256
	maxHeaderBytes   = 512
	maxJWEChars      = 4096
	gcmIVBytes       = 12
	gcmTagBytes      = 16
)

// allowedHeader are the protected header parameters accepted; anything
// else (zip, crit, jku, x5u, epk ...) is refused, so the collector never
// meets a header it would act on.
var allowedHeader = map[string]bool{"alg": true, "enc": true, "kid": true, "cty": true, "typ": true}

// JWEInfo is what a valid JWE's header says.
type JWEInfo struct {
	KID string
}

// ValidateJWE checks a compact JWE without decrypting it: five base64url
// parts, a protected header with exactly alg RSA-OAEP-256, enc A256GCM and
// kid = activeKID (and nothing else that matters), an encrypted key of
// the collector key's size, a 96-bit IV, a 128-bit tag and 1 to
// MaxPasswordBytes of ciphertext. Errors name the field password_jwe.
func ValidateJWE(compact, activeKID string, keyBytes int) (JWEInfo, error) {
	if len(compact) == 0 {
		return JWEInfo{}, jweError("is empty: the password must be encrypted in the browser (JavaScript) or by the API client")
	}
	if len(compact) > maxJWEChars {
		return JWEInfo{}, jweError("is longer than %d characters", maxJWEChars)
	}
	parts := strings.Split(compact, ".")
	if len(parts) != 5 {
		return JWEInfo{}, jweError("must be a compact JWE of five dot-separated parts, not %d", len(parts))
	}
	raw := make([][]byte, 5)
	for i, p := range parts {
		b, err := base64.RawURLEncoding.DecodeString(p)
		if err != nil {
			return JWEInfo{}, jweError("part %d is not base64url without padding", i+1)
		}
		raw[i] = b
	}
	info, err := checkHeader(raw[0], activeKID)
	if err != nil {
		return info, err
	}
	switch {
	case len(raw[1]) != keyBytes:
		return info, jweError("has an encrypted key of %d bytes; the collector key needs %d", len(raw[1]), keyBytes)
	case len(raw[2]) != gcmIVBytes:
		return info, jweError("has an IV of %d bytes; A256GCM uses %d", len(raw[2]), gcmIVBytes)
	case len(raw[3]) == 0 || len(raw[3]) > MaxPasswordBytes:
		return info, jweError("has %d bytes of ciphertext; a password is 1 to %d bytes", len(raw[3]), MaxPasswordBytes)
	case len(raw[4]) != gcmTagBytes:
		return info, jweError("has a tag of %d bytes; A256GCM uses %d", len(raw[4]), gcmTagBytes)
	}
	// A second opinion: the library the collector decrypts with parses it.
	if _, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM}); err != nil {
		return info, jweError("does not parse as a JWE: %v", err)
	}
	return info, nil
}

func checkHeader(raw []byte, activeKID string) (JWEInfo, error) {
	if len(raw) > maxHeaderBytes {
		return JWEInfo{}, jweError("has a protected header over %d bytes", maxHeaderBytes)
	}
	var h map[string]any
	if err := json.Unmarshal(raw, &h); err != nil {
		return JWEInfo{}, jweError("has a protected header that is not a JSON object")
	}
	for k := range h {
		if !allowedHeader[k] {
			return JWEInfo{}, jweError("has header parameter %q, which is not accepted", k)
		}
	}
	alg, _ := h["alg"].(string)
	enc, _ := h["enc"].(string)
	kid, _ := h["kid"].(string)
	switch {
	case alg != KeyAlgorithm:
		return JWEInfo{}, jweError("uses alg %q; only %s is accepted", alg, KeyAlgorithm)
	case enc != ContentEncryption:
		return JWEInfo{}, jweError("uses enc %q; only %s is accepted", enc, ContentEncryption)
	case kid == "":
		return JWEInfo{}, jweError("has no kid header naming the collector key")
	case kid != activeKID:
		return JWEInfo{}, jweError("was encrypted to key %q, which is not the collector's current key: reload the page "+
			"(or fetch GET /api/v1/m365/collector-key) and encrypt again", kid)
	}
	return JWEInfo{KID: kid}, nil
}

func jweError(format string, args ...any) error {
	return domain.FieldError("password_jwe", "%s", "The encrypted password "+fmt.Sprintf(format, args...)+".")
}
