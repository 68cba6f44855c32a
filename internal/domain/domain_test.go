package domain

import (
	"errors"
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestErrorCodesAndStatuses(t *testing.T) {
	cases := []struct {
		err    error
		code   string
		status int
	}{
		{FieldError("email", "bad"), CodeInvalid, http.StatusBadRequest},
		{fmt.Errorf("wrapped: %w", ErrNotFound), CodeNotFound, http.StatusNotFound},
		{Errorf(CodeConflict, "x"), CodeConflict, http.StatusConflict},
		{Errorf(CodeForbidden, "x"), CodeForbidden, http.StatusForbidden},
		{Errorf(CodeUnauthenticated, "x"), CodeUnauthenticated, http.StatusUnauthorized},
		{Errorf(CodeRateLimited, "x"), CodeRateLimited, http.StatusTooManyRequests},
		{Errorf(CodeTooLarge, "x"), CodeTooLarge, http.StatusRequestEntityTooLarge},
		{errors.New("disk on fire"), CodeInternal, http.StatusInternalServerError},
	}
	for _, c := range cases {
		if got := ErrorCode(c.err); got != c.code {
			t.Errorf("%v: code %q, want %q", c.err, got, c.code)
		}
		if got := HTTPStatus(c.err); got != c.status {
			t.Errorf("%v: status %d, want %d", c.err, got, c.status)
		}
	}
	if ErrorCode(nil) != "" {
		t.Error("nil error has a code")
	}
	if msg := ErrorMessage(errors.New("secret internals")); strings.Contains(msg, "secret") {
		t.Errorf("a foreign error's text leaked: %q", msg)
	}
	if f := ErrorField(FieldError("email", "bad")); f != "email" {
		t.Errorf("field %q", f)
	}
}

func TestIDs(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := NewID(PrefixUser)
		if !strings.HasPrefix(id, "usr_") || len(id) != 4+16 || seen[id] {
			t.Fatalf("id %q (dup %v)", id, seen[id])
		}
		seen[id] = true
	}
	if Now().Location().String() != "UTC" || Now().Nanosecond()%1000 != 0 {
		t.Fatal("Now must be UTC at microsecond precision")
	}
}

func TestAmountCmp(t *testing.T) {
	for _, c := range []struct {
		a, b Amount
		want int
	}{
		{Amount{1, 0}, Amount{0, 9_999_999_999}, 1},
		{Amount{0, -1}, Amount{}, -1},
		{Amount{-1, -5}, Amount{-1, -4}, -1},
		{Amount{2, 3}, Amount{2, 3}, 0},
	} {
		if got := c.a.Cmp(c.b); got != c.want {
			t.Errorf("%v.Cmp(%v) = %d, want %d", c.a, c.b, got, c.want)
		}
	}
}

func TestTruncateKeepsUTF8Whole(t *testing.T) {
	for _, c := range []struct {
		in   string
		n    int
		want string
	}{{"abc", 5, "abc"}, {"abcdef", 3, "abc"}, {"Bestellung für", 13, "Bestellung f"}, {"Bestellung für", 14, "Bestellung fü"}} {
		if got := Truncate(c.in, c.n); got != c.want {
			t.Errorf("Truncate(%q, %d) = %q, want %q", c.in, c.n, got, c.want)
		}
	}
}
