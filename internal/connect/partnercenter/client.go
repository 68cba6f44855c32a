// Package partnercenter is Canopy's client for the Partner Center REST
// API's billing part: invoices, their reconciliation line items and daily
// rated usage (billed and unbilled), paged with MS-ContinuationToken. It
// also writes those lines as the reconciliation CSV files that
// internal/billing imports, so API data and downloaded files take the
// same path (and the same rounding rules) into the cost store.
package partnercenter

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// DefaultBaseURL is Partner Center's REST API root.
const DefaultBaseURL = "https://api.partnercenter.microsoft.com"

// TokenSource returns a bearer token for Partner Center (audience
// https://api.partnercenter.microsoft.com), e.g. azidentity client
// credentials or an app+user token of the partner tenant.
type TokenSource interface {
	Token(ctx context.Context) (string, error)
}

// Config configures a Client.
type Config struct {
	// BaseURL is the API root without /v1; "" means DefaultBaseURL.
	BaseURL string
	// HTTPClient sends the requests; nil means a client with a five-minute
	// timeout. Redirects are never followed.
	HTTPClient *http.Client
	Tokens     TokenSource
	// MaxRetries bounds the retries of one request (429, 503, other 5xx,
	// transport errors): 0 means 3, negative means none.
	MaxRetries int
	// MaxRetryWait caps one wait; 0 means one minute. A longer
	// Retry-After is not waited: the *Error carries it for the caller.
	MaxRetryWait time.Duration
	// PageSize is the line items asked per page (1..2000); 0 means 2000.
	PageSize int
	// Currency is the partner's billing currency, which unbilled queries
	// must name; "" means USD.
	Currency string
	// Now is the current time (HTTP-date Retry-After); nil means time.Now.
	Now func() time.Time
	// Sleep waits d or until ctx is done; nil means a real timer.
	Sleep func(ctx context.Context, d time.Duration) error
}

// Client is a Partner Center client for one partner tenant.
type Client struct {
	base     *url.URL
	http     *http.Client
	tokens   TokenSource
	retries  int
	maxWait  time.Duration
	pageSize int
	currency string
	now      func() time.Time
	sleep    func(ctx context.Context, d time.Duration) error
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	raw := strings.TrimRight(cfg.BaseURL, "/")
	if raw == "" {
		raw = DefaultBaseURL
	}
	base, err := url.Parse(raw)
	if err != nil || base.Host == "" {
		base = &url.URL{Scheme: "invalid", Host: "invalid-base-url"}
	}
	c := &Client{base: base, tokens: cfg.Tokens, retries: cfg.MaxRetries, maxWait: cfg.MaxRetryWait,
		pageSize: cfg.PageSize, currency: cfg.Currency, now: cfg.Now, sleep: cfg.Sleep}
	c.http = &http.Client{Timeout: 5 * time.Minute}
	if cfg.HTTPClient != nil {
		cp := *cfg.HTTPClient
		c.http = &cp
	}
	c.http.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	c.defaults()
	return c
}

func (c *Client) defaults() {
	switch {
	case c.retries == 0:
		c.retries = 3
	case c.retries < 0:
		c.retries = 0
	}
	if c.maxWait <= 0 {
		c.maxWait = time.Minute
	}
	if c.pageSize <= 0 || c.pageSize > 2000 {
		c.pageSize = 2000
	}
	if c.currency == "" {
		c.currency = "USD"
	}
	if c.now == nil {
		c.now = time.Now
	}
	if c.sleep == nil {
		c.sleep = sleepCtx
	}
}

// endpoint returns the absolute URL of an API path ("/invoices"), under
// /v1. Paths in links.next are relative to /v1 too.
func (c *Client) endpoint(path string) string {
	path = "/" + strings.TrimPrefix(path, "/")
	if !strings.HasPrefix(path, "/v1/") {
		path = "/v1" + path
	}
	return c.base.Scheme + "://" + c.base.Host + strings.TrimRight(c.base.Path, "/") + path
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
