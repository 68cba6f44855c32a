package bodylimit

import (
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
)

// chunked hides its length, as a request without Content-Length does.
type chunked struct{ io.Reader }

func TestApply(t *testing.T) {
	for _, c := range []struct {
		name     string
		body     io.Reader
		length   int64
		max      int64
		tooLarge bool
		read     string
	}{
		{"declared over", strings.NewReader("12345"), 5, 4, true, ""},
		{"declared at the limit", strings.NewReader("1234"), 4, 4, false, "1234"},
		{"chunked over", chunked{strings.NewReader("12345")}, -1, 4, true, ""},
		{"chunked at the limit", chunked{strings.NewReader("1234")}, -1, 4, false, "1234"},
		{"declared short, sends more", strings.NewReader("12345"), 2, 4, false, "1234"},
	} {
		r := httptest.NewRequest("POST", "/", c.body)
		r.ContentLength = c.length
		err := Apply(httptest.NewRecorder(), r, c.max)
		if c.tooLarge {
			if domain.ErrorCode(err) != domain.CodeTooLarge || !strings.Contains(domain.ErrorMessage(err), "4 bytes") {
				t.Errorf("%s: %v, want too_large naming the limit", c.name, err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		got, err := io.ReadAll(r.Body)
		_, cut := err.(*http.MaxBytesError)
		if string(got) != c.read || (err != nil && !cut) || cut != (c.length == 2) {
			t.Errorf("%s: read %q %v", c.name, got, err)
		}
	}
	if err := Apply(httptest.NewRecorder(), httptest.NewRequest("GET", "/", nil), 0); err != nil {
		t.Errorf("no body: %v", err)
	}
}

func TestHuman(t *testing.T) {
	for n, want := range map[int64]string{1 << 20: "1 MiB", 32 << 20: "32 MiB", 64 << 10: "64 KiB", 1000: "1000 bytes", 1<<20 + 1: "1048577 bytes"} {
		if got := Human(n); got != want {
			t.Errorf("Human(%d) = %q, want %q", n, got, want)
		}
	}
}
