package auth

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/domain"
)

func TestPasswordStrengthScores(t *testing.T) {
	tests := []struct {
		pw         string
		context    []string
		score      int
		acceptable bool
	}{
		{"abc", nil, 0, false},
		{"aaaaaaaaaaaaaaaa", nil, 0, false},
		{"Password1234567!", nil, 0, false},
		{"my canopy password is great", nil, 1, false}, // long, but capped
		{"Jane walks her dog to the river", []string{"jane@example.com"}, 1, false},
		{"sunshine football", nil, 1, true}, // two top-20 words
		{"Summer2024Summer2024", nil, 1, true},
		{"Xq7#mountain!Lk", nil, 2, true},
		{"correct horse battery staple", nil, 3, true},
		{"vK8#qZ2!mW7$pR4@xN", nil, 4, true},
		{"Tr0ub4dor&3 horse canyon", nil, 4, true},
	}
	for _, tc := range tests {
		t.Run(tc.pw, func(t *testing.T) {
			r := PasswordStrength(tc.pw, tc.context...)
			if r.Score != tc.score || r.Acceptable != tc.acceptable {
				t.Fatalf("PasswordStrength = %+v; want score %d, acceptable %v", r, tc.score, tc.acceptable)
			}
			checkReportInvariants(t, tc.pw, tc.context, r)
		})
	}
}

// checkReportInvariants holds for every password, including fuzzed ones.
func checkReportInvariants(t *testing.T, pw string, context []string, r StrengthReport) {
	t.Helper()
	err := ValidateNewPassword(pw, context...)
	if r.Acceptable != (err == nil) {
		t.Fatalf("Acceptable = %v but ValidateNewPassword = %v", r.Acceptable, err)
	}
	if r.Score < 0 || r.Score > 4 || r.Label != strengthLabels[r.Score] {
		t.Fatalf("score %d with label %q", r.Score, r.Label)
	}
	if !r.Acceptable && (r.Score > 1 || len(r.Feedback) == 0 || r.Feedback[0] != domain.ErrorMessage(err)) {
		t.Fatalf("unacceptable password: report %+v, validation %v", r, err)
	}
	if r.Acceptable && r.Score == 0 {
		t.Fatalf("acceptable password rated %q", r.Label)
	}
	for _, f := range r.Feedback {
		// Naming a context word is fine even if the whole password is one.
		if len(pw) >= 4 && strings.Contains(f, pw) && !inContext(pw, context) {
			t.Fatalf("feedback %q repeats the password", f)
		}
	}
}

func inContext(pw string, context []string) bool {
	for _, c := range context {
		if strings.Contains(strings.ToLower(normalizePassword(c)), strings.ToLower(normalizePassword(pw))) {
			return true
		}
	}
	return false
}

func TestPasswordStrengthLabels(t *testing.T) {
	want := []string{"Too weak", "Weak", "Fair", "Good", "Strong"}
	if !slices.Equal(strengthLabels[:], want) {
		t.Fatalf("labels = %q; want %q", strengthLabels, want)
	}
}

func TestPasswordStrengthFeedback(t *testing.T) {
	tests := []struct {
		pw       string
		want     []string // substrings that must appear, in any entry
		wantNone bool
	}{
		{"vK8#qZ2!mW7$pR4@xN", nil, true},
		{"sunshine football", []string{"Add another word", "Common words"}, false},
		{"short", []string{"at least 15 characters"}, false},
		{"qwertyuiopasdfgh", []string{"simple sequence", "keyboard or alphabet sequences"}, false},
	}
	for _, tc := range tests {
		r := PasswordStrength(tc.pw)
		if tc.wantNone && len(r.Feedback) != 0 {
			t.Errorf("PasswordStrength(%q).Feedback = %q; want none", tc.pw, r.Feedback)
		}
		all := strings.Join(r.Feedback, "\n")
		for _, w := range tc.want {
			if !strings.Contains(all, w) {
				t.Errorf("PasswordStrength(%q).Feedback = %q; want mention of %q", tc.pw, r.Feedback, w)
			}
		}
	}
}

func TestEstimateBitsOrdering(t *testing.T) {
	// Each password should be estimated stronger than the one before.
	ladder := []string{
		"password",
		"sunshine football",
		"sunshine football xylophone",
		"sunshine football xylophone quagmire",
		"vK8#qZ2!mW7$pR4@xN",
	}
	prev := -1.0
	for _, pw := range ladder {
		bits, _ := estimateBits([]rune(pw))
		if bits <= prev {
			t.Fatalf("estimateBits(%q) = %.1f, not above the previous %.1f", pw, bits, prev)
		}
		prev = bits
	}
	repeated, _ := estimateBits([]rune("Kq9!zR2#Kq9!zR2#Kq9!zR2#"))
	once, _ := estimateBits([]rune("Kq9!zR2#"))
	if repeated > once+3 {
		t.Fatalf("repeating a unit three times added %.1f bits; want at most 3", repeated-once)
	}
}

func TestPeriod(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"", 0}, {"a", 1}, {"aaaa", 1}, {"abab", 2}, {"ababa", 2},
		{"abcabcab", 3}, {"abcd", 4}, {"aab", 3}, {"passwordpassword", 8},
	}
	for _, tc := range tests {
		if got := period([]rune(tc.s)); got != tc.want {
			t.Errorf("period(%q) = %d; want %d", tc.s, got, tc.want)
		}
	}
}

func TestSurprises(t *testing.T) {
	tests := []struct {
		s    string
		want int
	}{
		{"aaaa", 1}, {"abcd", 1}, {"dcba", 1}, {"qwerty", 1}, {"1qaz2wsx", 1},
		{"!@#$%", 1}, {"asdf;lkj", 2}, {"1234abcd5678efgh", 4}, {"xkcd", 3}, {"xqzj", 4},
	}
	for _, tc := range tests {
		if got := surprises([]rune(tc.s)); got != tc.want {
			t.Errorf("surprises(%q) = %d; want %d", tc.s, got, tc.want)
		}
	}
}

func FuzzPasswordStrength(f *testing.F) {
	for _, s := range []string{
		"", "a", "correct horse battery staple", "P@ssw0rd12345678", "qwertyuiopasdfgh",
		"我的密码是一个很长的句子哦哈哈", "\xff\xfe\x00", "cafe\u0301", "\ufb03\ufb03\ufb03\ufb03\ufb03",
		strings.Repeat("ab", 200), "İİİİİİİİİİİİİİİİ", "canopy", "jane.doe@example.com",
	} {
		f.Add(s, "jane.doe@example.com")
	}
	f.Fuzz(func(t *testing.T, pw, ctx string) {
		r := PasswordStrength(pw, ctx)
		checkReportInvariants(t, pw, []string{ctx}, r)
		if utf8.ValidString(pw) && r.Acceptable && IsCommonPassword(pw) {
			t.Fatalf("acceptable password %q is on the blocklist", pw)
		}
	})
}
