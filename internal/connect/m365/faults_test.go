package m365

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

func countUsers(c *Client) (int, error) {
	n := 0
	err := c.Users(context.Background(), func(User) error { n++; return nil })
	return n, err
}

func TestThrottleStormIsBoundedThenRecovers(t *testing.T) {
	e := newEnv(t, 50)
	c := e.client(nil)
	e.faults.Add("graph", sbx.Fault{Status: 429, RetryAfter: 2 * time.Second})
	_, err := countUsers(c)
	var ge *Error
	if !IsThrottled(err) || !errors.As(err, &ge) || ge.Code != "TooManyRequests" || ge.RetryAfter != 2*time.Second {
		t.Fatalf("in a storm: %v", err)
	}
	if n := e.faults.Count("graph", ""); n != 4 {
		t.Fatalf("%d requests in a 429 storm, want 1 + 3 retries", n)
	}
	if w := e.recordedWaits(); len(w) != 3 || w[0] != 2*time.Second || w[2] != 2*time.Second {
		t.Fatalf("waits %v, want Retry-After (2 s) three times", w)
	}

	e.faults.Clear("graph")
	e.faults.ResetCounts()
	e.faults.Add("graph", sbx.Fault{Status: 429, RetryAfter: time.Second, Times: 2})
	if n, err := countUsers(c); err != nil || n != 50 {
		t.Fatalf("after two 429s: %d users, %v", n, err)
	}
	if n := e.faults.Count("graph", ""); n != 3 {
		t.Fatalf("%d requests, want 3", n)
	}
}

func TestRetryAfterLongerThanTheCapIsNotWaited(t *testing.T) {
	e := newEnv(t, 10)
	c := e.client(nil)
	e.faults.Add("graph", sbx.Fault{Status: 503, RetryAfter: 10 * time.Minute})
	_, err := countUsers(c)
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 503 || ge.RetryAfter != 10*time.Minute || !IsThrottled(err) {
		t.Fatalf("got %v", err)
	}
	if n := e.faults.Count("graph", ""); n != 1 || len(e.recordedWaits()) != 0 {
		t.Fatalf("%d requests, waits %v: a 10-minute Retry-After must go back to the caller", n, e.recordedWaits())
	}
}

func TestSandboxThrottleHonoursRetryAfter(t *testing.T) {
	e := newEnv(t, 2100)
	e.g.SetThrottle(testTenant, 2) // pages 1 and 2 pass, page 3 waits for the next minute
	n, err := countUsers(e.client(nil))
	if err != nil || n != 2100 {
		t.Fatalf("%d users, %v", n, err)
	}
	if w := e.recordedWaits(); len(w) != 1 || w[0] != 30*time.Second {
		t.Fatalf("waits %v, want the 30 s to the next minute", w)
	}
}

func TestServerErrorsAreRetriedWithinBounds(t *testing.T) {
	e := newEnv(t, 10)
	c := e.client(nil)
	e.faults.Add("graph", sbx.Fault{Status: 500, Times: 2})
	if n, err := countUsers(c); err != nil || n != 10 {
		t.Fatalf("after two 500s: %d, %v", n, err)
	}
	e.faults.ResetCounts()
	e.faults.Add("graph", sbx.Fault{Status: 502})
	_, err := countUsers(c)
	var ge *Error
	if !errors.As(err, &ge) || ge.Status != 502 || IsThrottled(err) {
		t.Fatalf("persistent 502: %v", err)
	}
	if n := e.faults.Count("graph", ""); n != 4 {
		t.Fatalf("%d requests for a persistent 502, want 4", n)
	}
}

func TestExpiredTokenIsUnauthorized(t *testing.T) {
	e := newEnv(t, 10)
	c := e.client(sbx.Claims{"exp": e.clock.Now().Add(-time.Minute).Unix()})
	_, err := countUsers(c)
	var ge *Error
	if !IsUnauthorized(err) || IsForbidden(err) || !errors.As(err, &ge) || ge.Code != "InvalidAuthenticationToken" || ge.RequestID == "" {
		t.Fatalf("expired token: %v", err)
	}
	if n := e.faults.Count("graph", ""); n != 1 {
		t.Fatalf("%d requests with an expired token, want 1 (no retry)", n)
	}
	checks := c.Probe(context.Background())
	for _, ch := range checks {
		if ch.State != CheckUnauthorized || !strings.Contains(ch.Fix, "admin consent") {
			t.Fatalf("probe with an expired token: %+v", ch)
		}
	}
}

func TestTokenSourceFailureIsNotRetried(t *testing.T) {
	e := newEnv(t, 10)
	calls := 0
	c := e.clientWith(tokenFunc(func(context.Context) (string, error) {
		calls++
		return "", errors.New("AADSTS7000215: Invalid client secret provided")
	}))
	_, err := countUsers(c)
	var te *TokenError
	if !errors.As(err, &te) || calls != 1 || e.faults.Count("graph", "") != 0 {
		t.Fatalf("token failure: %v after %d calls", err, calls)
	}
}

func TestMissingRoleIsForbiddenAndProbed(t *testing.T) {
	e := newEnv(t, 10)
	c := e.client(sbx.Claims{"roles": []any{"Organization.Read.All", "Reports.Read.All", "ReportSettings.Read.All"}})
	_, err := countUsers(c)
	var ge *Error
	if !IsForbidden(err) || IsUnauthorized(err) || !errors.As(err, &ge) || ge.Code != "Authorization_RequestDenied" {
		t.Fatalf("without User.Read.All: %v", err)
	}
	checks := c.Probe(context.Background())
	want := map[string]CheckState{FeatureUsers: CheckMissingPermission, FeatureLicences: CheckOK,
		FeatureUsageReports: CheckOK, FeatureReportConcealment: CheckOK}
	if len(checks) != len(want) {
		t.Fatalf("checks %+v", checks)
	}
	for _, ch := range checks {
		if ch.State != want[ch.Feature] {
			t.Fatalf("%s: %+v", ch.Feature, ch)
		}
	}
	if !strings.Contains(checks[0].Fix, "User.Read.All") || checks[0].Permission != "User.Read.All" {
		t.Fatalf("users fix %+v", checks[0])
	}
	if checks[3].Warning == "" { // concealed names are on by default
		t.Fatalf("concealment check without the warning: %+v", checks[3])
	}
}

func TestTruncatedPageIsAnErrorNotPartialData(t *testing.T) {
	e := newEnv(t, 1500)
	c := e.client(nil)
	e.faults.Add("graph", sbx.Fault{Path: "/v1.0/users", Truncate: 700, Times: 1})
	n, err := countUsers(c)
	if err == nil || !strings.Contains(err.Error(), "truncated") || n != 0 {
		t.Fatalf("truncated first page: %d users delivered, %v", n, err)
	}
	// The second page is cut: the first page's users were delivered, but
	// Users fails, so the caller knows the list is incomplete.
	n = 0
	err = c.Users(context.Background(), func(User) error {
		if n++; n == 1 {
			e.faults.Add("graph", sbx.Fault{Path: "/v1.0/users", Truncate: 5000, Times: 1})
		}
		return nil
	})
	if err == nil || n != 999 {
		t.Fatalf("truncated second page: %d users, %v", n, err)
	}
}
