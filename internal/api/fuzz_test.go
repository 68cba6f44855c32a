package api

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
)

// FuzzDecodeJSON feeds arbitrary bodies to the strict decoder: it must
// never panic, and every refusal must be a domain error with a code and a
// message a person can act on.
func FuzzDecodeJSON(f *testing.F) {
	for _, s := range []string{`{"email":"a@b.c","roles":["viewer"],"mode":"invite"}`, `{"email":1}`,
		`{"nope":true}`, `{} {}`, `[`, ``, `{"roles":[1,2]}`, "\x00", `{"name":"\ud800"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		r := httptest.NewRequest(http.MethodPost, "/api/v1/users", strings.NewReader(body))
		r.Header.Set("Content-Type", "application/json")
		var dst newUser
		err := decodeJSON(httptest.NewRecorder(), r, &dst)
		if err == nil {
			return
		}
		code := domain.ErrorCode(err)
		if code != domain.CodeInvalid && code != domain.CodeTooLarge {
			t.Fatalf("body %q: code %q, want invalid or too_large (%v)", body, code, err)
		}
		if domain.ErrorMessage(err) == "" {
			t.Fatalf("body %q: empty message", body)
		}
	})
}

// FuzzAuditFilter checks the query parser never panics and only returns
// invalid-input errors.
func FuzzAuditFilter(f *testing.F) {
	for _, s := range []string{"from=2026-01-01&to=2026-01-31", "from=2026-02-30", "action=user.&actor=a", "to=x", "cursor=%%%"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		q, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		if _, err := auditFilter(q); err != nil && domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("query %q: %v", raw, err)
		}
	})
}

// FuzzRateInput: the rate parser never panics, refuses only with a named
// field, and what it accepts is stored digit for digit as typed (only
// leading zeros dropped).
func FuzzRateInput(f *testing.F) {
	for _, s := range []string{"1.0925", "1.123456789012345678", "0", "-1", "1e3", "NaN", "Infinity", "00.10", " 2 ", "1.", ".5"} {
		f.Add("2026-01-09", "EUR", "USD", s)
	}
	f.Fuzz(func(t *testing.T, day, base, quote, rate string) {
		r, err := rateInput{Day: day, Base: base, Quote: quote, Rate: rate}.parse()
		if err != nil {
			if domain.ErrorCode(err) != domain.CodeInvalid || domain.ErrorField(err) == "" {
				t.Fatalf("%q %q %q %q: %v", day, base, quote, rate, err)
			}
			return
		}
		want := strings.TrimLeft(strings.TrimSpace(rate), "0")
		if want == "" || want[0] == '.' {
			want = "0" + want
		}
		if got := r.Value.Text('f'); got != want || r.Value.Sign() <= 0 || r.Base == r.Quote {
			t.Fatalf("rate %q parsed as %s (%s/%s)", rate, got, r.Base, r.Quote)
		}
	})
}
