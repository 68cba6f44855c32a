package partnercenter

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	mrand "math/rand/v2"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Error is an error answer from Partner Center: the HTTP status and its
// {"code","description","errorName"} body.
type Error struct {
	Status        int
	Code          string // e.g. "900420", "2000"
	Message       string // the description
	ErrorName     string // e.g. InvalidToken, InvoiceNotFound
	RequestID     string // MS-RequestId
	CorrelationID string // MS-CorrelationId
	RetryAfter    time.Duration
}

func (e *Error) Error() string {
	return fmt.Sprintf("partner center: %d %s %s: %s (MS-RequestId %s)", e.Status, e.Code, e.ErrorName, e.Message, e.RequestID)
}

// IsUnauthorized reports a refused token (expired, invalid, wrong audience).
func IsUnauthorized(err error) bool { return status(err) == http.StatusUnauthorized }

// IsForbidden reports a token without access: not a partner tenant, or
// the user/app lacks an Admin Agent or billing admin role.
func IsForbidden(err error) bool { return status(err) == http.StatusForbidden }

// IsNotFound reports an unknown or not yet issued invoice.
func IsNotFound(err error) bool { return status(err) == http.StatusNotFound }

// IsThrottled reports 429 (or 503 with Retry-After) that retries did not
// get through.
func IsThrottled(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Status == http.StatusTooManyRequests ||
		e.Status == http.StatusServiceUnavailable && e.RetryAfter > 0)
}

func status(err error) int {
	var e *Error
	if errors.As(err, &e) {
		return e.Status
	}
	return 0
}

// TokenError is a failure of the TokenSource; it is not retried here.
type TokenError struct{ Err error }

func (e *TokenError) Error() string { return "partner center: getting a token: " + e.Err.Error() }

func (e *TokenError) Unwrap() error { return e.Err }

// get sends a GET with bounded retries and returns a 200 response (the
// caller closes its body). hdr adds headers (MS-ContinuationToken).
func (c *Client) get(ctx context.Context, url string, hdr map[string]string) (*http.Response, error) {
	correlation := newID()
	for attempt := 0; ; attempt++ {
		resp, err := c.send(ctx, url, hdr, correlation)
		var te *TokenError
		switch {
		case err != nil && (ctx.Err() != nil || errors.As(err, &te) || attempt >= c.retries):
			return nil, err
		case err != nil:
			if err := c.sleep(ctx, backoff(attempt)); err != nil {
				return nil, err
			}
			continue
		case resp.StatusCode == http.StatusOK:
			return resp, nil
		}
		apiErr := readError(resp, c.now())
		wait, retry := c.retryWait(apiErr, attempt)
		if !retry {
			return nil, apiErr
		}
		if err := c.sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
}

// retryWait: 429 and 503 after Retry-After, other 5xx after backoff.
func (c *Client) retryWait(e *Error, attempt int) (time.Duration, bool) {
	if attempt >= c.retries {
		return 0, false
	}
	switch {
	case e.Status == http.StatusTooManyRequests || e.Status == http.StatusServiceUnavailable:
		if e.RetryAfter > c.maxWait {
			return 0, false
		}
		if e.RetryAfter > 0 {
			return e.RetryAfter, true
		}
		return min(backoff(attempt), c.maxWait), true
	case e.Status >= 500:
		return min(backoff(attempt), c.maxWait), true
	}
	return 0, false
}

func (c *Client) send(ctx context.Context, url string, hdr map[string]string, correlation string) (*http.Response, error) {
	tok, err := c.tokens.Token(ctx)
	if err != nil {
		return nil, &TokenError{Err: err}
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return nil, err
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Accept", "application/json")
	req.Header.Set("MS-CorrelationId", correlation)
	req.Header.Set("MS-RequestId", newID())
	req.Header.Set("X-Locale", "en-US")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, fmt.Errorf("partner center: GET %s: %w", req.URL.Path, err)
	}
	return resp, nil
}

func readError(resp *http.Response, now time.Time) *Error {
	defer resp.Body.Close()
	e := &Error{Status: resp.StatusCode, RequestID: resp.Header.Get("MS-RequestId"),
		CorrelationID: resp.Header.Get("MS-CorrelationId"), RetryAfter: retryAfter(resp.Header, now)}
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	var body struct {
		Code        json.RawMessage `json:"code"`
		Description string          `json:"description"`
		ErrorName   string          `json:"errorName"`
	}
	if json.Unmarshal(b, &body) == nil && (body.Description != "" || body.ErrorName != "") {
		e.Code = strings.Trim(string(body.Code), `"`)
		e.Message, e.ErrorName = body.Description, body.ErrorName
		return e
	}
	e.Code = strconv.Itoa(resp.StatusCode)
	e.Message = strings.TrimSpace(string(b))
	if e.Message == "" {
		e.Message = http.StatusText(resp.StatusCode)
	}
	return e
}

func retryAfter(h http.Header, now time.Time) time.Duration {
	v := h.Get("Retry-After")
	if n, err := strconv.Atoi(v); err == nil && n >= 0 {
		return time.Duration(n) * time.Second
	}
	if t, err := http.ParseTime(v); err == nil && t.After(now) {
		return t.Sub(now)
	}
	return 0
}

// backoff is 1 s, 2 s, 4 s ... with ±20 % jitter.
func backoff(attempt int) time.Duration {
	d := time.Second << min(attempt, 6)
	return d + time.Duration(mrand.Int64N(int64(d)/5*2+1)) - d/5
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
