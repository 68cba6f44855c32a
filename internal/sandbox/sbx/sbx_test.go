package sbx

import (
	"errors"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

func TestTokenSignVerifyExpiry(t *testing.T) {
	clock := &Clock{}
	clock.Set(time.Date(2026, 11, 1, 12, 0, 0, 0, time.UTC))
	is, err := NewIssuer(clock)
	if err != nil {
		t.Fatal(err)
	}
	tok, err := is.Sign(Claims{"aud": "https://management.azure.com/", "exp": clock.Now().Add(time.Hour).Unix(), "scp": "a b"})
	if err != nil {
		t.Fatal(err)
	}
	c, err := is.Verify(tok, "https://management.azure.com")
	if err != nil {
		t.Fatalf("verify: %v", err)
	}
	if got := c.Strings("scp"); len(got) != 2 || got[1] != "b" {
		t.Fatalf("scp = %v", got)
	}
	if _, err := is.Verify(tok, "https://graph.microsoft.com"); !errors.Is(err, ErrTokenAudience) {
		t.Fatalf("wrong audience: %v", err)
	}
	other, _ := NewIssuer(clock)
	if _, err := other.Verify(tok); !errors.Is(err, ErrTokenSignature) {
		t.Fatalf("foreign key: %v", err)
	}
	if _, err := is.Verify(tok[:len(tok)-4] + "AAAA"); !errors.Is(err, ErrTokenSignature) {
		t.Fatalf("forged signature: %v", err)
	}
	if _, err := is.Verify("a.b"); !errors.Is(err, ErrTokenMalformed) {
		t.Fatalf("malformed: %v", err)
	}
	clock.Advance(time.Hour)
	if _, err := is.Verify(tok); !errors.Is(err, ErrTokenExpired) {
		t.Fatalf("after an hour: %v", err)
	}
}

func TestServeFaultsOverTLS(t *testing.T) {
	ca, err := NewCA()
	if err != nil {
		t.Fatal(err)
	}
	faults := NewFaults()
	errw := func(w http.ResponseWriter, status int, code, msg string) {
		http.Error(w, code+": "+msg, status)
	}
	srv, err := Serve(ca, faults, "svc", errw, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"value":["0123456789"]}`)
	}))
	if err != nil {
		t.Fatal(err)
	}
	defer srv.Close()
	client := ca.Client()
	get := func() (int, string, string) {
		resp, err := client.Get(srv.URL + "/x")
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp.StatusCode, resp.Header.Get("Retry-After"), string(b)
	}
	faults.Add("svc", Fault{Status: 429, RetryAfter: 1500 * time.Millisecond, Times: 2})
	for i := 0; i < 2; i++ {
		if st, ra, _ := get(); st != 429 || ra != "2" {
			t.Fatalf("throttled request %d: %d retry-after %q", i, st, ra)
		}
	}
	if st, _, body := get(); st != 200 || !strings.Contains(body, "0123456789") {
		t.Fatalf("after the fault: %d %s", st, body)
	}
	faults.Add("svc", Fault{Truncate: 10})
	if _, _, body := get(); body != `{"value":[` {
		t.Fatalf("truncated body = %q", body)
	}
	faults.Clear("")
	if n := faults.Count("svc", "/x"); n != 4 {
		t.Fatalf("count = %d, want 4", n)
	}
	if _, err := http.Get(srv.URL + "/x"); err == nil {
		t.Fatal("a client that does not trust the sandbox CA connected")
	}
}
