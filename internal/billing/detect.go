package billing

import (
	"fmt"
	"sort"
	"strings"
)

// A format recognises its header and builds the mapper for it.
type format struct {
	name Format
	// score says how well a header fits (0 = not this format); the best
	// score wins, so a FOCUS file with x_ columns is not taken for a
	// vendor export that shares a few names.
	score func(r *row) int
	// mapper resolves column positions once and returns the per-row
	// mapping function.
	mapper func(r *row) func(*row) (*Line, error)
}

var formats []format

// register adds a format; called from each format's init.
func register(f format) { formats = append(formats, f) }

// Formats lists the formats Canopy reads.
func Formats() []Format {
	out := make([]Format, 0, len(formats))
	for _, f := range formats {
		out = append(out, f.name)
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out
}

func detect(header []string) (Format, func(*row) func(*row) (*Line, error), error) {
	r := &row{index: indexHeader(header), header: header}
	best, bestScore := -1, 0
	for i, f := range formats {
		if s := f.score(r); s > bestScore {
			best, bestScore = i, s
		}
	}
	if best < 0 {
		return "", nil, &ParseError{Line: 1, Msg: fmt.Sprintf("unrecognised header (%s): expected FOCUS, Azure EA/MCA cost export, AWS CUR or Partner Center reconciliation columns",
			clip(strings.Join(header, ",")))}
	}
	return formats[best].name, formats[best].mapper, nil
}

// countPresent counts how many of names the header has.
func countPresent(r *row, names ...string) int {
	n := 0
	for _, name := range names {
		if r.lookup(name) >= 0 {
			n++
		}
	}
	return n
}

// mappedCols marks column positions (absent ones are -1) as mapped to
// Line fields, so extras keeps only the rest.
func mappedCols(cols ...int) map[int]bool {
	m := make(map[int]bool, len(cols))
	for _, i := range cols {
		if i >= 0 {
			m[i] = true
		}
	}
	return m
}

// readWithExtras wraps a format's line reader so that the columns it does
// not map are kept as x_ attributes.
func readWithExtras(r *row, mapped map[int]bool, read func(*row) (*Line, error)) func(*row) (*Line, error) {
	keep := extras(r, mapped)
	return func(r *row) (*Line, error) {
		l, err := read(r)
		if err != nil {
			return nil, err
		}
		keep(r, l)
		return l, nil
	}
}

// extras returns the mapper step that keeps unmapped columns as x_
// attributes.
func extras(r *row, mapped map[int]bool) func(*row, *Line) {
	var cols []int
	for i := range r.header {
		if !mapped[i] {
			cols = append(cols, i)
		}
	}
	return func(r *row, l *Line) {
		for _, i := range cols {
			v := r.str(i)
			if v == "" {
				continue
			}
			if l.Extra == nil {
				l.Extra = make(map[string]string, len(cols))
			}
			name := r.header[i]
			if !strings.HasPrefix(name, "x_") {
				name = "x_" + name
			}
			l.Extra[name] = v
		}
	}
}
