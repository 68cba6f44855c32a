package store

import (
	"encoding/json"
	"fmt"
	"hash/maphash"
	"testing"
)

// The hand-written extras JSON must be byte for byte what encoding/json
// writes (stored texts are compared and parsed later), or give way to it.
func TestExtrasTextMatchesEncodingJSON(t *testing.T) {
	for _, m := range []map[string]string{
		nil,
		{"x_ResourceGroupName": "rg-web-prod"},
		{"x_b": "2", "x_a": "1", "x_c": ""},
		{"x_q": `say "hi"`},
		{"x_amp": "a&b", "x_lt": "<tag>"},
		{"x_nl": "a\nb", "x_u": "Zürich"},
		{"x_bs": `C:\path`},
	} {
		var memo prepMemo
		got := memo.extrasText(m)
		want, _ := extrasText(m)
		if got != want {
			t.Errorf("extras %v: got %q, want %q", m, got, want)
		}
		if again := memo.extrasText(m); again != want {
			t.Errorf("extras %v from the memo: got %q, want %q", m, again, want)
		}
	}
}

func FuzzExtrasText(f *testing.F) {
	f.Add("x_a", "v", "x_b", "w")
	f.Add("x_ResourceGroupName", "rg-1", "k", `"<&>\`)
	f.Fuzz(func(t *testing.T, k1, v1, k2, v2 string) {
		m := map[string]string{k1: v1, k2: v2}
		var memo prepMemo
		want, err := json.Marshal(m)
		if err != nil {
			t.Skip()
		}
		if got := memo.extrasText(m); got != string(want) {
			t.Fatalf("got %q, want %q", got, want)
		}
	})
}

// Tag maps are remembered by identity: the same map gives the same key
// without recomputing it; an equal map elsewhere gives an equal key.
func TestTagKeyMemo(t *testing.T) {
	var memo prepMemo
	a := map[string]string{"env": "prod", "team": "web"}
	b := map[string]string{"team": "web", "env": "prod"}
	c := map[string]string{"env": "test", "team": "web"}
	ka, kb, kc := memo.tagKey(a), memo.tagKey(b), memo.tagKey(c)
	want, _ := canonicalTags(nil, nil, a)
	if string(ka) != string(want) || string(kb) != string(want) {
		t.Fatalf("keys of equal sets: %q, %q, want %q", ka, kb, want)
	}
	if string(kc) == string(ka) {
		t.Fatalf("different sets share key %q", kc)
	}
	if k := memo.tagKey(a); &k[0] != &ka[0] {
		t.Fatal("the same map's key was computed again")
	}
	for i := range prepMemoMax + 1 { // a full memo starts over and still answers
		memo.tagKey(map[string]string{"n": string(rune('a' + i%26))})
	}
	if k := memo.tagKey(c); string(k) != string(kc) {
		t.Fatalf("after the memo started over: %q, want %q", k, kc)
	}
}

// The per-resource memo gives the dictionary's ids whatever changed
// between a resource's lines, including a resource group spelt in
// another case (one id) and a value that went empty (null).
func TestResourceMemoIDs(t *testing.T) {
	d := &dicts{sets: map[string]int64{}}
	for i := range nKinds {
		d.ids[i] = map[string]int64{}
	}
	e := &encoder{d: d}
	svc := dimIndex("service")
	line := func(res, service, rg string) [nDims]string {
		var v [nDims]string
		v[resIdx], v[svc], v[rgIdx] = res, service, rg
		return v
	}
	for n, vals := range [][nDims]string{
		line("/r/1", "VM", "RG-Web"), line("/r/1", "VM", "rg-web"), line("/r/1", "Disk", "rg-web"),
		line("/r/2", "VM", ""), line("/r/1", "", "RG-WEB"), line("", "VM", "rg-web"), line("/r/2", "VM", "rg-2"),
	} {
		var got [nDims]int64
		e.dimIDs(&got, &vals)
		for i, v := range vals {
			if want := d.id(i, v); got[i] != want {
				t.Fatalf("line %d, %s %q: id %v, want %v", n, dimKinds[i], v, got[i], want)
			}
		}
	}
	var a, b [nDims]int64
	x, y := line("/r/9", "VM", "RG-X"), line("/r/9", "VM", "rg-x")
	e.dimIDs(&a, &x)
	e.dimIDs(&b, &y)
	if a[rgIdx] == 0 || a[rgIdx] != b[rgIdx] {
		t.Fatalf("resource group ids %v, %v: want one id", a[rgIdx], b[rgIdx])
	}

	// Another resource whose ID hashes like a remembered one (forced here:
	// the entry of /r/9 is filed under /r/3's hash) is not given /r/9's ids.
	e.res.lines[maphash.String(e.res.seed, "/r/3")] = e.res.lines[maphash.String(e.res.seed, "/r/9")]
	z := line("/r/3", "SQL", "rg-3")
	var c [nDims]int64
	e.dimIDs(&c, &z)
	for i, v := range z {
		if want := d.id(i, v); c[i] != want {
			t.Fatalf("colliding resource, %s %q: id %v, want %v", dimKinds[i], v, c[i], want)
		}
	}
	// A full memo starts over and still answers.
	for i := range prepMemoMax + 1 {
		v := line(fmt.Sprintf("/r/many/%d", i), "VM", "rg-web")
		e.dimIDs(&c, &v)
	}
	if len(e.res.lines) > prepMemoMax {
		t.Fatalf("memo holds %d resources, bound %d", len(e.res.lines), prepMemoMax)
	}
	e.dimIDs(&c, &x)
	if c != a {
		t.Fatalf("after the memo started over: %v, want %v", c, a)
	}
}
