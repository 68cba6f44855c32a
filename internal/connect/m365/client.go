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
	"time"

	"github.com/canopyhq/canopy/internal/connect/msapi"
)

// DefaultBaseURL is the global Microsoft Graph endpoint.
const DefaultBaseURL = "https://graph.microsoft.com"

// TokenSource returns a bearer token for Graph (audience
// https://graph.microsoft.com). The connection framework backs it with
// azidentity client credentials, which cache and refresh the token.
type TokenSource = msapi.TokenSource

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
	base *url.URL
	api  *msapi.Client
}

// graphAPI plugs Graph's headers and errors into the shared machinery.
var graphAPI = msapi.Service{
	Name: "graph",
	Decorate: func(r *http.Request) {
		r.Header.Set("client-request-id", msapi.NewRequestID())
		r.Header.Set("User-Agent", "Canopy")
	},
	APIError:   graphError,
	TokenError: func(err error) error { return &TokenError{Err: err} },
}

// New returns a client for cfg. A BaseURL that does not parse falls back
// to nothing usable: every request then fails with that error.
func New(cfg Config) *Client {
	return &Client{base: msapi.ParseBase(cfg.BaseURL, DefaultBaseURL), api: msapi.New(graphAPI, msapi.Config{
		HTTPClient: cfg.HTTPClient, Tokens: cfg.Tokens, MaxRetries: cfg.MaxRetries,
		MaxRetryWait: cfg.MaxRetryWait, Now: cfg.Now, Sleep: cfg.Sleep,
	})}
}

// endpoint returns the absolute URL of a path under the base ("/v1.0/users").
func (c *Client) endpoint(pathAndQuery string) string { return msapi.Join(c.base, pathAndQuery) }

// sameHost reports whether u points at the client's Graph host, so that a
// nextLink never sends the token elsewhere.
func (c *Client) sameHost(u string) bool { return msapi.SameHost(c.base, u) }
