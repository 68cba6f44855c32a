package app

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestRealIPBelievesOnlyTrustedProxies(t *testing.T) {
	trusted, err := parseProxies("10.0.0.0/8, 192.0.2.7")
	if err != nil {
		t.Fatal(err)
	}
	var seen string
	h := realIP(trusted, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { seen = r.RemoteAddr }))
	cases := []struct {
		peer, xff, want string
	}{
		{"192.0.2.7:5000", "203.0.113.9", "203.0.113.9:0"},                         // through the proxy
		{"192.0.2.7:5000", "198.51.100.1, 203.0.113.9, 10.1.2.3", "203.0.113.9:0"}, // right-most untrusted hop
		{"198.51.100.50:5000", "203.0.113.9", "198.51.100.50:5000"},                // an untrusted peer's header is ignored
		{"192.0.2.7:5000", "", "192.0.2.7:5000"},                                   // no header
		{"192.0.2.7:5000", "not-an-ip", "192.0.2.7:5000"},                          // malformed hop
		{"[::ffff:10.0.0.1]:5000", "2001:db8::1", "[2001:db8::1]:0"},               // IPv4-mapped trusted peer
	}
	for _, c := range cases {
		r := httptest.NewRequest("GET", "/", nil)
		r.RemoteAddr = c.peer
		if c.xff != "" {
			r.Header.Set("X-Forwarded-For", c.xff)
		}
		h.ServeHTTP(httptest.NewRecorder(), r)
		if seen != c.want {
			t.Errorf("peer %s, XFF %q: RemoteAddr %q, want %q", c.peer, c.xff, seen, c.want)
		}
	}
	if _, err := parseProxies("10.0.0.0/8,nope"); err == nil {
		t.Error("a bad proxy entry must be refused")
	}
}
