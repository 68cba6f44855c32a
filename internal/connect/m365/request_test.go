package m365

import (
	"net/http"
	"testing"
	"time"
)

func TestRetryAfterSecondsAndHTTPDate(t *testing.T) {
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"7": 7 * time.Second, "0": 0, "": 0, "soon": 0,
		now.Add(90 * time.Second).Format(http.TimeFormat): 90 * time.Second,
		now.Add(-time.Minute).Format(http.TimeFormat):     0,
	} {
		h := http.Header{}
		if v != "" {
			h.Set("Retry-After", v)
		}
		if got := retryAfter(h, now); got != want {
			t.Errorf("Retry-After %q: %v, want %v", v, got, want)
		}
	}
}

func TestNextLinkMustStayOnTheGraphHost(t *testing.T) {
	c := New(Config{BaseURL: "https://graph.microsoft.com"})
	for u, want := range map[string]bool{
		"https://graph.microsoft.com/v1.0/users?$skiptoken=x": true,
		"https://GRAPH.microsoft.com/v1.0/users":              true,
		"http://graph.microsoft.com/v1.0/users":               false,
		"https://evil.example/v1.0/users":                     false,
		"https://graph.microsoft.com.evil.example/v1.0/users": false,
	} {
		if got := c.sameHost(u); got != want {
			t.Errorf("sameHost(%q) = %v", u, got)
		}
	}
	if got := c.endpoint("/v1.0/users"); got != "https://graph.microsoft.com/v1.0/users" {
		t.Errorf("endpoint %s", got)
	}
}

func TestBackoffGrowsAndStaysBounded(t *testing.T) {
	for attempt := 0; attempt < 10; attempt++ {
		d, base := backoff(attempt), time.Second<<min(attempt, 6)
		if d < base*8/10 || d > base*12/10 {
			t.Fatalf("backoff(%d) = %v", attempt, d)
		}
	}
}
