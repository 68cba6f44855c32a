package auth

import (
	"bufio"
	"bytes"
	"compress/gzip"
	_ "embed" // for the embedded blocklist
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// commonPasswordsGz is the breached/common password list, lowercase, one per
// line in frequency order. Source and licence: data/README.md.
//
//go:embed data/common-passwords.txt.gz
var commonPasswordsGz []byte

var (
	blocklistOnce sync.Once
	blocklist     map[string]int // entry -> frequency rank, 1 = most common
)

// commonPasswords loads the list on first use: decompressing it costs a few
// milliseconds and megabytes that commands which never see a password (for
// example `canopy migrate`) should not pay.
func commonPasswords() map[string]int {
	blocklistOnce.Do(func() {
		m, err := parseBlocklist(commonPasswordsGz)
		if err != nil {
			// The data is compiled in, so this is a broken build, not a
			// runtime condition worth handling.
			panic(err)
		}
		blocklist = m
	})
	return blocklist
}

func parseBlocklist(gz []byte) (map[string]int, error) {
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		return nil, fmt.Errorf("auth: read password blocklist: %w", err)
	}
	m := make(map[string]int, 50000)
	sc := bufio.NewScanner(zr)
	for sc.Scan() {
		if w := sc.Text(); w != "" {
			if _, dup := m[w]; !dup {
				m[w] = len(m) + 1
			}
		}
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("auth: read password blocklist: %w", err)
	}
	return m, nil
}

// commonRank returns the frequency rank of a lowercase entry of the list.
func commonRank(lower string) (int, bool) {
	r, ok := commonPasswords()[lower]
	return r, ok
}

// minDerivedMatch is the shortest listed word that counts when reached by
// stripping or un-leeting: shorter words ("love", "dragon") are fine as
// part of a longer passphrase, but "Password1234567!" is just "password".
const minDerivedMatch = 8

// IsCommonPassword reports whether pw is on the common/breached list,
// ignoring case, or reduces to a listed word of at least minDerivedMatch
// characters once leading/trailing digits and symbols are stripped and
// leetspeak (p@ssw0rd) is undone.
func IsCommonPassword(pw string) bool {
	lower := strings.ToLower(normalizePassword(pw))
	if _, ok := commonRank(lower); ok {
		return true
	}
	for _, c := range derivedForms(lower) {
		if utf8.RuneCountInString(c) < minDerivedMatch {
			continue
		}
		if _, ok := commonRank(c); ok {
			return true
		}
	}
	return false
}

// derivedForms are the simplifications people apply to a listed password to
// get past naive checks: padding with digits/symbols and leetspeak. Padding
// is stripped on each side separately before un-leeting, so "@dmin2024"
// keeps the '@' that stands for a letter but loses the "2024" that would
// otherwise un-leet into "zoza"-like noise; what remains is trimmed again.
func derivedForms(lower string) []string {
	bases := []string{
		lower,
		strings.TrimRightFunc(lower, notLetter),
		strings.TrimLeftFunc(lower, notLetter),
		strings.TrimFunc(lower, notLetter),
	}
	var forms []string
	for _, b := range bases {
		forms = append(forms, strings.TrimFunc(b, notLetter))
		for _, v := range leetVariants(b) {
			forms = append(forms, v, strings.TrimFunc(v, notLetter))
		}
	}
	return forms
}

func notLetter(r rune) bool { return !unicode.IsLetter(r) }

// leetReplacers undo common substitutions; '1' and '|' stand for 'i' as
// often as for 'l', so there are two.
var leetReplacers = []*strings.Replacer{
	strings.NewReplacer("4", "a", "@", "a", "8", "b", "3", "e", "6", "g", "9", "g",
		"1", "i", "!", "i", "|", "i", "0", "o", "5", "s", "$", "s", "7", "t", "+", "t"),
	strings.NewReplacer("4", "a", "@", "a", "8", "b", "3", "e", "6", "g", "9", "g",
		"1", "l", "!", "i", "|", "l", "0", "o", "5", "s", "$", "s", "7", "t", "+", "t"),
}

// leetVariants returns the de-leeted forms of s that differ from it.
func leetVariants(s string) []string {
	var out []string
	for _, r := range leetReplacers {
		if v := r.Replace(s); v != s && (len(out) == 0 || out[0] != v) {
			out = append(out, v)
		}
	}
	return out
}
