package msapi

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// Request is one API call.
type Request struct {
	Method string
	URL    string // absolute
	Body   []byte // JSON, nil for none
	// Header is sent on every attempt (before the bearer token and the
	// service's own headers are set).
	Header http.Header
	// Idempotent requests are also retried after 5xx answers and
	// transport errors; others only after 429/503, which the services
	// send before doing anything.
	Idempotent bool
	// Anonymous requests carry no bearer token (pre-authenticated
	// download URLs).
	Anonymous bool
}

// tokenFailure marks a TokenSource error inside the retry loop.
type tokenFailure struct{ err error }

func (t *tokenFailure) Error() string { return t.err.Error() }

// Do sends req, retrying within the client's policy. It returns a response
// whose status the Service calls OK (the caller closes its body), or an
// error: the Service's APIError for error answers, its TokenError for a
// token failure, or the transport error.
func (c *Client) Do(ctx context.Context, req Request) (*http.Response, error) {
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, req)
		if err != nil {
			if err := c.afterTransportError(ctx, err, req.Idempotent, attempt); err != nil {
				return nil, err
			}
			continue
		}
		if c.svc.OK(resp.StatusCode) {
			return resp, nil
		}
		retryAfter := RetryAfter(resp.Header, c.now())
		apiErr := c.apiError(resp, retryAfter)
		wait, retry := c.policy.Wait(resp.StatusCode, retryAfter, req.Idempotent, attempt)
		if !retry {
			return nil, apiErr
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// afterTransportError returns nil after waiting when the failed attempt
// may be sent again, or the error to give up with.
func (c *Client) afterTransportError(ctx context.Context, err error, idempotent bool, attempt int) error {
	var tf *tokenFailure
	if errors.As(err, &tf) {
		return c.svc.TokenError(tf.err)
	}
	if ctx.Err() != nil || !idempotent || attempt >= c.policy.MaxRetries {
		return err
	}
	return c.sleep(ctx, Backoff(attempt))
}

// send makes one attempt.
func (c *Client) send(ctx context.Context, req Request) (*http.Response, error) {
	var body io.Reader
	if req.Body != nil {
		body = bytes.NewReader(req.Body)
	}
	hr, err := http.NewRequestWithContext(ctx, req.Method, req.URL, body)
	if err != nil {
		return nil, err
	}
	for k, v := range req.Header {
		hr.Header[k] = v
	}
	if !req.Anonymous {
		tok, err := c.tokens.Token(ctx)
		if err != nil {
			return nil, &tokenFailure{err: err}
		}
		hr.Header.Set("Authorization", "Bearer "+tok)
	}
	hr.Header.Set("Accept", "application/json")
	if req.Body != nil {
		hr.Header.Set("Content-Type", "application/json")
	}
	if c.svc.Decorate != nil {
		c.svc.Decorate(hr)
	}
	resp, err := c.http.Do(hr)
	if err != nil {
		return nil, fmt.Errorf("%s: %s %s: %w", c.svc.Name, req.Method, hr.URL.Path, err)
	}
	return resp, nil
}

// apiError reads (at most 64 KiB of) an error answer, closes its body and
// hands it to the Service.
func (c *Client) apiError(resp *http.Response, retryAfter time.Duration) error {
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	return c.svc.APIError(resp.StatusCode, resp.Header, b, retryAfter)
}

// GetJSON GETs req.URL (with req's headers) and decodes the 200 answer
// into out. A body that ends early (a half-written page) is an error,
// never partial data.
func (c *Client) GetJSON(ctx context.Context, req Request, out any) error {
	req.Method, req.Idempotent = http.MethodGet, true
	resp, err := c.Do(ctx, req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	path := resp.Request.URL.Path
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("%s: GET %s: unexpected status %d", c.svc.Name, path, resp.StatusCode)
	}
	dec := json.NewDecoder(resp.Body)
	if c.svc.ExactNumbers {
		dec.UseNumber()
	}
	if err := dec.Decode(out); err != nil {
		return fmt.Errorf("%s: GET %s: reading the answer (truncated or malformed): %w", c.svc.Name, path, err)
	}
	return nil
}

// FallbackMessage is the message of an error answer whose body is not the
// service's JSON: the body's text, or the status text when it is empty.
func FallbackMessage(status int, body []byte) string {
	if m := strings.TrimSpace(string(body)); m != "" {
		return m
	}
	return http.StatusText(status)
}

// NewRequestID returns a random (version 4) UUID for request and
// correlation ID headers.
func NewRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
