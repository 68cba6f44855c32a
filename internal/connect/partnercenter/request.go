package partnercenter

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/connect/msapi"
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

// getJSON GETs url with bounded retries and decodes its 200 answer into
// out. hdr adds headers (MS-ContinuationToken); all attempts share one
// MS-CorrelationId.
func (c *Client) getJSON(ctx context.Context, url string, hdr map[string]string, out any) error {
	h := http.Header{}
	for k, v := range hdr {
		h.Set(k, v)
	}
	h.Set("MS-CorrelationId", msapi.NewRequestID())
	return c.api.GetJSON(ctx, msapi.Request{URL: url, Header: h}, out)
}

// apiError turns an error answer into *Error: Partner Center's JSON error
// body when it has one, else the status and the body's text.
func apiError(status int, h http.Header, b []byte, retryAfter time.Duration) error {
	e := &Error{Status: status, RequestID: h.Get("MS-RequestId"),
		CorrelationID: h.Get("MS-CorrelationId"), RetryAfter: retryAfter}
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
	e.Code = strconv.Itoa(status)
	e.Message = msapi.FallbackMessage(status, b)
	return e
}
