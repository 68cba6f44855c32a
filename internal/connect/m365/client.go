// Package m365 is Canopy's thin Microsoft Graph client: the few endpoints
// the Microsoft 365 connector needs (users, subscribed SKUs, organization,
// groups, JSON batching, usage reports and their concealment setting)
// over plain net/http, with bounded retries that obey Graph's throttling.
//
// It is deliberately not msgraph-sdk-go (far too heavy to build here). The
// only place in Canopy that speaks Graph's protocol is this package.
package m365

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is the global Microsoft Graph endpoint.
const DefaultBaseURL = "https://graph.microsoft.com"

// TokenSource returns a bearer token for Graph (audience
// https://graph.microsoft.com). The connection framework backs it with
// azidentity client credentials, which cache and refresh the token.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// Config configures a Client.
type Config struct {
	// BaseURL is Graph's root; "" means https://graph.microsoft.com.
	BaseURL string
	// HTTPClient sends the requests; nil means a client with a five-minute
	// timeout. Its redirect policy is not used: the client never follows
	// redirects by itself, so a bearer token never leaves Graph's host.
	HTTPClient *http.Client
	// Tokens provides the bearer token for every Graph request.
	Tokens TokenSource
	// Now is the current time (HTTP-date Retry-After values); nil means
	// time.Now.
	Now func() time.Time
	// MaxRetries bounds the retries of one request (429, 503 and other
	// 5xx answers, transport errors of idempotent requests): 0 means 3, a
	// negative value means none.
	MaxRetries int
	// MaxRetryWait caps one wait before a retry; 0 means one minute. When
	// Graph asks for a longer Retry-After, the request is not retried: the
	// *Error carries RetryAfter so the sync engine can reschedule instead
	// of holding a worker.
	MaxRetryWait time.Duration
	// Sleep waits d or until ctx is done; nil means a real timer. Tests
	// use it to move a sandbox clock instead of waiting.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is a Graph client for one tenant (the tenant of its tokens).
type Client struct {
	base    *url.URL
	http    *http.Client
	tokens  TokenSource
	now     func() time.Time
	retries int
	maxWait time.Duration
	sleep   func(ctx context.Context, d time.Duration) error
}

// New returns a client for cfg. A BaseURL that does not parse falls back
// to nothing usable: every request then fails with that error.
func New(cfg Config) *Client {
	raw := strings.TrimRight(cfg.BaseURL, "/")
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(raw)
	if err != nil || base.Host == "" {
		base = &url.URL{Scheme: "invalid", Host: "invalid-base-url"}
	}
	c := &Client{base: base, tokens: cfg.Tokens, now: cfg.Now, retries: cfg.MaxRetries,
		maxWait: cfg.MaxRetryWait, sleep: cfg.Sleep}
	c.http = noRedirects(cfg.HTTPClient)
	if c.now == nil {
		c.now = time.Now
	}
	switch {
	case c.retries == 0:
		c.retries = 3
	case c.retries < 0:
		c.retries = 0
	}
	if c.maxWait <= 0 {
		c.maxWait = time.Minute
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
	return c
}

// noRedirects copies hc (or a default client) with redirects turned off:
// a 302 to a report download must not carry the bearer token, and Go's
// client keeps Authorization on same-host redirects.
func noRedirects(hc *http.Client) *http.Client {
	out := &http.Client{Timeout: 5 * time.Minute}
	if hc != nil {
		cp := *hc
		out = &cp
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return out
}

// endpoint returns the absolute URL of a path under the base ("/v1.0/users").
func (c *Client) endpoint(pathAndQuery string) string {
	return c.base.Scheme + "://" + c.base.Host + strings.TrimRight(c.base.Path, "/") + pathAndQuery
}

// sameHost reports whether u points at the client's Graph host, so that a
// nextLink never sends the token elsewhere.
func (c *Client) sameHost(u string) bool {
	p, err := url.Parse(u)
	return err == nil && strings.EqualFold(p.Scheme, c.base.Scheme) && strings.EqualFold(p.Host, c.base.Host)
}

func sleepCtx(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}
