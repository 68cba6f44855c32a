package m365

import (
	"context"
	"net/http"
	"time"

	"github.com/canopyhq/canopy/internal/connect/msapi"
)

// getJSON GETs url and decodes the JSON answer into out. A body that
// ends early (a half-written page) is an error, never partial data.
func (c *Client) getJSON(ctx context.Context, url string, out any) error {
	return c.api.GetJSON(ctx, msapi.Request{URL: url}, out)
}

// retryAfter reads Retry-After: delta seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration { return msapi.RetryAfter(h, now) }

// backoff is 1 s, 2 s, 4 s ... with ±20 % jitter.
func backoff(attempt int) time.Duration { return msapi.Backoff(attempt) }
