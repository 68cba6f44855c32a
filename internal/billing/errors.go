package billing

import (
	"fmt"
	"strings"
)

// ParseError names where a file is wrong: line (1-based, the header is
// line 1), column and the offending value.
type ParseError struct {
	Line   int
	Column string
	Value  string
	Msg    string
	Text   string // the line as read (fields joined by commas), when known
	fatal  bool   // the reader cannot read past it (I/O, truncated gzip)
}

func (e *ParseError) Error() string {
	switch {
	case e.Column != "" && e.Value != "":
		return fmt.Sprintf("line %d, column %s: %s (value %q)", e.Line, e.Column, e.Msg, clip(e.Value))
	case e.Column != "":
		return fmt.Sprintf("line %d, column %s: %s", e.Line, e.Column, e.Msg)
	case e.Line > 0:
		return fmt.Sprintf("line %d: %s", e.Line, e.Msg)
	}
	return e.Msg
}

func clip(s string) string {
	if len(s) > 60 {
		return s[:60] + "…"
	}
	return s
}

// BadLinesError lists the first bad lines of a file (Reader.BadLines):
// each with where and why, and its text, so a person sees what is wrong
// without opening the file. It unwraps to each *ParseError.
type BadLinesError struct {
	Lines []*ParseError
	More  bool // the file has more bad lines than listed
}

func (e *BadLinesError) Error() string {
	var b strings.Builder
	if len(e.Lines) > 1 || e.More {
		more := ""
		if e.More {
			more = " (at least; the first shown)"
		}
		fmt.Fprintf(&b, "%d bad lines%s: ", len(e.Lines), more)
	}
	for i, pe := range e.Lines {
		if i > 0 {
			b.WriteString("; ")
		}
		b.WriteString(pe.Error())
		if pe.Text != "" {
			fmt.Fprintf(&b, " in %q", clipText(pe.Text))
		}
	}
	return b.String()
}

// Unwrap lets errors.As find the first *ParseError.
func (e *BadLinesError) Unwrap() []error {
	out := make([]error, len(e.Lines))
	for i, pe := range e.Lines {
		out[i] = pe
	}
	return out
}

func clipText(s string) string {
	if len(s) > 120 {
		return s[:120] + "…"
	}
	return s
}
