package billing

import "fmt"

// ParseError names where a file is wrong: line (1-based, the header is
// line 1), column and the offending value.
type ParseError struct {
	Line   int
	Column string
	Value  string
	Msg    string
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
