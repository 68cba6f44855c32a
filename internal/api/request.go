package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"reflect"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
)

// maxBodyBytes bounds every request body.
const maxBodyBytes = 1 << 20

// Page sizes of list endpoints.
const (
	defaultLimit = 50
	maxLimit     = 200
)

// decodeJSON reads a required JSON object into dst, strictly: the content
// type must be JSON, unknown fields and trailing data are refused, and
// every message names what is wrong.
func decodeJSON(w http.ResponseWriter, r *http.Request, dst any) error {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBodyBytes))
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return domain.Errorf(domain.CodeTooLarge, "The request body is larger than the limit of 1 MiB (%d bytes).", maxBodyBytes)
	}
	if err != nil {
		return domain.Errorf(domain.CodeInvalid, "The request body could not be read.")
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return domain.Errorf(domain.CodeInvalid, "This endpoint needs a JSON object as the request body.")
	}
	if err := checkJSONType(r); err != nil {
		return err
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(dst); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); err != io.EOF {
		return domain.Errorf(domain.CodeInvalid, "The request body must be a single JSON object; there is more data after it.")
	}
	return nil
}

func checkJSONType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || mt != "application/json" {
		return &statusError{http.StatusUnsupportedMediaType, domain.Errorf(domain.CodeInvalid,
			"Send the request body as JSON with \"Content-Type: application/json\" (got %q).", ct)}
	}
	return nil
}

// bodyError turns a decoder error into a message a person can act on.
func bodyError(err error) error {
	var syn *json.SyntaxError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &syn):
		return domain.Errorf(domain.CodeInvalid, "The request body is not valid JSON (error at byte %d).", syn.Offset)
	case errors.Is(err, io.ErrUnexpectedEOF):
		return domain.Errorf(domain.CodeInvalid, "The request body is not valid JSON: it ends too early.")
	case errors.As(err, &typ) && typ.Field == "":
		return domain.Errorf(domain.CodeInvalid, "The request body must be a JSON object, not %s.", typ.Value)
	case errors.As(err, &typ):
		return domain.FieldError(typ.Field, "Field %q must be %s, not %s.", typ.Field, jsonType(typ.Type), typ.Value)
	}
	if field, ok := unknownField(err); ok {
		return domain.FieldError(field, "Unknown field %q. See %s/openapi.json for the fields this endpoint takes.", field, Prefix)
	}
	return domain.Errorf(domain.CodeInvalid, "The request body could not be read as JSON.")
}

// unknownField extracts the name from encoding/json's unknown-field error,
// which has no type of its own.
func unknownField(err error) (string, bool) {
	_, rest, ok := strings.Cut(err.Error(), "unknown field ")
	if !ok {
		return "", false
	}
	name, uerr := strconv.Unquote(rest)
	if uerr != nil {
		name = strings.Trim(rest, `"`)
	}
	return name, true
}

// jsonType names the JSON a Go type accepts.
func jsonType(t reflect.Type) string {
	switch t.Kind() {
	case reflect.Pointer:
		return jsonType(t.Elem())
	case reflect.String:
		return "a string"
	case reflect.Bool:
		return "true or false"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Slice, reflect.Array:
		return fmt.Sprintf("an array of %s", strings.TrimPrefix(strings.TrimPrefix(jsonType(t.Elem()), "a "), "an ")+"s")
	}
	return "an object"
}

// pageParams reads ?limit= and ?cursor=.
func pageParams(q url.Values) (limit int, cursor string, err error) {
	limit = defaultLimit
	if v := q.Get("limit"); v != "" {
		n, perr := strconv.Atoi(v)
		if perr != nil || n < 1 || n > maxLimit {
			return 0, "", domain.FieldError("limit", "limit must be a whole number from 1 to %d.", maxLimit)
		}
		limit = n
	}
	return limit, q.Get("cursor"), nil
}
