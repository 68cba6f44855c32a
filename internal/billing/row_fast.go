package billing

import (
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Fast paths for the shapes that make up nearly every cell of a large
// export. Each one either gives exactly what the general parser gives or
// declines (ok=false) and the general parser runs, so behaviour never
// depends on which path was taken (FuzzFastPaths checks this).

// setPlainDecimal parses an optional '-', digits, and an optional '.'
// between digits: at most 19 digits, so the coefficient fits a uint64.
func setPlainDecimal[T string | []byte](d *apd.Decimal, s T) bool {
	neg := len(s) > 0 && s[0] == '-'
	if neg {
		s = s[1:]
	}
	if len(s) == 0 || len(s) > 19 {
		return false
	}
	var u uint64
	frac, dot := int32(0), false
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			u = u*10 + uint64(c-'0')
			if dot {
				frac++
			}
		case c == '.' && !dot && i > 0 && i < len(s)-1:
			dot = true
		default:
			return false
		}
	}
	d.Form, d.Negative, d.Exponent = apd.Finite, neg, -frac
	d.Coeff.SetUint64(u)
	return true
}

// parseDecInto parses s into d, the fast path first.
func parseDecInto[T string | []byte](d *apd.Decimal, s T) bool {
	if setPlainDecimal(d, s) {
		return true
	}
	_, _, err := d.SetString(string(s))
	return err == nil && d.Form == apd.Finite
}

// decInto is dec writing into d (e.g. one of a block allocated per line,
// so a line's amounts cost one allocation); nil when absent or null.
func (r *row) decInto(i int, d *apd.Decimal) (*apd.Decimal, error) {
	s := r.value(i)
	if len(s) == 0 {
		return nil, nil
	}
	if !parseDecInto(d, s) {
		return nil, r.fail(i, "not a number")
	}
	return d, nil
}

// requiredDecInto is requiredDec writing into d.
func (r *row) requiredDecInto(i int, d *apd.Decimal) (*apd.Decimal, error) {
	v, err := r.decInto(i, d)
	if err == nil && v == nil {
		return nil, r.fail(i, "a number is required")
	}
	return v, err
}

// timeMemo is a column's last parsed timestamp: billing and charge
// periods repeat line after line, so most date cells skip parsing.
type timeMemo struct {
	s string
	t time.Time
}

// cachedTime is parseTime remembering the column's last success.
func (r *row) cachedTime(i int, b []byte) (time.Time, bool) {
	if r.memo == nil {
		r.memo = make([]timeMemo, len(r.header))
	}
	if i >= len(r.memo) {
		return parseTime(string(b))
	}
	if m := &r.memo[i]; m.s == string(b) {
		return m.t, true
	}
	s := string(b)
	t, ok := parseTime(s)
	if ok {
		r.memo[i] = timeMemo{s, t}
	}
	return t, ok
}

// parseTimeFast reads 2006-01-02, 2006-01-02T15:04:05 (or with a space)
// and the same followed by Z, all UTC; anything else, including
// out-of-range fields, is left to time.Parse.
func parseTimeFast(s string) (time.Time, bool) {
	n := len(s)
	if n != 10 && n != 19 && n != 20 || s[4] != '-' || s[7] != '-' {
		return time.Time{}, false
	}
	y, ok1 := digits(s, 0, 4)
	mo, ok2 := digits(s, 5, 2)
	d, ok3 := digits(s, 8, 2)
	h, mi, sec, ok4 := 0, 0, 0, true
	if n > 10 {
		var a, b, c bool
		h, a = digits(s, 11, 2)
		mi, b = digits(s, 14, 2)
		sec, c = digits(s, 17, 2)
		ok4 = a && b && c && (s[10] == 'T' || s[10] == ' ') && s[13] == ':' && s[16] == ':' && (n == 19 || s[19] == 'Z')
	}
	if !ok1 || !ok2 || !ok3 || !ok4 || mo < 1 || mo > 12 || d < 1 || h > 23 || mi > 59 || sec > 59 {
		return time.Time{}, false
	}
	t := time.Date(y, time.Month(mo), d, h, mi, sec, 0, time.UTC)
	if t.Day() != d { // 31 April and the like: time.Parse's error
		return time.Time{}, false
	}
	return t, true
}

func digits(s string, at, n int) (int, bool) {
	v := 0
	for i := at; i < at+n; i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, false
		}
		v = v*10 + int(c-'0')
	}
	return v, true
}

// flatStringTags parses {"k":"v",...} when every key and value is a
// printable ASCII string without escapes — what tag columns hold. Other
// JSON (numbers, escapes, nesting, non-ASCII) goes to encoding/json.
// Later duplicates win, as with encoding/json.
func flatStringTags(s string) (map[string]string, bool) {
	if len(s) == 0 || s[0] != '{' {
		return nil, false
	}
	var kv [64]string
	n, i := 0, skipSpace(s, 1)
	for {
		key, j, ok := plainString(s, i)
		if !ok || n == len(kv) {
			return nil, false
		}
		if j = skipSpace(s, j); j >= len(s) || s[j] != ':' {
			return nil, false
		}
		val, j, ok := plainString(s, skipSpace(s, j+1))
		if !ok {
			return nil, false
		}
		kv[n], kv[n+1] = key, val
		n += 2
		if j = skipSpace(s, j); j < len(s) && s[j] == ',' {
			i = skipSpace(s, j+1)
			continue
		}
		if j >= len(s) || s[j] != '}' || skipSpace(s, j+1) != len(s) {
			return nil, false
		}
		break
	}
	m := make(map[string]string, n/2)
	for k := 0; k < n; k += 2 {
		m[kv[k]] = kv[k+1]
	}
	return m, true
}

func skipSpace(s string, i int) int {
	for i < len(s) && (s[i] == ' ' || s[i] == '\t' || s[i] == '\n' || s[i] == '\r') {
		i++
	}
	return i
}

// plainString reads a JSON string at s[i] with printable ASCII and no
// escapes; it returns the contents and the index after the closing quote.
func plainString(s string, i int) (string, int, bool) {
	if i >= len(s) || s[i] != '"' {
		return "", 0, false
	}
	for j := i + 1; j < len(s); j++ {
		switch c := s[j]; {
		case c == '"':
			return s[i+1 : j], j + 1, true
		case c < 0x20 || c > 0x7e || c == '\\':
			return "", 0, false
		}
	}
	return "", 0, false
}
