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

	"github.com/canopyhq/canopy/internal/connect/msapi"
)

// DefaultBaseURL is Partner Center's REST API root.
const DefaultBaseURL = "https://api.partnercenter.microsoft.com"

// TokenSource returns a bearer token for Partner Center (audience
// https://api.partnercenter.microsoft.com), e.g. azidentity client
// credentials or an app+user token of the partner tenant.
type TokenSource = msapi.TokenSource

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
	api      *msapi.Client
	pageSize int
	currency string
}

// partnerCenter plugs Partner Center's headers and errors into the shared
// machinery. Only 200 is a success: every call is a GET of JSON.
var partnerCenter = msapi.Service{
	Name: "partner center",
	Decorate: func(r *http.Request) {
		r.Header.Set("MS-RequestId", msapi.NewRequestID())
		r.Header.Set("X-Locale", "en-US")
	},
	OK:           func(status int) bool { return status == http.StatusOK },
	APIError:     apiError,
	TokenError:   func(err error) error { return &TokenError{Err: err} },
	ExactNumbers: true, // amounts stay exact decimals, never float64
}

// New returns a client for cfg.
func New(cfg Config) *Client {
	c := &Client{base: msapi.ParseBase(cfg.BaseURL, DefaultBaseURL), pageSize: cfg.PageSize, currency: cfg.Currency}
	c.api = msapi.New(partnerCenter, msapi.Config{HTTPClient: cfg.HTTPClient, Tokens: cfg.Tokens,
		MaxRetries: cfg.MaxRetries, MaxRetryWait: cfg.MaxRetryWait, Now: cfg.Now, Sleep: cfg.Sleep})
	if c.pageSize <= 0 || c.pageSize > 2000 {
		c.pageSize = 2000
	}
	if c.currency == "" {
		c.currency = "USD"
	}
	return c
}

// endpoint returns the absolute URL of an API path ("/invoices"), under
// /v1. Paths in links.next are relative to /v1 too.
func (c *Client) endpoint(path string) string {
	path = "/" + strings.TrimPrefix(path, "/")
	if !strings.HasPrefix(path, "/v1/") {
		path = "/v1" + path
	}
	return msapi.Join(c.base, path)
}
