package billing

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Format names a billing file format.
type Format string

// Reader yields a file's lines one at a time.
type Reader struct {
	format Format
	sc     *scanner
	header []string
	row    row
	mapRow func(*row) (*Line, error)
	closer io.Closer
}

// Format is the detected format of the file.
func (r *Reader) Format() Format { return r.format }

// Header is the file's header row as read (BOM removed).
func (r *Reader) Header() []string { return r.header }

// Line is the source line number of the last row returned (header = 1;
// a quoted field with newlines makes the count jump).
func (r *Reader) Line() int { return r.row.line }

// Next returns the next line, or io.EOF after the last one. Errors are
// *ParseError naming line and column (and the line's text); after a bad
// line the next call reads the following one, unless the file cannot be
// read further (see BadLines). Each Line is new and the caller's to keep
// (the reader never reuses or changes it); Lines are allocated a few at a
// time, so a kept Line keeps a few kilobytes alive.
func (r *Reader) Next() (*Line, error) {
	for {
		err := r.sc.read()
		if err == io.EOF {
			return nil, io.EOF
		}
		if err != nil {
			return nil, csvError(err, r.row.line+1)
		}
		line := r.sc.recLine
		r.row.buf, r.row.ends, r.row.recStr = r.sc.buf, r.sc.ends, ""
		if len(r.row.ends) == 1 && len(bytes.TrimSpace(r.row.buf)) == 0 {
			continue // blank line, e.g. a trailing CRLF
		}
		if len(r.row.ends) != len(r.header) {
			return nil, &ParseError{Line: line, Msg: fmt.Sprintf("has %d fields, the header has %d", len(r.row.ends), len(r.header)),
				Text: r.row.text()}
		}
		r.row.line = line
		l, err := r.mapRow(&r.row)
		var pe *ParseError
		if err != nil && errors.As(err, &pe) && pe.Text == "" {
			pe.Text = r.row.text()
		}
		return l, err
	}
}

// NextInto is Next reading into l, and into amounts for the line's
// amounts where the format allows, instead of new ones: every field of l
// is overwritten. It is for callers that recycle lines: nothing may use l
// or amounts for an earlier line any more (the strings and maps a line
// holds are never reused, only these two). On an error l holds nothing
// of use.
func (r *Reader) NextInto(l *Line, amounts *[7]apd.Decimal) error {
	a := &r.row.alloc
	a.into, a.intoAmts = l, amounts
	got, err := r.Next()
	a.into, a.intoAmts = nil, nil
	if err != nil {
		return err
	}
	if got != l { // a format that allocates its lines itself
		*l = *got
	}
	return nil
}

// BadLines reads on after first, the error a Next call returned, to list
// up to max bad lines of the file, each with its text. It stops at the
// end of the file, at max, or at an error the reader cannot read past (a
// truncated or unreadable file), and returns a *BadLinesError (first
// unchanged when it is not a *ParseError). The good lines it reads are
// dropped: the file is not imported.
func (r *Reader) BadLines(first error, max int) error {
	var pe *ParseError
	if !errors.As(first, &pe) {
		return first
	}
	out := &BadLinesError{Lines: []*ParseError{pe}}
	for last := pe; !last.fatal; {
		_, err := r.Next()
		if err == nil {
			continue
		}
		if errors.Is(err, io.EOF) || !errors.As(err, &last) || last.Line <= out.Lines[len(out.Lines)-1].Line {
			break // the end, or an error without a place, or no progress
		}
		if len(out.Lines) == max {
			out.More = true
			break
		}
		out.Lines = append(out.Lines, last)
	}
	return out
}

// Close releases a gzip stream (the underlying reader is the caller's).
func (r *Reader) Close() error {
	if r.closer != nil {
		return r.closer.Close()
	}
	return nil
}

// Open reads the header of a billing CSV (plain or gzip, with or without a
// UTF-8 BOM, LF or CRLF) and picks the format from it.
func Open(in io.Reader) (*Reader, error) {
	body, closer, err := decompress(in)
	if err != nil {
		return nil, err
	}
	sc := newScanner(body) // field counts are checked against the header, with a clearer message
	err = sc.read()
	if err == io.EOF {
		return nil, &ParseError{Line: 1, Msg: "the file is empty: expected a CSV header"}
	}
	if err != nil {
		return nil, csvError(err, 1)
	}
	header := sc.record(nil)
	header[0] = strings.TrimPrefix(header[0], "\ufeff")
	f, mapper, err := detect(header)
	if err != nil {
		return nil, err
	}
	r := &Reader{format: f, sc: sc, header: header, closer: closer}
	r.row = row{index: indexHeader(header), header: header, line: 1}
	r.mapRow = mapper(&r.row)
	return r, nil
}

var gzipMagic = []byte{0x1f, 0x8b}

func decompress(in io.Reader) (io.Reader, io.Closer, error) {
	br := bufio.NewReaderSize(in, 256<<10)
	magic, err := br.Peek(2)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, nil, fmt.Errorf("read: %w", err)
	}
	if !bytes.Equal(magic, gzipMagic) {
		return br, nil, nil
	}
	zr, err := gzip.NewReader(br)
	if err != nil {
		return nil, nil, &ParseError{Msg: "the file looks gzip-compressed but its gzip header is damaged: " + err.Error()}
	}
	return bufio.NewReaderSize(zr, 256<<10), zr, nil
}

func csvError(err error, line int) error {
	var pe *csv.ParseError
	if errors.As(err, &pe) {
		return &ParseError{Line: pe.Line, Msg: "malformed CSV: " + pe.Err.Error()}
	}
	if errors.Is(err, gzip.ErrChecksum) || errors.Is(err, io.ErrUnexpectedEOF) {
		return &ParseError{Line: line, Msg: "the file is truncated or corrupt (" + err.Error() + ")", fatal: true}
	}
	return &ParseError{Line: line, Msg: err.Error(), fatal: true}
}

// indexHeader maps each column name (exactly, and lower-cased) to its
// position.
func indexHeader(header []string) map[string]int {
	idx := make(map[string]int, len(header)*2)
	for i, h := range header {
		h = strings.TrimSpace(h)
		if _, dup := idx[h]; !dup {
			idx[h] = i
		}
		if l := strings.ToLower(h); l != h {
			if _, dup := idx[l]; !dup {
				idx[l] = i
			}
		}
	}
	return idx
}
