package billing

import "github.com/cockroachdb/apd/v3"

// Lines and their amounts are allocated allocBlock at a time: fewer,
// larger allocations. Nothing is reused: each Line is the caller's alone;
// a Line kept alive keeps its block (a few kilobytes) alive.
const allocBlock = 16

type lineAlloc struct {
	lines []Line
	amts  [][7]apd.Decimal
	// into and intoAmts, set by Reader.NextInto, are handed out (zeroed)
	// by the next newLine and newAmounts instead of new ones.
	into     *Line
	intoAmts *[7]apd.Decimal
}

// newLine returns a zero Line.
func (a *lineAlloc) newLine() *Line {
	if l := a.into; l != nil {
		a.into, *l = nil, Line{}
		return l
	}
	if len(a.lines) == 0 {
		a.lines = make([]Line, allocBlock)
	}
	l := &a.lines[0]
	a.lines = a.lines[1:]
	return l
}

// newAmounts returns seven zero decimals for one line's amounts.
func (a *lineAlloc) newAmounts() *[7]apd.Decimal {
	if b := a.intoAmts; b != nil {
		a.intoAmts, *b = nil, [7]apd.Decimal{}
		return b
	}
	if len(a.amts) == 0 {
		a.amts = make([][7]apd.Decimal, allocBlock)
	}
	b := &a.amts[0]
	a.amts = a.amts[1:]
	return b
}
