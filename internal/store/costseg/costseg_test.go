package costseg

import (
	"errors"
	"math"
	"math/rand/v2"
	"reflect"
	"testing"
)

func randomBlock(rng *rand.Rand, n, ni, ns int) *Block {
	b := &Block{}
	b.Reset(ni, ns)
	b.N = n
	for c := range b.Ints {
		nullable := c%3 == 0
		for i := 0; i < n; i++ {
			var v int64
			switch c % 4 {
			case 0:
				v = rng.Int64N(5) // low cardinality
			case 1:
				v = 20000 + int64(i/100) // sorted days
			case 2:
				v = rng.Int64() - math.MaxInt64/2 // anything
			default:
				v = []int64{math.MinInt64, math.MaxInt64, 0, -1}[rng.IntN(4)]
			}
			b.Ints[c].V = append(b.Ints[c].V, v)
			if nullable {
				b.Ints[c].Valid = append(b.Ints[c].Valid, rng.IntN(4) != 0)
			}
		}
	}
	for c := range b.Strs {
		for i := 0; i < n; i++ {
			b.Strs[c].V = append(b.Strs[c].V, []string{"Usage", "Credit", "", "Tax ✓", `{"a":"b,c"}`}[rng.IntN(5)])
			if c%2 == 1 {
				b.Strs[c].Valid = append(b.Strs[c].Valid, rng.IntN(3) != 0)
			}
		}
	}
	return b
}

// normalise clears the values behind nulls, which a segment does not keep.
func normalise(b *Block) {
	for c := range b.Ints {
		for i, ok := range b.Ints[c].Valid {
			if !ok {
				b.Ints[c].V[i] = 0
			}
		}
		if allTrue(b.Ints[c].Valid) {
			b.Ints[c].Valid = nil
		}
	}
	for c := range b.Strs {
		for i, ok := range b.Strs[c].Valid {
			if !ok {
				b.Strs[c].V[i] = ""
			}
		}
		if allTrue(b.Strs[c].Valid) {
			b.Strs[c].Valid = nil
		}
	}
}

func allTrue(v []bool) bool {
	for _, x := range v {
		if !x {
			return false
		}
	}
	return true
}

func TestRoundTrip(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	var got Block
	for _, n := range []int{0, 1, 7, 8, 9, 1000, 4096} {
		b := randomBlock(rng, n, 9, 4)
		data := Encode(nil, b)
		normalise(b)
		if err := Decode(data, &got); err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if got.N != b.N || len(got.Ints) != len(b.Ints) || len(got.Strs) != len(b.Strs) {
			t.Fatalf("n=%d: shape %d/%d/%d", n, got.N, len(got.Ints), len(got.Strs))
		}
		for c := range b.Ints {
			if !reflect.DeepEqual(b.Ints[c].V[:n], got.Ints[c].V) && n > 0 || (b.Ints[c].Valid == nil) != (got.Ints[c].Valid == nil) {
				t.Fatalf("n=%d int column %d differs", n, c)
			}
			if b.Ints[c].Valid != nil && !reflect.DeepEqual(b.Ints[c].Valid, got.Ints[c].Valid) {
				t.Fatalf("n=%d int column %d nulls differ", n, c)
			}
		}
		for c := range b.Strs {
			if n > 0 && !reflect.DeepEqual(b.Strs[c].V, got.Strs[c].V) {
				t.Fatalf("n=%d text column %d differs", n, c)
			}
			if b.Strs[c].Valid != nil && !reflect.DeepEqual(b.Strs[c].Valid, got.Strs[c].Valid) {
				t.Fatalf("n=%d text column %d nulls differ", n, c)
			}
		}
	}
}

func TestCorruptSegmentsAreRefused(t *testing.T) {
	good := Encode(nil, randomBlock(rand.New(rand.NewPCG(3, 4)), 50, 3, 2))
	var b Block
	for _, bad := range [][]byte{nil, {9}, good[:len(good)-1], append(append([]byte{}, good...), 0),
		{version, 0xff, 0xff, 0xff, 0xff, 0x0f, 1, 0}} {
		if err := Decode(bad, &b); !errors.Is(err, ErrCorrupt) {
			t.Fatalf("%x: %v", bad, err)
		}
	}
}

func FuzzDecode(f *testing.F) {
	f.Add(Encode(nil, randomBlock(rand.New(rand.NewPCG(5, 6)), 20, 2, 2)))
	f.Fuzz(func(t *testing.T, data []byte) {
		var b Block
		if err := Decode(data, &b); err != nil {
			return
		}
		// What decodes must encode to a segment that decodes the same.
		var again Block
		if err := Decode(Encode(nil, &b), &again); err != nil || again.N != b.N {
			t.Fatalf("re-encode: %v", err)
		}
	})
}

// BenchmarkEncode encodes a 4096-line block of 40 integer and 8 text
// columns, the shape of the cost store's segments.
func BenchmarkEncode(b *testing.B) {
	blk := randomBlock(rand.New(rand.NewPCG(7, 8)), 4096, 40, 8)
	var buf []byte
	for b.Loop() {
		buf = Encode(buf[:0], blk)
	}
	b.ReportMetric(float64(b.N*4096)/b.Elapsed().Seconds(), "lines/s")
	b.ReportMetric(float64(len(buf))/4096, "bytes/line")
}

func BenchmarkDecode(b *testing.B) {
	data := Encode(nil, randomBlock(rand.New(rand.NewPCG(7, 8)), 4096, 40, 8))
	var blk Block
	for b.Loop() {
		if err := Decode(data, &blk); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*4096)/b.Elapsed().Seconds(), "lines/s")
}

// DecodeColumns reads exactly the selected columns, equal to a full
// decode, and leaves the others empty.
func TestDecodeSelectedColumns(t *testing.T) {
	b := randomBlock(rand.New(rand.NewPCG(9, 10)), 300, 9, 4)
	data := Encode(nil, b)
	var full, part Block
	if err := Decode(data, &full); err != nil {
		t.Fatal(err)
	}
	want := &Columns{Ints: []bool{true, false, false, true, false, false, false, false, true}, Strs: []bool{false, true}}
	if err := DecodeColumns(data, &part, want); err != nil {
		t.Fatal(err)
	}
	for i := range part.Ints {
		if w := want.Ints[i]; w != (len(part.Ints[i].V) == 300) || (w && !reflect.DeepEqual(part.Ints[i], full.Ints[i])) {
			t.Fatalf("int column %d (wanted %v): %d values", i, w, len(part.Ints[i].V))
		}
	}
	for i := range part.Strs {
		w := i < len(want.Strs) && want.Strs[i]
		if w != (len(part.Strs[i].V) == 300) || (w && !reflect.DeepEqual(part.Strs[i], full.Strs[i])) {
			t.Fatalf("text column %d (wanted %v): %d values", i, w, len(part.Strs[i].V))
		}
	}
}

// A header declaring many lines of many columns, with nothing after it,
// is refused before anything is allocated for them (FuzzDecode's input:
// 905,506 lines of 164 columns in 8 bytes).
func TestHugeHeaderIsRefused(t *testing.T) {
	var b Block
	if err := Decode([]byte("\x02\xa2\xa27\xa2\x01\x024"), &b); !errors.Is(err, ErrCorrupt) {
		t.Fatalf("huge header: %v, want ErrCorrupt", err)
	}
	if cap(b.Ints) > 0 && cap(b.Ints[0].V) > 0 {
		t.Fatalf("allocated %d values for a refused header", cap(b.Ints[0].V))
	}
}
