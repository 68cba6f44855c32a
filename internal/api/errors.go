package api

import (
	"errors"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/shed"
	"github.com/canopyhq/canopy/internal/store"
)

// errorBody is the one shape of every error response.
type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// genericInternal is all a client learns about an internal failure; the
// details go to the log.
const genericInternal = "An internal error occurred. It has been logged; try again later."

// statusFor is the HTTP status of an error: its own for the few statuses a
// code does not decide, else the code's (domain.HTTPStatus).
func statusFor(err error) int {
	var se *statusError
	if errors.As(err, &se) {
		return se.status
	}
	return domain.HTTPStatus(err)
}

// statusError is a domain error whose HTTP status its code alone does not
// decide (405 and 415 are both "invalid" requests).
type statusError struct {
	status int
	err    *domain.Error
}

func (e *statusError) Error() string { return e.err.Error() }
func (e *statusError) Unwrap() error { return e.err }

// fail writes err as a JSON error. Internal errors are logged and answered
// with a generic message so nothing internal leaks.
func (a *API) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := statusFor(err)
	if status >= 500 && store.Unavailable(err) {
		// The database is restarting or unreachable: come back, as when shed.
		a.log.WarnContext(r.Context(), "api request: database unavailable", "method", r.Method, "path", r.URL.Path, "err", err)
		err = store.ErrDatabaseUnavailable
		status = statusFor(err)
	}
	d := errorDetail{Code: domain.ErrorCode(err), Message: domain.ErrorMessage(err), Field: domain.ErrorField(err)}
	if d.Code == domain.CodeUnavailable {
		// Overloaded (shed): nothing failed, the client is to come back.
		w.Header().Set("Retry-After", shed.RetryAfterHeader())
	} else if status >= 500 {
		a.log.ErrorContext(r.Context(), "api request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		d = errorDetail{Code: domain.CodeInternal, Message: genericInternal}
	}
	if status == http.StatusUnauthorized {
		// RFC 6750: name the scheme, and say when a presented token failed.
		challenge := `Bearer realm="canopy"`
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	if werr := writeJSON(w, status, errorBody{d}); werr != nil {
		a.log.ErrorContext(r.Context(), "api write error", "err", werr)
	}
}

func errNoRoute(r *http.Request) error {
	return domain.Errorf(domain.CodeNotFound, "No API endpoint matches %s %s. See %s/openapi.json.", r.Method, r.URL.Path, Prefix)
}

func errMethod(r *http.Request, allowed []string) error {
	return &statusError{http.StatusMethodNotAllowed, domain.Errorf(domain.CodeInvalid,
		"%s is not allowed on %s; use %s.", r.Method, r.URL.Path, strings.Join(allowed, " or "))}
}
