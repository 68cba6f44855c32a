package m365

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/connect/msapi"
)

// Error is an error answer from Graph: the HTTP status and Graph's
// {"error":{"code","message","innerError":{"request-id"}}}.
type Error struct {
	Status    int
	Code      string // e.g. InvalidAuthenticationToken, Authorization_RequestDenied
	Message   string
	RequestID string // Graph's request-id, for support cases
	// RetryAfter is what Graph asked to wait (429/503), when it said.
	RetryAfter time.Duration
}

func (e *Error) Error() string {
	s := fmt.Sprintf("graph: %d %s: %s", e.Status, e.Code, e.Message)
	if e.RequestID != "" {
		s += " (request-id " + e.RequestID + ")"
	}
	return s
}

// IsUnauthorized reports a refused token: expired, invalid, for another
// tenant or audience, or issued before admin consent was revoked. The fix
// is on the credentials or the consent, not on permissions.
func IsUnauthorized(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusUnauthorized
}

// IsForbidden reports a missing permission (Graph's 403
// Authorization_RequestDenied / Forbidden): the app lacks the role the
// endpoint needs.
func IsForbidden(err error) bool {
	var e *Error
	return errors.As(err, &e) && e.Status == http.StatusForbidden
}

// IsThrottled reports that Graph throttled the request (429, or 503 with
// Retry-After) and retries did not get through.
func IsThrottled(err error) bool {
	var e *Error
	return errors.As(err, &e) && (e.Status == http.StatusTooManyRequests ||
		e.Status == http.StatusServiceUnavailable && e.RetryAfter > 0)
}

// graphError turns an error answer into *Error: Graph's JSON error body
// when it has one, else the status and the body's text.
func graphError(status int, h http.Header, b []byte, retryAfter time.Duration) error {
	e := &Error{Status: status, RequestID: h.Get("request-id"), RetryAfter: retryAfter}
	var body struct {
		Error struct {
			Code       string            `json:"code"`
			Message    string            `json:"message"`
			InnerError map[string]string `json:"innerError"`
		} `json:"error"`
	}
	if json.Unmarshal(b, &body) == nil && body.Error.Code != "" {
		e.Code, e.Message = body.Error.Code, body.Error.Message
		if e.RequestID == "" {
			e.RequestID = body.Error.InnerError["request-id"]
		}
		return e
	}
	e.Code = strings.ReplaceAll(http.StatusText(status), " ", "")
	e.Message = msapi.FallbackMessage(status, b)
	return e
}

// TokenError is a failure of the TokenSource (e.g. a revoked consent or a
// wrong client secret at the token endpoint). It is never retried here:
// the token source has its own retry policy.
type TokenError struct{ Err error }

func (e *TokenError) Error() string { return "graph: getting a token: " + e.Err.Error() }

func (e *TokenError) Unwrap() error { return e.Err }
