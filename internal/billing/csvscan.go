package billing

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"io"
)

// scanner reads CSV records exactly as encoding/csv does with the
// configuration the reader used (Comma ',', no Comment, LazyQuotes and
// TrimLeadingSpace off, FieldsPerRecord -1): the same records, blank lines
// skipped the same way, CRLF normalised the same way, and the same
// *csv.ParseError (StartLine, Line, Column, Err) for malformed input. It
// differs only in what it hands back: the fields stay in a reused buffer
// (field i is buf[ends[i-1]:ends[i]]), so a record costs no allocation and
// the caller makes strings only for the values it keeps. The logic
// follows encoding/csv's readRecord (Go 1.26); TestScannerMatchesCSV and
// FuzzScannerMatchesCSV compare the two.
type scanner struct {
	r       *bufio.Reader
	raw     []byte // a line longer than r's buffer
	buf     []byte // the record's fields, unescaped, back to back
	ends    []int  // end of each field in buf
	numLine int    // lines read so far
	recLine int    // line the last record started on
}

func newScanner(r io.Reader) *scanner {
	return &scanner{r: bufio.NewReader(r)} // a large *bufio.Reader is used as is
}

// fields is the number of fields of the last record.
func (s *scanner) fields() int { return len(s.ends) }

// field is field i of the last record, valid until the next read.
func (s *scanner) field(i int) []byte {
	start := 0
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.buf[start:s.ends[i]]
}

// readLine is encoding/csv's: the next line with \r\n made \n, a trailing
// \r before EOF dropped; valid until the next call.
func (s *scanner) readLine() ([]byte, error) {
	line, err := s.r.ReadSlice('\n')
	if err == bufio.ErrBufferFull {
		s.raw = append(s.raw[:0], line...)
		for err == bufio.ErrBufferFull {
			line, err = s.r.ReadSlice('\n')
			s.raw = append(s.raw, line...)
		}
		line = s.raw
	}
	if len(line) > 0 && err == io.EOF {
		err = nil
		if line[len(line)-1] == '\r' {
			line = line[:len(line)-1]
		}
	}
	s.numLine++
	if n := len(line); n >= 2 && line[n-2] == '\r' && line[n-1] == '\n' {
		line[n-2] = '\n'
		line = line[:n-1]
	}
	return line, err
}

// lengthNL is 1 when b ends with \n.
func lengthNL(b []byte) int {
	if len(b) > 0 && b[len(b)-1] == '\n' {
		return 1
	}
	return 0
}

// read reads the next record. Like encoding/csv it returns io.EOF at the
// end, a *csv.ParseError for malformed input, and a read error together
// with the fields read before it.
func (s *scanner) read() error {
	var line []byte
	var errRead error
	for errRead == nil {
		line, errRead = s.readLine()
		if errRead == nil && len(line) == lengthNL(line) {
			line = nil
			continue // skip empty lines
		}
		break
	}
	if errRead == io.EOF {
		return errRead
	}
	s.recLine = s.numLine
	s.buf, s.ends = s.buf[:0], s.ends[:0]
	err := s.parseFields(line, &errRead)
	if err == nil {
		err = errRead
	}
	return err
}

// parseFields splits line (and the following lines a quoted field spans)
// into fields.
func (s *scanner) parseFields(line []byte, errRead *error) error {
	col := 1
	for {
		if len(line) == 0 || line[0] != '"' {
			i := plainFieldEnd(line)
			if i < len(line) && line[i] == '"' {
				return s.parseErr(s.numLine, col+i, csv.ErrBareQuote)
			}
			if i == len(line) {
				i -= lengthNL(line)
			}
			s.buf = append(s.buf, line[:i]...)
			s.ends = append(s.ends, len(s.buf))
			if i < len(line) && line[i] == ',' {
				line, col = line[i+1:], col+i+1
				continue
			}
			return nil
		}
		var more bool
		var err error
		line, col, more, err = s.quotedField(line, col, errRead)
		if !more || err != nil {
			return err
		}
	}
}

// plainFieldEnd is the index of the first ',' or '"' in line, or len(line).
func plainFieldEnd(line []byte) int {
	for i, c := range line {
		if c == ',' || c == '"' {
			return i
		}
	}
	return len(line)
}

// quotedField reads a quoted field starting at line[0]; more reports that
// a comma follows it.
func (s *scanner) quotedField(line []byte, col int, errRead *error) (rest []byte, next int, more bool, err error) {
	posLine := s.numLine
	line, col = line[1:], col+1
	for {
		i := bytes.IndexByte(line, '"')
		switch {
		case i >= 0:
			s.buf = append(s.buf, line[:i]...)
			line, col = line[i+1:], col+i+1
			switch {
			case len(line) > 0 && line[0] == '"':
				s.buf = append(s.buf, '"')
				line, col = line[1:], col+1
			case len(line) > 0 && line[0] == ',':
				s.ends = append(s.ends, len(s.buf))
				return line[1:], col + 1, true, nil
			case len(line) == lengthNL(line):
				s.ends = append(s.ends, len(s.buf))
				return nil, col, false, nil
			default:
				return nil, col, false, s.parseErr(s.numLine, col-1, csv.ErrQuote)
			}
		case len(line) > 0:
			s.buf = append(s.buf, line...)
			if *errRead != nil {
				return nil, col, false, nil
			}
			col += len(line)
			line, *errRead = s.readLine()
			if len(line) > 0 {
				posLine++
				col = 1
			}
			if *errRead == io.EOF {
				*errRead = nil
			}
		default:
			if *errRead == nil {
				return nil, col, false, s.parseErr(posLine, col, csv.ErrQuote)
			}
			s.ends = append(s.ends, len(s.buf))
			return nil, col, false, nil
		}
	}
}

func (s *scanner) parseErr(line, col int, err error) error {
	return &csv.ParseError{StartLine: s.recLine, Line: line, Column: col, Err: err}
}

// record makes the last record's fields strings, reusing dst: one
// allocation for the whole record, as encoding/csv does.
func (s *scanner) record(dst []string) []string {
	str := string(s.buf)
	dst = dst[:0]
	start := 0
	for _, end := range s.ends {
		dst = append(dst, str[start:end])
		start = end
	}
	return dst
}
