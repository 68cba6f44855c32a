package billing

import (
	"encoding/json"
	"reflect"
	"strconv"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// slowDec, slowTime and slowTags are the general parsers the fast paths
// must agree with.
func slowDec(s string) (*apd.Decimal, bool) {
	d, _, err := apd.NewFromString(s)
	return d, err == nil && d.Form == apd.Finite
}

func slowTime(s string) (time.Time, bool) {
	for _, l := range timeLayouts {
		if t, err := time.Parse(l, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

func slowTags(s string) (map[string]string, bool) {
	var raw map[string]json.RawMessage
	if json.Unmarshal([]byte(s), &raw) != nil {
		return nil, false
	}
	out := make(map[string]string, len(raw))
	for k, v := range raw {
		var str string
		if json.Unmarshal(v, &str) == nil {
			out[k] = str
		} else {
			out[k] = string(v)
		}
	}
	return out, true
}

func checkFastPaths(t *testing.T, s string) {
	var d apd.Decimal
	if setPlainDecimal(&d, s) {
		want, ok := slowDec(s)
		if !ok || d.Cmp(want) != 0 || d.Text('f') != want.Text('f') || d.Exponent != want.Exponent || d.Negative != want.Negative {
			t.Fatalf("decimal %q: fast %s (exp %d), general %v %v", s, d.Text('f'), d.Exponent, want, ok)
		}
	}
	if got, ok := parseTimeFast(s); ok {
		if want, ok2 := slowTime(s); !ok2 || !got.Equal(want) || got.Location() != want.Location() {
			t.Fatalf("time %q: fast %v, general %v %v", s, got, want, ok2)
		}
	}
	if got, ok := flatStringTags(s); ok {
		if want, ok2 := slowTags(s); !ok2 || !reflect.DeepEqual(got, want) {
			t.Fatalf("tags %q: fast %v, general %v %v", s, got, want, ok2)
		}
	}
}

var fastSeeds = []string{"0", "-0", "-0.00", "007.50", "12.3456789012", "1234567890123456789", "99999999999999999999",
	"1.", ".5", "+1", "1e3", "-", "1.2.3", "NaN",
	"2026-01-01", "2026-02-29", "2028-02-29", "2026-04-31", "2026-01-01T00:00:00Z", "2026-01-01 23:59:59",
	"2026-01-01T24:00:00", "2026-13-01", "2026-01-01T00:00:00+01:00", "0000-01-01",
	`{"env":"prod","team":"a,b"}`, `{ "a" : "1" , "a":"2" }`, `{"a":1}`, `{"a":"\u00e9"}`, `{"é":"x"}`, `{}`, `{ }`,
	`{"a":"b"} x`, `{"a":"b",}`, `0"":""}`, `{"a":"b"`, "{\"a\":\"b\"}\n"}

func TestFastPathsAgree(t *testing.T) {
	for _, s := range fastSeeds {
		checkFastPaths(t, s)
	}
	// The fast paths must actually take the common shapes.
	var d apd.Decimal
	_, okT := parseTimeFast("2026-01-31T00:00:00Z")
	_, okD := parseTimeFast("2026-01-31")
	m, okG := flatStringTags(`{"env":"prod", "app":"x"}`)
	if !setPlainDecimal(&d, "-12.3456789012") || !okT || !okD || !okG || m["app"] != "x" {
		t.Fatal("a common shape missed its fast path")
	}
}

// FuzzFastPaths: whatever the input, a fast path that accepts it gives
// exactly what the general parser gives.
func FuzzFastPaths(f *testing.F) {
	for _, s := range fastSeeds {
		f.Add(s)
	}
	f.Fuzz(checkFastPaths)
}

// The per-column date memo must not leak one line's date into the next,
// nor let a bad date through after a good one.
func TestTimeMemo(t *testing.T) {
	r := &row{header: []string{"d"}}
	for _, c := range []struct{ in, want string }{{"2026-01-01", "2026-01-01"}, {"2026-01-01", "2026-01-01"},
		{"01/02/2026", "2026-01-02"}, {"2026-03-04T05:06:07Z", "2026-03-04"}, {"bad", ""}, {"2026-03-04T05:06:07Z", "2026-03-04"}} {
		r.setFields(c.in)
		got, err := r.time(0)
		if (c.want == "") != (err != nil) || (err == nil && got.Format(time.DateOnly) != c.want) {
			t.Fatalf("%q: %v %v", c.in, got, err)
		}
	}
}

// Tag cells already parsed are remembered: the same text gives the same
// (shared) map, other text its own, and a bad cell fails every time.
func TestTagMemo(t *testing.T) {
	r := &row{header: []string{"t"}}
	read := func(cell string) (map[string]string, error) {
		r.setFields(cell)
		return r.tags(0)
	}
	a, err := read(`{"env":"prod","team":"web"}`)
	if err != nil || a["env"] != "prod" || a["team"] != "web" || len(a) != 2 {
		t.Fatalf("first: %v %v", a, err)
	}
	b, _ := read(`{"env":"test"}`)
	if len(b) != 1 || b["env"] != "test" {
		t.Fatalf("second: %v", b)
	}
	a2, _ := read(`{"env":"prod","team":"web"}`)
	if reflect.ValueOf(a2).UnsafePointer() != reflect.ValueOf(a).UnsafePointer() {
		t.Fatal("the same cell was parsed into a new map")
	}
	for range 2 {
		if m, err := read(`{"env":`); err == nil {
			t.Fatalf("bad cell accepted: %v", m)
		}
	}
	if m, err := read(`NULL`); m != nil || err != nil {
		t.Fatalf("null cell: %v %v", m, err)
	}
	for i := range tagMemoMax + 1 { // a full memo starts over and still answers
		if m, err := read(`{"n":"` + strconv.Itoa(i) + `"}`); err != nil || m["n"] != strconv.Itoa(i) {
			t.Fatalf("cell %d: %v %v", i, m, err)
		}
	}
	if m, _ := read(`{"env":"test"}`); len(m) != 1 || m["env"] != "test" {
		t.Fatalf("after the memo started over: %v", m)
	}
}
