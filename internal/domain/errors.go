// Package domain is Canopy's shared vocabulary: IDs, error codes and the
// small value types every other package speaks.
package domain

import (
	"errors"
	"fmt"
)

// Error codes. Each maps to one HTTP status in one place (internal/api).
const (
	CodeInvalid         = "invalid"
	CodeNotFound        = "not_found"
	CodeConflict        = "conflict"
	CodeForbidden       = "forbidden"
	CodeUnauthenticated = "unauthenticated"
	CodeRateLimited     = "rate_limited"
	CodeTooLarge        = "too_large"
	CodeUnavailable     = "unavailable" // overloaded: try again later (Retry-After)
	CodeInternal        = "internal"
)

// Error is an error a person or a program can act on: a code, a message
// safe to show, and optionally the input field it is about.
type Error struct {
	Code    string
	Message string
	Field   string
}

func (e *Error) Error() string {
	if e.Field != "" {
		return fmt.Sprintf("%s: %s (%s)", e.Code, e.Message, e.Field)
	}
	return e.Code + ": " + e.Message
}

// Errorf builds an Error with a formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// FieldError builds an invalid-input Error about one field.
func FieldError(field, format string, args ...any) *Error {
	return &Error{Code: CodeInvalid, Field: field, Message: fmt.Sprintf(format, args...)}
}

// ErrNotFound is the plain not-found error; wrap or compare with ErrorCode.
var ErrNotFound = &Error{Code: CodeNotFound, Message: "not found"}

// ErrorCode returns the code of err, CodeInternal for foreign errors and ""
// for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return CodeInternal
}

// ErrorMessage returns the human message of err; foreign errors get a
// generic message so internals never leak to users.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return "An internal error occurred."
}

// ErrorField returns the field an invalid-input error is about, or "".
func ErrorField(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Field
	}
	return ""
}
