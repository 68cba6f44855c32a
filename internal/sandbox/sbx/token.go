package sbx

import (
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math/big"
	"strings"
	"time"
)

// Token verification errors. Services map them to their own wire errors
// (ARM: 401 ExpiredAuthenticationToken / InvalidAuthenticationToken).
var (
	ErrTokenMalformed = errors.New("token is malformed")
	ErrTokenSignature = errors.New("token signature is invalid")
	ErrTokenExpired   = errors.New("token has expired")
	ErrTokenAudience  = errors.New("token audience is not accepted")
)

// Claims are a token's JSON claims.
type Claims map[string]any

// String returns claim k as a string ("" when absent or not a string).
func (c Claims) String(k string) string {
	s, _ := c[k].(string)
	return s
}

// Strings returns claim k as a list: a JSON array of strings or a
// space-separated string (the "scp" claim's form).
func (c Claims) Strings(k string) []string {
	switch v := c[k].(type) {
	case string:
		return strings.Fields(v)
	case []any:
		out := make([]string, 0, len(v))
		for _, e := range v {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

// Time returns a NumericDate claim (exp, nbf, iat).
func (c Claims) Time(k string) time.Time {
	switch v := c[k].(type) {
	case float64:
		return time.Unix(int64(v), 0).UTC()
	case json.Number:
		n, _ := v.Int64()
		return time.Unix(n, 0).UTC()
	}
	return time.Time{}
}

// Issuer signs and verifies RS256 JWTs the way Entra ID does (a "kid" in
// the header, keys published as a JWKS).
type Issuer struct {
	key   *rsa.PrivateKey
	kid   string
	clock *Clock
}

// NewIssuer creates an issuer with a fresh 2048-bit key.
func NewIssuer(clock *Clock) (*Issuer, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	sum := sha256.Sum256(key.PublicKey.N.Bytes())
	return &Issuer{key: key, kid: base64.RawURLEncoding.EncodeToString(sum[:12]), clock: clock}, nil
}

// Sign returns a compact JWS of claims.
func (is *Issuer) Sign(claims Claims) (string, error) {
	head, _ := json.Marshal(map[string]string{"typ": "JWT", "alg": "RS256", "kid": is.kid})
	body, err := json.Marshal(claims)
	if err != nil {
		return "", err
	}
	signing := b64(head) + "." + b64(body)
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, is.key, crypto.SHA256, sum[:])
	if err != nil {
		return "", err
	}
	return signing + "." + b64(sig), nil
}

// Verify checks the signature, expiry and (when audiences is not empty) the
// audience of token and returns its claims.
func (is *Issuer) Verify(token string, audiences ...string) (Claims, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 {
		return nil, ErrTokenMalformed
	}
	sig, err := base64.RawURLEncoding.DecodeString(parts[2])
	if err != nil {
		return nil, ErrTokenMalformed
	}
	sum := sha256.Sum256([]byte(parts[0] + "." + parts[1]))
	if rsa.VerifyPKCS1v15(&is.key.PublicKey, crypto.SHA256, sum[:], sig) != nil {
		return nil, ErrTokenSignature
	}
	body, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return nil, ErrTokenMalformed
	}
	var c Claims
	if err := json.Unmarshal(body, &c); err != nil {
		return nil, ErrTokenMalformed
	}
	if exp := c.Time("exp"); exp.IsZero() || !is.clock.Now().Before(exp) {
		return c, fmt.Errorf("%w at %s", ErrTokenExpired, exp.Format(time.RFC3339))
	}
	if len(audiences) > 0 && !accepted(c.String("aud"), audiences) {
		return c, fmt.Errorf("%w: %q", ErrTokenAudience, c.String("aud"))
	}
	return c, nil
}

func accepted(aud string, list []string) bool {
	aud = strings.TrimSuffix(aud, "/")
	for _, a := range list {
		if strings.EqualFold(aud, strings.TrimSuffix(a, "/")) {
			return true
		}
	}
	return false
}

// JWKS returns the issuer's public key as a JSON Web Key Set document.
func (is *Issuer) JWKS() map[string]any {
	pub := is.key.PublicKey
	return map[string]any{"keys": []map[string]any{{
		"kty": "RSA", "use": "sig", "alg": "RS256", "kid": is.kid,
		"n": b64(pub.N.Bytes()), "e": b64(big.NewInt(int64(pub.E)).Bytes()),
	}}}
}

func b64(b []byte) string { return base64.RawURLEncoding.EncodeToString(b) }
