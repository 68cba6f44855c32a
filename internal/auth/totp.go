package auth

import (
	"bytes"
	"crypto/subtle"
	"fmt"
	"image/png"
	"strings"
	"time"
	"unicode"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
	"github.com/pquerna/otp/totp"
)

// TOTP settings. SHA-1, 6 digits and 30 s are what every authenticator app
// supports (many ignore other values in the otpauth URL), and HMAC-SHA-1
// remains sound for this use (RFC 6238, RFC 4226 appendix A).
const (
	TOTPPeriod     = 30
	TOTPDigits     = 6
	totpSecretSize = 20 // bytes; RFC 4226 recommends 160 bits
	totpSkewSteps  = 1  // accept the previous and next step for clock drift
)

var hotpOpts = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}

// NewTOTPKey creates a TOTP secret for account (usually the email) and the
// otpauth:// URL an authenticator app enrols from. The secret is base32 and
// must be stored encrypted; the URL contains it too, so neither is logged.
func NewTOTPKey(issuer, account string) (secret, otpauthURL string, err error) {
	key, err := totp.Generate(totp.GenerateOpts{
		Issuer:      issuer,
		AccountName: account,
		Period:      TOTPPeriod,
		SecretSize:  totpSecretSize,
		Digits:      otp.DigitsSix,
		Algorithm:   otp.AlgorithmSHA1,
	})
	if err != nil {
		return "", "", fmt.Errorf("auth: new TOTP key: %w", err)
	}
	return key.Secret(), key.URL(), nil
}

// TOTPQRCodePNG renders otpauthURL as a size x size PNG QR code for the
// enrolment page.
func TOTPQRCodePNG(otpauthURL string, size int) ([]byte, error) {
	key, err := otp.NewKeyFromURL(otpauthURL)
	if err != nil {
		return nil, fmt.Errorf("auth: TOTP QR code: %w", err)
	}
	img, err := key.Image(size, size)
	if err != nil {
		return nil, fmt.Errorf("auth: TOTP QR code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return nil, fmt.Errorf("auth: TOTP QR code: %w", err)
	}
	return buf.Bytes(), nil
}

// TOTPStep returns the RFC 6238 time step containing t.
func TOTPStep(t time.Time) int64 {
	s := t.Unix()
	if s < 0 {
		return (s - TOTPPeriod + 1) / TOTPPeriod // floor for times before 1970
	}
	return s / TOTPPeriod
}

// TOTPCode returns the code an authenticator shows at time t.
func TOTPCode(secret string, t time.Time) (string, error) {
	step := TOTPStep(t)
	if step < 0 {
		return "", fmt.Errorf("auth: TOTP time %v is before 1970", t)
	}
	code, err := hotp.GenerateCodeCustom(secret, uint64(step), hotpOpts)
	if err != nil {
		return "", fmt.Errorf("auth: TOTP code: %w", err)
	}
	return code, nil
}

// VerifyTOTP checks code against secret at time now, allowing one step of
// clock drift either way. A code whose step is not after lastUsedStep is
// rejected, so a code seen once (by a shoulder-surfer or a phishing proxy)
// cannot be replayed: callers store the returned step as the new
// lastUsedStep on success (use 0 before the first use). Spaces in the code
// ("123 456") are ignored.
func VerifyTOTP(code, secret string, now time.Time, lastUsedStep int64) (step int64, ok bool) {
	code = strings.Map(func(r rune) rune {
		if unicode.IsSpace(r) {
			return -1
		}
		return r
	}, code)
	if len(code) != TOTPDigits || strings.Trim(code, "0123456789") != "" {
		return 0, false
	}
	current := TOTPStep(now)
	for _, s := range []int64{current, current - totpSkewSteps, current + totpSkewSteps} {
		if s <= lastUsedStep || s < 0 {
			continue
		}
		want, err := hotp.GenerateCodeCustom(secret, uint64(s), hotpOpts)
		if err != nil {
			return 0, false
		}
		if subtle.ConstantTimeCompare([]byte(want), []byte(code)) == 1 {
			return s, true
		}
	}
	return 0, false
}
