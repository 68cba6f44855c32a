package auth

import (
	"math"
	"unicode"

	"github.com/canopyhq/canopy/internal/domain"
)

// StrengthReport is advice shown while a person types a new password.
// Score runs 0..4 with Label "Too weak", "Weak", "Fair", "Good", "Strong".
// Acceptable says whether ValidateNewPassword would accept the password;
// Score 0 ("Too weak") is reserved for unacceptable passwords so the meter
// never calls a password that can be saved "too weak", and unacceptable
// ones never score above 1.
type StrengthReport struct {
	Score      int
	Label      string
	Feedback   []string
	Acceptable bool
}

var strengthLabels = [5]string{"Too weak", "Weak", "Fair", "Good", "Strong"}

// scoreBits are the estimated-entropy thresholds for scores 1..4. 75 bits
// resists an offline attack on a leaked Argon2id hash for decades; 30 bits
// only survives online guessing behind rate limits.
var scoreBits = [4]float64{30, 45, 60, 75}

// PasswordStrength rates pw for the UI. The estimate is deliberately
// simple (no full zxcvbn): character pool times unpredictable characters,
// listed words counted by their frequency rank, repeats counted once.
func PasswordStrength(pw string, contextWords ...string) StrengthReport {
	var rep StrengthReport
	err := ValidateNewPassword(pw, contextWords...)
	rep.Acceptable = err == nil
	runes := []rune(normalizePassword(pw))
	bits, usedWords := estimateBits(runes)
	rep.Score = scoreFor(bits)
	if !rep.Acceptable {
		rep.Score = min(rep.Score, 1)
		rep.Feedback = append(rep.Feedback, domain.ErrorMessage(err))
	} else {
		rep.Score = max(rep.Score, 1)
	}
	rep.Label = strengthLabels[rep.Score]
	rep.Feedback = append(rep.Feedback, strengthHints(runes, rep.Score, usedWords)...)
	return rep
}

func scoreFor(bits float64) int {
	score := 0
	for _, t := range scoreBits {
		if bits >= t {
			score++
		}
	}
	return score
}

func strengthHints(runes []rune, score int, usedWords bool) []string {
	if score >= 4 {
		return nil
	}
	var hints []string
	// Below the minimum the validation message already asks for length.
	if len(runes) >= MinPasswordLength && len(runes) < 20 {
		hints = append(hints, "Add another word or two: length adds more strength than symbols or digits.")
	}
	if usedWords {
		hints = append(hints, "Common words are guessed first; combine several unrelated ones or use an unusual word.")
	}
	if lr := lowerRunes(runes); len(lr) > 0 && surprises(lr)*2 < len(lr) {
		hints = append(hints, "Avoid repeated characters and keyboard or alphabet sequences.")
	}
	return hints
}

// estimateBits estimates the entropy of a password in bits, and whether
// listed words made up part of it.
func estimateBits(runes []rune) (float64, bool) {
	lower := lowerRunes(runes)
	if len(lower) == 0 {
		return 0, false
	}
	// A password that is a short unit repeated is as strong as the unit
	// plus the choice of how often to repeat it.
	if p := period(lower); p <= len(lower)/2 {
		bits, used := estimateBits(runes[:p])
		return bits + math.Log2(float64(len(lower)/p)) + 1, used
	}
	pool := math.Log2(poolSize(runes))
	bits, used := 0.0, false
	for i := 0; i < len(lower); {
		if n, rank := longestWordAt(lower, i); n > 0 {
			bits += math.Log2(float64(rank)) + 1 + caseBits(runes[i:i+n])
			used = true
			i += n
			continue
		}
		if i > 0 && predictable(lower[i-1], lower[i]) {
			bits++ // same, next or neighbouring key: a handful of choices
		} else {
			bits += pool
		}
		i++
	}
	return bits, used
}

// minDictWord is the shortest listed word the estimate discounts; shorter
// matches are too frequent to mean anything.
const minDictWord = 4

// maxDictWord bounds the search; no entry of the list is longer.
const maxDictWord = 24

// longestWordAt finds the longest listed word starting at i and returns
// its length and frequency rank, or 0, 0.
func longestWordAt(lower []rune, i int) (int, int) {
	for n := min(maxDictWord, len(lower)-i); n >= minDictWord; n-- {
		if rank, ok := commonRank(string(lower[i : i+n])); ok {
			return n, rank
		}
	}
	return 0, 0
}

// caseBits: capitalising the first letter is the expected habit and adds
// a bit; any other capitalisation adds one bit per capital.
func caseBits(seg []rune) float64 {
	uppers, firstOnly := 0, true
	for i, r := range seg {
		if unicode.IsUpper(r) {
			uppers++
			firstOnly = firstOnly && i == 0
		}
	}
	switch {
	case uppers == 0:
		return 0
	case firstOnly:
		return 1
	}
	return float64(uppers)
}

// poolSize is the alphabet an attacker must search given the kinds of
// characters present. Non-ASCII counts as 50, not thousands: such
// passwords are mostly words of one language with a few accented letters.
func poolSize(runes []rune) float64 {
	var lower, upper, digit, symbol, other bool
	for _, r := range runes {
		switch {
		case r >= 'a' && r <= 'z':
			lower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < 0x80:
			symbol = true
		default:
			other = true
		}
	}
	size := 0.0
	for _, c := range []struct {
		present bool
		n       float64
	}{{lower, 26}, {upper, 26}, {digit, 10}, {symbol, 33}, {other, 50}} {
		if c.present {
			size += c.n
		}
	}
	return max(size, 2)
}

// minSurprises is how many unpredictable characters a password needs not
// to count as a pure sequence: "1234abcd5678efgh" has four.
const minSurprises = 5

// minRepeatUnit is the shortest unit whose repetition we accept; below it
// ("abcabcabc...", "ab12ab12...") the password is one short word said twice.
const minRepeatUnit = 8

// isRepetitiveOrSequential reports passwords NIST calls repetitive or
// sequential: runs of one character, alphabet/number/keyboard sequences,
// and short units repeated.
func isRepetitiveOrSequential(pw string) bool {
	lower := lowerRunes([]rune(pw))
	if p := period(lower); p <= len(lower)/2 && p < minRepeatUnit {
		return true
	}
	return surprises(lower) < minSurprises
}

// lowerRunes lowercases rune by rune so indexes keep matching the input.
func lowerRunes(runes []rune) []rune {
	out := make([]rune, len(runes))
	for i, r := range runes {
		out[i] = unicode.ToLower(r)
	}
	return out
}

// surprises counts characters that do not follow from the previous one.
func surprises(lower []rune) int {
	n := 0
	for i, r := range lower {
		if i == 0 || !predictable(lower[i-1], r) {
			n++
		}
	}
	return n
}

// predictable: the same character, the next or previous code point
// (abc, 321), or a neighbour on a keyboard walk (qwerty, 1qaz2wsx).
func predictable(prev, cur rune) bool {
	if cur == prev || cur == prev+1 || cur == prev-1 {
		return true
	}
	return keyboardNeighbours[[2]rune{prev, cur}]
}

// keyboardWalks are the sequences people type by running a finger along a
// US keyboard: rows (joined end to start, as typed in "qwertyuiopasdfgh"),
// columns, and the shifted number row.
var keyboardWalks = []string{
	"1234567890-=qwertyuiop[]asdfghjkl;'zxcvbnm,./",
	"1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik,9ol.0p;/-['=]",
	"qazwsxedcrfvtgbyhnujmikolp",
	"!@#$%^&*()_+",
}

var keyboardNeighbours = buildKeyboardNeighbours()

func buildKeyboardNeighbours() map[[2]rune]bool {
	m := map[[2]rune]bool{}
	for _, w := range keyboardWalks {
		r := []rune(w)
		for i := 1; i < len(r); i++ {
			m[[2]rune{r[i-1], r[i]}] = true
			m[[2]rune{r[i], r[i-1]}] = true
		}
	}
	return m
}

// period returns the smallest p such that s[i] == s[i-p] for every i >= p
// (len(s) when s does not repeat), using the KMP failure function.
func period(s []rune) int {
	if len(s) == 0 {
		return 0
	}
	fail := make([]int, len(s))
	for i, k := 1, 0; i < len(s); i++ {
		for k > 0 && s[i] != s[k] {
			k = fail[k-1]
		}
		if s[i] == s[k] {
			k++
		}
		fail[i] = k
	}
	return len(s) - fail[len(s)-1]
}
