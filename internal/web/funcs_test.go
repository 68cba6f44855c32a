package web

import (
	"errors"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

func TestFmtTime(t *testing.T) {
	paris := time.FixedZone("CET", 3600)
	at := time.Date(2026, 1, 2, 16, 4, 0, 0, paris)
	var nilTime *time.Time
	cases := []struct {
		in   any
		want string
	}{
		{at, "2 Jan 2026 15:04 UTC"},
		{&at, "2 Jan 2026 15:04 UTC"},
		{nilTime, "—"},
		{time.Time{}, "—"},
		{"not a time", "—"},
	}
	for _, c := range cases {
		if got := fmtTime(c.in); got != c.want {
			t.Errorf("fmtTime(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestDeref(t *testing.T) {
	s := "x"
	var nilStr *string
	if deref(&s) != "x" || deref(nilStr) != nil || deref(3) != 3 {
		t.Error("deref mishandles pointers or values")
	}
}

func TestShortUA(t *testing.T) {
	cases := map[string]string{
		"Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Safari/537.36 Edg/126.0": "Edge on Windows",
		"Mozilla/5.0 (Macintosh; Intel Mac OS X 14_5) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Safari/605.1.15":    "Safari on macOS",
		"Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0":                                                "Firefox on Linux",
		"Mozilla/5.0 (Linux; Android 14) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0 Mobile Safari/537.36":              "Chrome on Android",
		"curl/8.5.0": "curl",
		"":           "Unknown device",
		"SomeVeryLongCustomAgentNameThatNobodyRecognisesAtAll/1.0": "SomeVeryLongCustomAgentNameThatNobodyRec…",
	}
	for ua, want := range cases {
		if got := shortUA(ua); got != want {
			t.Errorf("shortUA(%q) = %q, want %q", ua, got, want)
		}
	}
}

func TestMailto(t *testing.T) {
	if got := mailto("Help Desk <help@example.com>"); got != "mailto:help@example.com" {
		t.Errorf("got %q", got)
	}
	if got := mailto("the service desk"); got != "" {
		t.Errorf("non-address linked: %q", got)
	}
}

func TestPNGDataURL(t *testing.T) {
	if got := pngDataURL([]byte{0x89, 'P', 'N', 'G'}); got != "data:image/png;base64,iVBORw==" {
		t.Errorf("got %q", got)
	}
}

func TestFormErrorsSetErr(t *testing.T) {
	var f FormErrors
	f.SetErr(domain.FieldError("email", "Enter an email address."))
	if f.FieldErrors.Get("email") != "Enter an email address." || f.Error != "" {
		t.Errorf("field error filed wrongly: %+v", f)
	}
	f.SetErr(domain.Errorf(domain.CodeConflict, "That email is already in use."))
	if f.Error != "That email is already in use." {
		t.Errorf("general error: %q", f.Error)
	}
	var g FormErrors
	g.SetErr(errors.New("pq: connection refused at 10.0.0.5"))
	if g.Error != "An internal error occurred." || !g.HasErrors() {
		t.Errorf("foreign error leaked or lost: %q", g.Error)
	}
	var none FormErrors
	none.SetErr(nil)
	if none.HasErrors() {
		t.Error("nil error recorded")
	}
}

func TestHelpLinks(t *testing.T) {
	got := string(helpLinks(`Consent revoked <b>. See /help/azure-token-revoked; or /help/Bad and /helpless.`))
	want := `Consent revoked &lt;b&gt;. See <a href="/help/azure-token-revoked">/help/azure-token-revoked</a>; or /help/Bad and /helpless.`
	if got != want {
		t.Fatalf("helpLinks:\n%s\nwant\n%s", got, want)
	}
}
