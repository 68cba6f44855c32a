package store

import (
	"testing"
	"time"
)

// byMonth splits a block whose lines interleave months into one block per
// month, in order of first appearance, each keeping its lines' order and
// nulls; a block of one month comes back as is.
func TestByMonthSplitsInterleavedLines(t *testing.T) {
	d := func(s string) int64 {
		tm, err := time.Parse(time.DateOnly, s)
		if err != nil {
			t.Fatal(err)
		}
		return tm.Unix() / 86400
	}
	days := []int64{d("2025-01-31"), d("2025-02-01"), d("2025-01-01"), d("2024-12-31"), d("2025-02-28"), d("2025-01-15")}
	b := newSegmentBlock()
	for i, day := range days {
		l := segLine{day: day, tagset: int64(i)} // tag set 0 (line 0) is null
		l.text[segCategory], l.textOK[segCategory] = string(rune('a'+i)), true
		appendLine(b, &l)
	}
	parts := byMonth(b)
	want := [][]int{{0, 2, 5}, {1, 4}, {3}} // January, February, December
	if len(parts) != len(want) {
		t.Fatalf("%d blocks, want %d", len(parts), len(want))
	}
	for p, rows := range want {
		blk := parts[p]
		if blk.N != len(rows) {
			t.Fatalf("block %d: %d lines, want %d", p, blk.N, len(rows))
		}
		for k, i := range rows {
			r := segRow{blk, k}
			cat, _ := r.text(segCategory)
			if r.day() != days[i] || cat != string(rune('a'+i)) || r.tagset() != int64(i) {
				t.Errorf("block %d line %d: day %d %q tagset %d, want line %d", p, k, r.day(), cat, r.tagset(), i)
			}
			if _, ok := r.int(segTagset); ok != (i != 0) {
				t.Errorf("block %d line %d: tag set present %v", p, k, ok)
			}
		}
		if lo, hi := monthStart(blk.Ints[segDay].V[0]), blk.Ints[segDay].V; monthStart(hi[len(hi)-1]) != lo {
			t.Errorf("block %d spans months", p)
		}
	}
	one := newSegmentBlock()
	appendLine(one, &segLine{day: d("2025-03-03")})
	appendLine(one, &segLine{day: d("2025-03-31")})
	if got := byMonth(one); len(got) != 1 || got[0] != one {
		t.Fatalf("a one-month block was copied or split: %d blocks", len(got))
	}
}
