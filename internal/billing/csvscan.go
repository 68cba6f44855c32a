package billing

import (
	"bufio"
	"bytes"
	"encoding/binary"
	"encoding/csv"
	"io"
	"math/bits"
)

// scanner reads CSV records exactly as encoding/csv does with the
// configuration the reader used (Comma ',', no Comment, LazyQuotes and
// TrimLeadingSpace off, FieldsPerRecord -1): the same records, blank lines
// skipped the same way, CRLF normalised the same way, and the same
// *csv.ParseError (StartLine, Line, Column, Err) for malformed input. It
// differs only in what it hands back: the fields stay in a reused buffer
// (field i is buf[ends[i-1]+1:ends[i]]), so a record costs no allocation and
// the caller makes strings only for the values it keeps. The logic
// follows encoding/csv's readRecord (Go 1.26); TestScannerMatchesCSV and
// FuzzScannerMatchesCSV compare the two.
type scanner struct {
	r       *bufio.Reader
	raw     []byte // a line longer than r's buffer
	buf     []byte // the record's fields, unescaped, each followed by a comma but the last
	ends    []int  // end of each field in buf (the next starts after the comma)
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
	return s.buf[fieldStart(s.ends, i):s.ends[i]]
}

// fieldStart is where field i starts in a record buffer.
func fieldStart(ends []int, i int) int {
	if i == 0 {
		return 0
	}
	return ends[i-1] + 1
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
			n := s.plainFields(line)
			line, col = line[n:], col+n
			if len(line) == 0 || line[0] != '"' {
				return nil // the line's last field was plain
			}
			if start := s.lastStart(); len(s.buf) > start {
				return s.parseErr(s.numLine, col, csv.ErrBareQuote) // a quote inside a plain field
			}
			s.ends = s.ends[:len(s.ends)-1] // the field starting at the quote is quoted
		}
		var more bool
		var err error
		line, col, more, err = s.quotedField(line, col, errRead)
		if !more || err != nil {
			return err
		}
	}
}

// lastStart is where the last field starts in buf.
func (s *scanner) lastStart() int {
	return fieldStart(s.ends, len(s.ends)-1)
}

// plainFields copies line up to its first quote (or its end, without the
// newline) to buf as plain fields split at commas, and returns how many
// bytes of line it consumed: all of it, or up to the quote. The field
// the quote is in is ended at the quote for now; parseFields decides.
func (s *scanner) plainFields(line []byte) int {
	n := bytes.IndexByte(line, '"')
	if n < 0 {
		n = len(line) - lengthNL(line)
	}
	base := len(s.buf)
	s.buf = append(s.buf, line[:n]...)
	s.ends = appendCommas(s.ends, s.buf[base:], base)
	s.ends = append(s.ends, len(s.buf))
	if n == len(line)-lengthNL(line) {
		return len(line)
	}
	return n
}

const (
	ones   = 0x0101010101010101
	highs  = 0x8080808080808080
	lows   = 0x7f7f7f7f7f7f7f7f
	commas = ',' * ones
)

// appendCommas appends base+i for each comma at b[i], eight bytes at a
// time: a byte of x is zero exactly where b has a comma, and the
// expression marks exactly those bytes' high bits.
func appendCommas(ends []int, b []byte, base int) []int {
	i := 0
	for ; i+8 <= len(b); i += 8 {
		x := binary.LittleEndian.Uint64(b[i:]) ^ commas
		t := ^((x&lows + lows) | x | lows)
		for t != 0 {
			ends = append(ends, base+i+bits.TrailingZeros64(t)>>3)
			t &= t - 1
		}
	}
	for ; i < len(b); i++ {
		if b[i] == ',' {
			ends = append(ends, base+i)
		}
	}
	return ends
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
				s.buf = append(s.buf, ',')
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
	for i, end := range s.ends {
		dst = append(dst, str[fieldStart(s.ends, i):end])
	}
	return dst
}
