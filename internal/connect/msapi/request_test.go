package msapi

import (
	"context"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)

// script is a RoundTripper that answers each attempt with fn and notes
// the requests; no network is involved.
type script struct {
	mu   sync.Mutex
	reqs []*http.Request
	fn   func(n int) (*http.Response, error)
}

func (s *script) RoundTrip(r *http.Request) (*http.Response, error) {
	s.mu.Lock()
	n := len(s.reqs)
	s.reqs = append(s.reqs, r)
	s.mu.Unlock()
	resp, err := s.fn(n)
	if resp != nil {
		resp.Request = r
	}
	return resp, err
}

func answer(status int, body string, hdr ...string) *http.Response {
	h := http.Header{}
	for i := 0; i+1 < len(hdr); i += 2 {
		h.Set(hdr[i], hdr[i+1])
	}
	return &http.Response{StatusCode: status, Header: h, Body: io.NopCloser(strings.NewReader(body))}
}

// testError is the test Service's error type.
type testError struct {
	status     int
	body       string
	retryAfter time.Duration
}

func (e *testError) Error() string { return "test error" }

type tokenErr struct{ err error }

func (e *tokenErr) Error() string { return "token: " + e.err.Error() }

type tokens struct{ err error }

func (t tokens) Token(context.Context) (string, error) { return "tok", t.err }

// rig is a Client on a script whose waits are recorded instead of slept.
type rig struct {
	c     *Client
	s     *script
	waits []time.Duration
}

func newRig(cfg Config, fn func(n int) (*http.Response, error)) *rig {
	r := &rig{s: &script{fn: fn}}
	cfg.HTTPClient = &http.Client{Transport: r.s}
	cfg.Now = func() time.Time { return t0 }
	cfg.Sleep = func(ctx context.Context, d time.Duration) error { r.waits = append(r.waits, d); return ctx.Err() }
	if cfg.Tokens == nil {
		cfg.Tokens = tokens{}
	}
	r.c = New(Service{
		Name:     "test",
		Decorate: func(h *http.Request) { h.Header.Set("X-Request-Id", NewRequestID()) },
		APIError: func(status int, _ http.Header, b []byte, ra time.Duration) error {
			return &testError{status: status, body: string(b), retryAfter: ra}
		},
		TokenError: func(err error) error { return &tokenErr{err} },
	}, cfg)
	return r
}

func TestAttemptsAreBoundedAndRetryAfterIsWaited(t *testing.T) {
	r := newRig(Config{}, func(int) (*http.Response, error) { return answer(429, "busy", "Retry-After", "2"), nil })
	_, err := r.c.Do(context.Background(), Request{Method: http.MethodGet, URL: "https://api.example/x"})
	var te *testError
	if !errors.As(err, &te) || te.status != 429 || te.body != "busy" || te.retryAfter != 2*time.Second {
		t.Fatalf("err %v", err)
	}
	if len(r.s.reqs) != 4 || len(r.waits) != 3 || r.waits[0] != 2*time.Second || r.waits[2] != 2*time.Second {
		t.Fatalf("%d attempts, waits %v; want 4 attempts (3 retries) after 2 s each", len(r.s.reqs), r.waits)
	}
}

func TestRetryAfterHTTPDateIsWaitedThenSucceeds(t *testing.T) {
	date := t0.Add(90 * time.Second).Format(http.TimeFormat)
	r := newRig(Config{MaxRetryWait: 2 * time.Minute}, func(n int) (*http.Response, error) {
		if n == 0 {
			return answer(503, "", "Retry-After", date), nil
		}
		return answer(200, `{"ok":true}`), nil
	})
	var out struct{ OK bool }
	if err := r.c.GetJSON(context.Background(), Request{URL: "https://api.example/x"}, &out); err != nil || !out.OK {
		t.Fatalf("%+v, %v", out, err)
	}
	if len(r.waits) != 1 || r.waits[0] != 90*time.Second {
		t.Fatalf("waits %v, want [1m30s]", r.waits)
	}
}

func TestRetryAfterOverTheCapGoesBackToTheCaller(t *testing.T) {
	r := newRig(Config{}, func(int) (*http.Response, error) { return answer(429, "", "Retry-After", "600"), nil })
	_, err := r.c.Do(context.Background(), Request{Method: http.MethodGet, URL: "https://api.example/x", Idempotent: true})
	var te *testError
	if !errors.As(err, &te) || te.retryAfter != 10*time.Minute || len(r.s.reqs) != 1 || len(r.waits) != 0 {
		t.Fatalf("err %v after %d attempts, waits %v", err, len(r.s.reqs), r.waits)
	}
}

func TestNoRetriesWhenMaxRetriesIsNegative(t *testing.T) {
	r := newRig(Config{MaxRetries: -1}, func(int) (*http.Response, error) { return answer(500, "boom"), nil })
	if _, err := r.c.Do(context.Background(), Request{Method: http.MethodGet, URL: "https://api.example/x", Idempotent: true}); err == nil || len(r.s.reqs) != 1 {
		t.Fatalf("err %v after %d attempts", err, len(r.s.reqs))
	}
}

func TestTransportErrorsAreRetriedOnlyWhenIdempotent(t *testing.T) {
	fail := func(int) (*http.Response, error) { return nil, errors.New("connection reset") }
	r := newRig(Config{MaxRetries: 2}, fail)
	_, err := r.c.Do(context.Background(), Request{Method: http.MethodGet, URL: "https://api.example/x", Idempotent: true})
	if err == nil || !strings.HasPrefix(err.Error(), "test: GET /x: ") || len(r.s.reqs) != 3 || len(r.waits) != 2 {
		t.Fatalf("idempotent: %v after %d attempts, waits %v", err, len(r.s.reqs), r.waits)
	}
	r = newRig(Config{MaxRetries: 2}, fail)
	if _, err := r.c.Do(context.Background(), Request{Method: http.MethodPost, URL: "https://api.example/x", Body: []byte("{}")}); err == nil || len(r.s.reqs) != 1 {
		t.Fatalf("POST: %v after %d attempts", err, len(r.s.reqs))
	}
}

func TestTokenFailureIsTheServicesErrorAndNotRetried(t *testing.T) {
	r := newRig(Config{Tokens: tokens{err: errors.New("bad secret")}}, func(int) (*http.Response, error) { return answer(200, "{}"), nil })
	_, err := r.c.Do(context.Background(), Request{Method: http.MethodGet, URL: "https://api.example/x", Idempotent: true})
	var te *tokenErr
	if !errors.As(err, &te) || len(r.s.reqs) != 0 || len(r.waits) != 0 {
		t.Fatalf("err %v, %d requests sent", err, len(r.s.reqs))
	}
}

func TestHeadersAndRedirectsAreNotFollowed(t *testing.T) {
	r := newRig(Config{}, func(int) (*http.Response, error) {
		return answer(302, "", "Location", "https://download.example/file"), nil
	})
	req := Request{Method: http.MethodPatch, URL: "https://api.example/x", Body: []byte("{}"), Header: http.Header{"X-Mine": {"1"}}}
	resp, err := r.c.Do(context.Background(), req)
	if err != nil || resp.StatusCode != 302 || len(r.s.reqs) != 1 {
		t.Fatalf("%v, %d requests: a redirect is the caller's to follow", err, len(r.s.reqs))
	}
	h := r.s.reqs[0].Header
	if h.Get("Authorization") != "Bearer tok" || h.Get("Accept") != "application/json" || h.Get("Content-Type") != "application/json" ||
		h.Get("X-Mine") != "1" || len(h.Get("X-Request-Id")) != 36 {
		t.Fatalf("headers %v", h)
	}
	if _, err := r.c.Do(context.Background(), Request{Method: http.MethodGet, URL: "https://download.example/f", Anonymous: true}); err != nil ||
		r.s.reqs[1].Header.Get("Authorization") != "" {
		t.Fatalf("anonymous request: %v, %v", err, r.s.reqs[1].Header)
	}
}

func TestGetJSONRefusesATruncatedBody(t *testing.T) {
	r := newRig(Config{}, func(int) (*http.Response, error) { return answer(200, `{"value":[{"id":"1"},{"id"`), nil })
	var out map[string]any
	err := r.c.GetJSON(context.Background(), Request{URL: "https://api.example/x"}, &out)
	if err == nil || !strings.Contains(err.Error(), "truncated") {
		t.Fatalf("err %v", err)
	}
}
