// Package bodylimit bounds a request body before its handler runs, for
// the UI and the API alike: a declared length over the route's limit is
// refused without reading a byte, a small body of unknown length (chunked)
// is read ahead so that an oversized one is refused before anything runs
// (also on routes whose handler reads no body at all), and what the
// handler reads is cut off at the limit.
package bodylimit

import (
	"bytes"
	"fmt"
	"io"
	"net/http"

	"github.com/canopyhq/canopy/internal/domain"
)

// readAhead is the largest limit up to which a body of unknown length is
// read ahead in memory; larger (upload) routes stream, and their handler
// turns the cut-off into the same error.
const readAhead = 1 << 20

// Apply bounds r's body to max bytes; the error is CodeTooLarge naming
// the limit, or CodeInvalid when the body could not be read ahead.
func Apply(w http.ResponseWriter, r *http.Request, max int64) error {
	if r.Body == nil || r.Body == http.NoBody {
		return nil
	}
	if r.ContentLength > max {
		return TooLarge(max)
	}
	if r.ContentLength < 0 && max <= readAhead {
		b, err := io.ReadAll(io.LimitReader(r.Body, max+1))
		if err != nil {
			return domain.Errorf(domain.CodeInvalid, "The request body could not be read.")
		}
		if int64(len(b)) > max {
			return TooLarge(max)
		}
		r.Body, r.ContentLength = io.NopCloser(bytes.NewReader(b)), int64(len(b))
	}
	r.Body = http.MaxBytesReader(w, r.Body, max)
	return nil
}

// TooLarge is the refusal of a body over max bytes.
func TooLarge(max int64) error {
	return domain.Errorf(domain.CodeTooLarge, "The request body is larger than the limit of %s (%d bytes).", Human(max), max)
}

// Human writes a size in whole KiB or MiB where it is one.
func Human(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MiB", n>>20)
	case n >= 1<<10 && n%(1<<10) == 0:
		return fmt.Sprintf("%d KiB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
