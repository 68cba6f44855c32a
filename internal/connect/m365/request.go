package m365

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"time"
)

// request is one Graph call.
type request struct {
	method string
	url    string // absolute
	body   []byte // JSON, nil for none
	header http.Header
	// idempotent requests are also retried after 5xx answers and
	// transport errors; others only after 429/503, which Graph sends
	// before doing anything.
	idempotent bool
	// anonymous requests carry no bearer token (pre-authenticated report
	// download URLs).
	anonymous bool
}

// do sends req with the bearer token, retrying within the client's
// bounds. It returns a response with a status below 400 (the caller
// closes its body) or an error; Graph's error answers become *Error.
func (c *Client) do(ctx context.Context, req request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, req)
		if err != nil {
			var te *TokenError
			if ctx.Err() != nil || !req.idempotent || attempt >= c.retries || errors.As(err, &te) {
				return nil, err
			}
			if err := c.sleep(ctx, backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		}
		if resp.StatusCode < 400 {
			return resp, nil
		}
		apiErr := readError(resp)
		apiErr.RetryAfter = retryAfter(resp.Header, c.now())
		wait, retry := c.retryWait(apiErr, req.idempotent, attempt)
		if !retry {
			return nil, apiErr
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// retryWait decides whether a failed attempt is retried and after how
// long: 429 and 503 after Graph's Retry-After (backoff when it gave
// none), other 5xx of idempotent requests after exponential backoff.
func (c *Client) retryWait(e *Error, idempotent bool, attempt int) (time.Duration, bool) {
	if attempt >= c.retries {
		return 0, false
	}
	switch {
	case e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable:
		if e.RetryAfter > c.maxWait {
			return 0, false // longer than we hold a worker: let the caller reschedule
		}
		if e.RetryAfter > 0 {
			return e.RetryAfter, true
		}
		return min(backoff(attempt), c.maxWait), true
	case e.Status >= 500 && idempotent:
		return min(backoff(attempt), c.maxWait), true
	}
	return 0, false
}

// send makes one attempt.
func (c *Client) send(ctx context.Context, req request) (*http.Response, error) {
	var body *bytes.Reader
	if req.body != nil {
		body = bytes.NewReader(req.body)
	}
	hr, err := newHTTPRequest(ctx, req.method, req.url, body)
	if err != nil {
		return nil, err
	}
	for k, v := range req.header {
		hr.Header[k] = v
	}
	if !req.anonymous {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return nil, &TokenError{Err: err}
		}
		hr.Header.Set("Authorization", "Bearer "+tok)
	}
	hr.Header.Set("Accept", "application/json")
	hr.Header.Set("client-request-id", newRequestID())
	hr.Header.Set("User-Agent", "Canopy")
	if req.body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("graph: %s %s: %w", req.method, hr.URL.Path, err)
	}
	return resp, nil
}

func newHTTPRequest(ctx context.Context, method, url string, body *bytes.Reader) (*http.Request, error) {
	if body == nil {
		return http.NewRequestWithContext(ctx, method, url, nil)
	}
	return http.NewRequestWithContext(ctx, method, url, body)
}

// getJSON GETs url and decodes the JSON answer into out. A body that
// ends early (a half-written page) is an error, never partial data.
func (c *Client) getJSON(ctx context.Context, url string, out any) error {
	resp, err := c.do(ctx, request{method: http.MethodGet, url: url, idempotent: true})
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("graph: GET %s: unexpected status %d", resp.Request.URL.Path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		return fmt.Errorf("graph: GET %s: reading the answer (truncated or malformed): %w", resp.Request.URL.Path, err)
	}
	return nil
}

// retryAfter reads Retry-After: delta seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if v == "" {
		return 0
	}
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff is 1 s, 2 s, 4 s ... with ±20 % jitter so that many workers do
// not retry in step.
func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 6)
	jitter := time.Duration(mrand.Int64N(int64(d)/5*2+1)) - d/5
	return d + jitter
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
