package auth

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestBlocklistLoads(t *testing.T) {
	list := commonPasswords()
	if len(list) < 10000 {
		t.Fatalf("blocklist has %d entries; want at least 10000", len(list))
	}
	for w, rank := range list {
		if w != strings.ToLower(w) || strings.TrimSpace(w) != w || w == "" {
			t.Fatalf("entry %q is not a trimmed lowercase word", w)
		}
		if n := utf8.RuneCountInString(w); n > maxDictWord {
			t.Fatalf("entry %q has %d runes; longestWordAt only looks %d far", w, n, maxDictWord)
		}
		if rank < 1 || rank > len(list) {
			t.Fatalf("entry %q has rank %d", w, rank)
		}
	}
	// The file is in frequency order, which the strength estimate relies on.
	if r, _ := commonRank("123456"); r != 1 {
		t.Fatalf("rank of 123456 = %d; want 1", r)
	}
}

func TestParseBlocklistRejectsGarbage(t *testing.T) {
	if _, err := parseBlocklist([]byte("not gzip")); err == nil {
		t.Fatal("parseBlocklist accepted data that is not gzip")
	}
}

func TestIsCommonPassword(t *testing.T) {
	tests := []struct {
		pw   string
		want bool
	}{
		{"password", true},
		{"PassWord", true},
		{"123456", true},
		{"1qaz2wsx3edc4rfv", true},
		{"passwordpassword", true},
		{"Password1234567!", true},  // stripped to a listed 8+ word
		{"!!Football2024!!", true},  // stripped at both ends
		{"P@ssw0rd", true},          // listed in leet form and un-leeted
		{"p455w0rd99999999", true},  // un-leeted, then stripped
		{"@dministrator2024", true}, // un-leeted first so '@' is a letter
		{"dragon123456789!", false}, // "dragon" is under 8 letters
		{"monkey!!!!!!!!!!", false}, // likewise "monkey"
		{"correct horse battery staple", false},
		{"Xq7#mountain!Lk", false},
		{"", false},
	}
	for _, tc := range tests {
		if got := IsCommonPassword(tc.pw); got != tc.want {
			t.Errorf("IsCommonPassword(%q) = %v; want %v", tc.pw, got, tc.want)
		}
	}
}

func TestLeetVariants(t *testing.T) {
	got := leetVariants("p@55w0rd1")
	want := []string{"passwordi", "passwordl"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("leetVariants = %q; want %q", got, want)
	}
	if v := leetVariants("plain"); len(v) != 0 {
		t.Fatalf("leetVariants(plain) = %q; want none", v)
	}
}
