package auth

import (
	"bytes"
	"encoding/base32"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
)

// rfc6238Secret is the SHA-1 seed of RFC 6238 appendix B, "12345678901234567890".
var rfc6238Secret = base32.StdEncoding.EncodeToString([]byte("12345678901234567890"))

func TestTOTPCodeRFC6238Vectors(t *testing.T) {
	// Appendix B lists 8-digit codes; a 6-digit code is their last six digits.
	tests := []struct {
		unix int64
		want string
	}{
		{59, "287082"},          // 94287082
		{1111111109, "081804"},  // 07081804
		{1111111111, "050471"},  // 14050471
		{1234567890, "005924"},  // 89005924
		{2000000000, "279037"},  // 69279037
		{20000000000, "353130"}, // 65353130
	}
	for _, tc := range tests {
		got, err := TOTPCode(rfc6238Secret, time.Unix(tc.unix, 0))
		if err != nil || got != tc.want {
			t.Errorf("TOTPCode at %d = %q, %v; want %q", tc.unix, got, err, tc.want)
		}
	}
	if _, err := TOTPCode("not base32!", time.Unix(59, 0)); err == nil {
		t.Error("TOTPCode accepted an invalid secret")
	}
	if _, err := TOTPCode(rfc6238Secret, time.Unix(-100, 0)); err == nil {
		t.Error("TOTPCode accepted a time before 1970")
	}
}

func TestVerifyTOTP(t *testing.T) {
	now := time.Unix(1111111111, 0) // step 37037037, code 050471
	const step = int64(37037037)
	code := func(offset time.Duration) string {
		c, err := TOTPCode(rfc6238Secret, now.Add(offset))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	tests := []struct {
		name     string
		code     string
		lastUsed int64
		wantStep int64
		wantOK   bool
	}{
		{"current", "050471", 0, step, true},
		{"previous step", code(-30 * time.Second), 0, step - 1, true},
		{"next step", code(30 * time.Second), 0, step + 1, true},
		{"two steps old", code(-60 * time.Second), 0, 0, false},
		{"two steps ahead", code(60 * time.Second), 0, 0, false},
		{"spaces", " 050 471 ", 0, step, true},
		{"replayed", "050471", step, 0, false},
		{"older than last used", code(-30 * time.Second), step - 1, 0, false},
		{"newer than last used", "050471", step - 1, step, true},
		{"wrong", "123456", 0, 0, false},
		{"five digits", "50471", 0, 0, false},
		{"seven digits", "0504710", 0, 0, false},
		{"letters", "05o471", 0, 0, false},
		{"dash", "050-471", 0, 0, false},
		{"empty", "", 0, 0, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			gotStep, ok := VerifyTOTP(tc.code, rfc6238Secret, now, tc.lastUsed)
			if ok != tc.wantOK || gotStep != tc.wantStep {
				t.Fatalf("VerifyTOTP(%q) = %d, %v; want %d, %v", tc.code, gotStep, ok, tc.wantStep, tc.wantOK)
			}
		})
	}
	if _, ok := VerifyTOTP("050471", "not base32!", now, 0); ok {
		t.Fatal("VerifyTOTP accepted a code for an invalid secret")
	}
}

func TestVerifyTOTPRejectsReplay(t *testing.T) {
	secret, _, err := NewTOTPKey("Canopy", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 1, 12, 0, 10, 0, time.UTC)
	c, err := TOTPCode(secret, now)
	if err != nil {
		t.Fatal(err)
	}
	step, ok := VerifyTOTP(c, secret, now, 0)
	if !ok || step != TOTPStep(now) {
		t.Fatalf("first use: %d, %v", step, ok)
	}
	// Same code, a few seconds later, still inside its 30 s window.
	if _, ok := VerifyTOTP(c, secret, now.Add(5*time.Second), step); ok {
		t.Fatal("a used code was accepted again")
	}
	next, _ := TOTPCode(secret, now.Add(30*time.Second))
	if s, ok := VerifyTOTP(next, secret, now.Add(30*time.Second), step); !ok || s != step+1 {
		t.Fatalf("next step's code: %d, %v; want %d, true", s, ok, step+1)
	}
}

func TestTOTPStep(t *testing.T) {
	for _, tc := range []struct {
		unix int64
		want int64
	}{{0, 0}, {29, 0}, {30, 1}, {59, 1}, {-1, -1}, {-30, -1}, {-31, -2}} {
		if got := TOTPStep(time.Unix(tc.unix, 0)); got != tc.want {
			t.Errorf("TOTPStep(%d) = %d; want %d", tc.unix, got, tc.want)
		}
	}
}

func TestNewTOTPKey(t *testing.T) {
	secret, u, err := NewTOTPKey("Canopy", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	raw, err := base32.StdEncoding.WithPadding(base32.NoPadding).DecodeString(secret)
	if err != nil || len(raw) != 20 {
		t.Fatalf("secret %q decodes to %d bytes, %v; want 20", secret, len(raw), err)
	}
	key, err := otp.NewKeyFromURL(u)
	if err != nil {
		t.Fatal(err)
	}
	if key.Type() != "totp" || key.Issuer() != "Canopy" || key.AccountName() != "alice@example.com" ||
		key.Secret() != secret || key.Period() != 30 || key.Digits() != otp.DigitsSix ||
		key.Algorithm() != otp.AlgorithmSHA1 {
		t.Fatalf("otpauth URL %q does not describe the key", u)
	}
	parsed, _ := url.Parse(u)
	if parsed.Scheme != "otpauth" || !strings.HasPrefix(parsed.Path, "/Canopy:") {
		t.Fatalf("otpauth URL %q: unexpected shape", u)
	}
	other, _, _ := NewTOTPKey("Canopy", "alice@example.com")
	if other == secret {
		t.Fatal("two keys share a secret")
	}
	if _, _, err := NewTOTPKey("", "alice@example.com"); err == nil {
		t.Fatal("NewTOTPKey accepted an empty issuer")
	}
}

func TestTOTPQRCodePNG(t *testing.T) {
	_, u, err := NewTOTPKey("Canopy", "alice@example.com")
	if err != nil {
		t.Fatal(err)
	}
	b, err := TOTPQRCodePNG(u, 200)
	if err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		t.Fatal(err)
	}
	if r := img.Bounds(); r.Dx() != 200 || r.Dy() != 200 {
		t.Fatalf("image is %v; want 200x200", r)
	}
	dark, light := 0, 0
	for y := range 200 {
		for x := range 200 {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				dark++
			} else {
				light++
			}
		}
	}
	if dark < 200*200/5 || light < 200*200/5 {
		t.Fatalf("image has %d dark and %d light pixels: not a QR code", dark, light)
	}
	if _, err := TOTPQRCodePNG("http://not an otpauth url", 200); err == nil {
		t.Fatal("TOTPQRCodePNG accepted a bad URL")
	}
	if _, err := TOTPQRCodePNG(u, 10); err == nil {
		t.Fatal("TOTPQRCodePNG accepted a size too small for the code")
	}
}
