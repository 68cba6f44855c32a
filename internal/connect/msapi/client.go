// Package msapi is the HTTP machinery that Canopy's Microsoft REST clients
// share (Graph in internal/connect/m365, Partner Center in
// internal/connect/partnercenter): a bearer token on every request,
// bounded retries that obey Retry-After up to a cap, jittered backoff for
// idempotent requests, a Sleep hook so tests move a clock instead of
// waiting, and no automatic redirects.
//
// It speaks no service's protocol: each client plugs in its own error
// type and error-body parsing, its own per-request headers and its own
// token error through a Service.
package msapi

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// TokenSource returns a bearer token for one API audience. The connection
// framework backs it with azidentity credentials, which cache and refresh.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// Service is what one API adds to the shared machinery.
type Service struct {
	// Name prefixes transport and decoding errors ("graph", "partner center").
	Name string
	// Decorate sets the service's own headers on every attempt (request
	// IDs, locale); nil sets none.
	Decorate func(*http.Request)
	// OK reports whether a status is a success handed to the caller; nil
	// means any status below 400. Other statuses become APIError.
	OK func(status int) bool
	// APIError turns an error answer into the service's error type. body
	// holds at most 64 KiB; retryAfter is the parsed Retry-After (0 when
	// absent).
	APIError func(status int, h http.Header, body []byte, retryAfter time.Duration) error
	// TokenError wraps a failure of the TokenSource, which is never retried.
	TokenError func(error) error
	// ExactNumbers decodes JSON numbers in untyped values as json.Number
	// (amounts stay exact decimals, never float64).
	ExactNumbers bool
}

// Config is the part of a client's configuration the machinery uses.
type Config struct {
	// HTTPClient sends the requests; nil means a client with a five-minute
	// timeout. Its redirect policy is replaced: redirects are never followed.
	HTTPClient *http.Client
	Tokens     TokenSource
	// MaxRetries: 0 means 3, a negative value means none.
	MaxRetries int
	// MaxRetryWait caps one wait; 0 means one minute.
	MaxRetryWait time.Duration
	// Now is the current time (HTTP-date Retry-After); nil means time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx is done; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client sends requests for one Service.
type Client struct {
	svc    Service
	http   *http.Client
	tokens TokenSource
	policy Policy
	now    func() time.Time
	sleep  func(ctx context.Context, d time.Duration) error
}

// New returns a client for svc with cfg's defaults filled in.
func New(svc Service, cfg Config) *Client {
	c := &Client{svc: svc, http: NoRedirects(cfg.HTTPClient), tokens: cfg.Tokens,
		policy: NewPolicy(cfg.MaxRetries, cfg.MaxRetryWait), now: cfg.Now, sleep: cfg.Sleep}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = SleepCtx
	}
	if c.svc.OK == nil {
		c.svc.OK = func(status int) bool { return status < 400 }
	}
	return c
}

// Policy is the client's retry policy, defaults applied.
func (c *Client) Policy() Policy { return c.policy }

// Now is the client's current time.
func (c *Client) Now() time.Time { return c.now() }

// Sleep waits d (or moves a test clock) unless ctx ends first.
func (c *Client) Sleep(ctx context.Context, d time.Duration) error { return c.sleep(ctx, d) }

// NoRedirects copies hc (or a default client) with redirects turned off:
// a 302 to a download must not carry the bearer token, and Go's client
// keeps Authorization on same-host redirects.
func NoRedirects(hc *http.Client) *http.Client {
	out := &http.Client{Timeout: 5 * time.Minute}
	if hc != nil {
		cp := *hc
		out = &cp
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return out
}

// ParseBase parses an API root ("" means def). A root that does not parse
// or has no host becomes an unusable URL: every request then fails.
func ParseBase(raw, def string) *url.URL {
	raw = strings.TrimRight(raw, "/")
	if raw == "" {
		raw = def
	}
	base, err := url.Parse(raw)
	if err != nil || base.Host == "" {
		return &url.URL{Scheme: "invalid", Host: "invalid-base-url"}
	}
	return base
}

// Join returns the absolute URL of pathAndQuery ("/v1.0/users?$top=1")
// under base.
func Join(base *url.URL, pathAndQuery string) string {
	return base.Scheme + "://" + base.Host + strings.TrimRight(base.Path, "/") + pathAndQuery
}

// SameHost reports whether u has base's scheme and host, so that a link
// from an answer never sends the token elsewhere.
func SameHost(base *url.URL, u string) bool {
	p, err := url.Parse(u)
	return err == nil && strings.EqualFold(p.Scheme, base.Scheme) && strings.EqualFold(p.Host, base.Host)
}

// SleepCtx waits d or until ctx is done.
func SleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
