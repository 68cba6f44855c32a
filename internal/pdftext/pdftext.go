// Package pdftext reads the text of a PDF back, so tests can check what a
// statement or invoice says. It is a small reader for the PDFs Canopy
// renders itself with github.com/go-pdf/fpdf (core fonts, WinAnsi text),
// not a general PDF parser: it scans the file for stream objects, inflates
// the /FlateDecode ones, and collects the strings shown by the text
// operators Tj, TJ, ' and " between BT and ET, in file order.
//
// Spaces are dropped: fpdf places words as separate runs, and a reader may
// or may not put spaces between them.
//
// Every loop advances through its input, nesting is bounded and the
// inflated size of all streams together is capped (maxInflated), so Text
// takes time linear in the input and bounded memory whatever it is given.
package pdftext

import (
	"bytes"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"

	"golang.org/x/text/encoding/charmap"
)

const (
	// maxInflated caps the inflated size of all /FlateDecode streams of
	// one PDF together; a stream that would go beyond it is an error.
	maxInflated = 16 << 20
	// maxDepth caps the nesting of arrays, dictionaries and parentheses
	// in literal strings.
	maxDepth = 64
	// headerWindow is how far into the file the %PDF- header may start.
	headerWindow = 1024
)

var (
	errNotPDF   = errors.New("pdftext: not a PDF (no %PDF- header)")
	errNoText   = errors.New("pdftext: the PDF holds no text stream")
	errTooDeep  = fmt.Errorf("pdftext: nesting deeper than %d", maxDepth)
	errTooLarge = fmt.Errorf("pdftext: streams inflate to more than %d bytes", maxInflated)
)

// Text returns the text of every page of the PDF b, without white space.
// A file without a %PDF- header, a truncated or corrupt stream, streams
// inflating beyond 16 MiB, and a PDF that shows no text are errors.
func Text(b []byte) (string, error) {
	if !bytes.Contains(b[:min(len(b), headerWindow)], []byte("%PDF-")) {
		return "", errNotPDF
	}
	var (
		raw      []byte // shown strings, WinAnsi
		shown    bool   // a text-showing operator was seen
		budget   = maxInflated
		pos, low int // search from pos; dictionaries start at or after low
	)
	for {
		i := bytes.Index(b[pos:], []byte("stream"))
		if i < 0 {
			break
		}
		kw := pos + i
		pos = kw + len("stream")
		start, ok := dataStart(b, kw)
		var d dict
		if ok {
			d, ok = dictBefore(b, kw, low)
		}
		low = pos // no dictionary is looked for twice
		if !ok {
			continue
		}
		end, next, ok := dataEnd(b, start, d)
		if !ok {
			return "", fmt.Errorf("pdftext: stream at offset %d has no endstream (truncated PDF?)", kw)
		}
		pos, low = next, next
		if !d.content() {
			continue
		}
		data := b[start:end]
		if d.flate() {
			out, err := inflate(data, budget)
			if err != nil {
				return "", fmt.Errorf("pdftext: stream at offset %d: %w", kw, err)
			}
			budget -= len(out)
			data = out
		}
		var err error
		raw, shown, err = showText(data, raw, shown)
		if err != nil {
			return "", fmt.Errorf("pdftext: stream at offset %d: %w", kw, err)
		}
	}
	if !shown {
		return "", errNoText
	}
	var s strings.Builder
	for _, c := range raw {
		s.WriteRune(charmap.Windows1252.DecodeByte(c))
	}
	return strings.Join(strings.Fields(s.String()), ""), nil
}

// dataStart returns where the data of a stream whose keyword "stream" is at
// kw starts, if the keyword stands alone and is followed by an end of line.
func dataStart(b []byte, kw int) (int, bool) {
	if kw > 0 && regular(b[kw-1]) {
		return 0, false // "endstream" and the like
	}
	i := kw + len("stream")
	switch {
	case i+1 < len(b) && b[i] == '\r' && b[i+1] == '\n':
		return i + 2, true
	case i < len(b) && (b[i] == '\n' || b[i] == '\r'):
		return i + 1, true
	}
	return 0, false
}

// dataEnd returns where the data of a stream starting at start ends and
// where scanning resumes, after its endstream keyword: at start+/Length
// when /Length is a direct integer that fits and endstream follows it,
// otherwise at the next endstream.
func dataEnd(b []byte, start int, d dict) (end, next int, ok bool) {
	const kw = "endstream"
	if d.length >= 0 && d.length <= len(b)-start {
		end = start + d.length
		j := end
		for j < len(b) && space(b[j]) {
			j++
		}
		if bytes.HasPrefix(b[j:], []byte(kw)) {
			return end, j + len(kw), true
		}
	}
	i := bytes.Index(b[start:], []byte(kw))
	if i < 0 {
		return 0, 0, false
	}
	end = start + i
	next = end + len(kw)
	// The end of line before endstream is not part of the data.
	if end > start && b[end-1] == '\n' {
		end--
	}
	if end > start && b[end-1] == '\r' {
		end--
	}
	return end, next, true
}

// dict is what Text needs of a stream's dictionary.
type dict struct {
	length    int // direct /Length, or -1
	filters   []string
	typ       string // /Type
	subtype   string // /Subtype
	font      bool   // /Length1, /Length2 or /Length3: an embedded font
	parms     bool   // /DecodeParms: predictors, as images use
	badFilter bool   // /Filter is neither a name nor an array of names
}

// content reports whether the stream may be a content stream: a page's
// (no /Type, no /Subtype) or a form XObject's.
func (d dict) content() bool {
	if d.font || d.parms || d.badFilter || d.typ != "" && d.typ != "XObject" {
		return false
	}
	if d.subtype != "" && d.subtype != "Form" {
		return false
	}
	return len(d.filters) == 0 || d.flate()
}

func (d dict) flate() bool {
	return len(d.filters) == 1 && d.filters[0] == "FlateDecode"
}

// dictBefore finds and parses the dictionary ending just before the
// keyword at kw, looking no further back than low.
func dictBefore(b []byte, kw, low int) (dict, bool) {
	j := kw
	for j > low && space(b[j-1]) {
		j--
	}
	if j-2 < low || b[j-2] != '>' || b[j-1] != '>' {
		return dict{}, false
	}
	depth := 0
	for i := j; i-2 >= low; {
		switch {
		case b[i-2] == '>' && b[i-1] == '>':
			depth++
			i -= 2
		case b[i-2] == '<' && b[i-1] == '<':
			depth--
			i -= 2
			if depth == 0 {
				return parseDict(b[i:j])
			}
		default:
			i--
		}
	}
	return dict{}, false
}

// parseDict reads the entries Text needs from the top level of the
// dictionary b, which starts with << and ends with >>.
func parseDict(b []byte) (dict, bool) {
	d := dict{length: -1}
	lx := lexer{b: b}
	if t, err := lx.next(); err != nil || t.kind != tDictOpen {
		return d, false
	}
	depth := 1 // of dictionaries and arrays
	for {
		t, err := lx.next()
		if err != nil || t.kind == tEOF {
			return d, false
		}
		switch t.kind {
		case tDictOpen, tArrOpen:
			if depth++; depth > maxDepth {
				return d, false
			}
			continue
		case tDictClose, tArrClose:
			if depth--; depth == 0 {
				return d, true
			}
			continue
		}
		if depth != 1 || t.kind != tName {
			continue
		}
		switch string(t.s) {
		case "Length":
			d.length = lx.directInt()
		case "Length1", "Length2", "Length3":
			d.font = true
		case "DecodeParms":
			d.parms = true
		case "Type":
			d.typ = lx.nameValue()
		case "Subtype":
			d.subtype = lx.nameValue()
		case "Filter":
			d.filters, d.badFilter = lx.filterValue()
		}
	}
}

// directInt reads a non-negative integer value that is not the start of an
// indirect reference (n g R), or returns -1 and reads nothing.
func (lx *lexer) directInt() int {
	save := lx.i
	t, err := lx.next()
	if err != nil || t.kind != tNumber {
		lx.i = save
		return -1
	}
	n, err := strconv.Atoi(string(t.s))
	if err != nil || n < 0 {
		lx.i = save
		return -1
	}
	after := lx.i
	g, err1 := lx.next()
	r, err2 := lx.next()
	if err1 == nil && err2 == nil && g.kind == tNumber && r.kind == tOp && string(r.s) == "R" {
		return -1
	}
	lx.i = after
	return n
}

// nameValue reads a name value, or returns "" and reads nothing.
func (lx *lexer) nameValue() string {
	save := lx.i
	t, err := lx.next()
	if err != nil || t.kind != tName {
		lx.i = save
		return ""
	}
	return string(t.s)
}

// filterValue reads a /Filter value: a name or an array of names. bad is
// true for anything else (an indirect reference, say).
func (lx *lexer) filterValue() (names []string, bad bool) {
	save := lx.i
	t, err := lx.next()
	switch {
	case err == nil && t.kind == tName:
		return []string{string(t.s)}, false
	case err == nil && t.kind == tArrOpen:
		for {
			t, err := lx.next()
			if err != nil || t.kind == tEOF {
				return names, true
			}
			switch t.kind {
			case tArrClose:
				return names, false
			case tName:
				names = append(names, string(t.s))
			default:
				lx.i = save
				return nil, true
			}
		}
	}
	lx.i = save
	return nil, true
}

// inflate decompresses the zlib data, returning an error when it is corrupt
// or truncated, or inflates to more than limit bytes.
func inflate(data []byte, limit int) ([]byte, error) {
	zr, err := zlib.NewReader(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	defer zr.Close()
	out, err := io.ReadAll(io.LimitReader(zr, int64(limit)+1))
	if err != nil {
		return nil, err
	}
	if len(out) > limit {
		return nil, errTooLarge
	}
	return out, nil
}

// showText appends to raw the strings that the content stream c shows
// between BT and ET, and reports whether it saw a text-showing operator.
// Malformed content ends the stream quietly (the stream may not be a
// content stream at all); nesting beyond maxDepth is an error.
func showText(c []byte, raw []byte, shown bool) ([]byte, bool, error) {
	lx := lexer{b: c}
	var (
		inText  bool
		str     []byte // the last string operand, if haveStr
		haveStr bool
		arr     []byte // the strings of the last array operand, if haveArr
		haveArr bool
		cur     []byte // strings of the array being read
		depth   int    // of arrays and dictionaries
	)
	for {
		t, err := lx.next()
		if err == errTooDeep {
			return raw, shown, err
		}
		if err != nil || t.kind == tEOF {
			return raw, shown, nil
		}
		switch t.kind {
		case tArrOpen, tDictOpen:
			if depth++; depth > maxDepth {
				return raw, shown, errTooDeep
			}
			if depth == 1 {
				cur = cur[:0]
			}
			continue
		case tArrClose, tDictClose:
			if depth > 0 {
				depth--
				if depth == 0 && t.kind == tArrClose {
					arr, haveArr = append(arr[:0], cur...), true
				}
			}
			continue
		}
		if depth > 0 {
			if t.kind == tString {
				cur = append(cur, t.s...)
			}
			continue
		}
		switch t.kind {
		case tString:
			str, haveStr = t.s, true
			continue
		case tOp:
		default:
			continue
		}
		switch string(t.s) {
		case "BT":
			inText = true
		case "ET":
			inText = false
		case "Tj", "'", `"`:
			if inText && haveStr {
				raw, shown = append(raw, str...), true
			}
		case "TJ":
			if inText && haveArr {
				raw, shown = append(raw, arr...), true
			}
		case "ID":
			lx.skipInlineImage()
		}
		haveStr, haveArr = false, false
	}
}

type kind int

const (
	tEOF kind = iota
	tNumber
	tName   // s without the slash
	tString // s decoded
	tOp     // an operator or other keyword: BT, Tj, R, true, ...
	tArrOpen
	tArrClose
	tDictOpen
	tDictClose
	tOther // a stray delimiter
)

type token struct {
	kind kind
	s    []byte
}

// lexer splits PDF syntax into tokens. Every call of next either returns
// tEOF or an error, or advances i by at least one byte.
type lexer struct {
	b []byte
	i int
}

var errUnterminated = errors.New("pdftext: unterminated string")

func (lx *lexer) next() (token, error) {
	b := lx.b
	for lx.i < len(b) {
		if space(b[lx.i]) {
			lx.i++
			continue
		}
		if b[lx.i] == '%' { // comment
			for lx.i < len(b) && b[lx.i] != '\n' && b[lx.i] != '\r' {
				lx.i++
			}
			continue
		}
		break
	}
	if lx.i >= len(b) {
		return token{kind: tEOF}, nil
	}
	start := lx.i
	switch c := b[start]; c {
	case '(':
		return lx.literal()
	case '<':
		if start+1 < len(b) && b[start+1] == '<' {
			lx.i += 2
			return token{kind: tDictOpen}, nil
		}
		return lx.hex()
	case '>':
		if start+1 < len(b) && b[start+1] == '>' {
			lx.i += 2
			return token{kind: tDictClose}, nil
		}
		lx.i++
		return token{kind: tOther}, nil
	case '[':
		lx.i++
		return token{kind: tArrOpen}, nil
	case ']':
		lx.i++
		return token{kind: tArrClose}, nil
	case ')', '{', '}':
		lx.i++
		return token{kind: tOther}, nil
	case '/':
		lx.i++
		for lx.i < len(b) && regular(b[lx.i]) {
			lx.i++
		}
		return token{kind: tName, s: b[start+1 : lx.i]}, nil
	}
	for lx.i < len(b) && regular(b[lx.i]) {
		lx.i++
	}
	s := b[start:lx.i]
	if number(s) {
		return token{kind: tNumber, s: s}, nil
	}
	return token{kind: tOp, s: s}, nil
}

// literal reads a literal string (...) at lx.i, decoding its escapes:
// \n \r \t \b \f \( \) \\, \ddd octal, and a backslash before an end of
// line, which continues the string on the next line.
func (lx *lexer) literal() (token, error) {
	b := lx.b
	var s []byte
	depth := 1
	for i := lx.i + 1; i < len(b); i++ {
		c := b[i]
		switch c {
		case '(':
			if depth++; depth > maxDepth {
				lx.i = i + 1
				return token{}, errTooDeep
			}
		case ')':
			if depth--; depth == 0 {
				lx.i = i + 1
				return token{kind: tString, s: s}, nil
			}
		case '\r': // an end of line in a string is a \n
			if i+1 < len(b) && b[i+1] == '\n' {
				i++
			}
			c = '\n'
		case '\\':
			if i+1 >= len(b) {
				continue
			}
			i++
			switch e := b[i]; e {
			case 'n':
				c = '\n'
			case 'r':
				c = '\r'
			case 't':
				c = '\t'
			case 'b':
				c = '\b'
			case 'f':
				c = '\f'
			case '\r':
				if i+1 < len(b) && b[i+1] == '\n' {
					i++
				}
				continue
			case '\n':
				continue
			default:
				if e >= '0' && e <= '7' {
					v := int(e - '0')
					for k := 0; k < 2 && i+1 < len(b) && b[i+1] >= '0' && b[i+1] <= '7'; k++ {
						i++
						v = v*8 + int(b[i]-'0')
					}
					c = byte(v) // high-order overflow is ignored
				} else {
					c = e // \( \) \\, and an unknown escape is the character
				}
			}
		}
		s = append(s, c)
	}
	lx.i = len(b)
	return token{}, errUnterminated
}

// hex reads a hexadecimal string <...> at lx.i. White space is ignored, a
// missing last digit is 0, and another character ends the string.
func (lx *lexer) hex() (token, error) {
	b := lx.b
	var s []byte
	var v byte
	odd := false
	for i := lx.i + 1; i < len(b); i++ {
		c := b[i]
		var d byte
		switch {
		case space(c):
			continue
		case c == '>':
			if odd {
				s = append(s, v<<4)
			}
			lx.i = i + 1
			return token{kind: tString, s: s}, nil
		case c >= '0' && c <= '9':
			d = c - '0'
		case c >= 'a' && c <= 'f':
			d = c - 'a' + 10
		case c >= 'A' && c <= 'F':
			d = c - 'A' + 10
		default:
			lx.i = i
			return token{}, errUnterminated
		}
		if odd {
			s = append(s, v<<4|d)
		} else {
			v = d
		}
		odd = !odd
	}
	lx.i = len(b)
	return token{}, errUnterminated
}

// skipInlineImage moves past the data of an inline image (BI ... ID data
// EI), to the EI that stands alone after it.
func (lx *lexer) skipInlineImage() {
	b := lx.b
	for i := lx.i; i < len(b); {
		j := bytes.Index(b[i:], []byte("EI"))
		if j < 0 {
			break
		}
		at := i + j
		if at > 0 && space(b[at-1]) && (at+2 == len(b) || !regular(b[at+2])) {
			lx.i = at + 2
			return
		}
		i = at + 2
	}
	lx.i = len(b)
}

func space(c byte) bool {
	switch c {
	case 0, '\t', '\n', '\f', '\r', ' ':
		return true
	}
	return false
}

func delimiter(c byte) bool {
	switch c {
	case '(', ')', '<', '>', '[', ']', '{', '}', '/', '%':
		return true
	}
	return false
}

func regular(c byte) bool { return !space(c) && !delimiter(c) }

// number reports whether s is a PDF number: an optional sign, digits and at
// most one period, with at least one digit.
func number(s []byte) bool {
	digits, dot := 0, false
	for k, c := range s {
		switch {
		case c >= '0' && c <= '9':
			digits++
		case c == '.' && !dot:
			dot = true
		case (c == '+' || c == '-') && k == 0:
		default:
			return false
		}
	}
	return digits > 0
}
