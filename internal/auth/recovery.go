package auth

import (
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"unicode"

	"github.com/canopyhq/canopy/internal/domain"
)

// RecoveryCodeCount is how many recovery codes a user gets at once.
const RecoveryCodeCount = 10

// recoveryAlphabet leaves out 0, 1, i, l and o, which are easily misread
// when a code is copied from paper. 31 symbols x 12 characters is about
// 59 bits per code.
const recoveryAlphabet = "23456789abcdefghjkmnpqrstuvwxyz"

const (
	recoveryGroups    = 3
	recoveryGroupSize = 4
)

// NewRecoveryCodes returns n single-use MFA recovery codes formatted like
// "k7m2-x9qp-4hzt". Store only HashRecoveryCode of each.
func NewRecoveryCodes(n int) []string {
	codes := make([]string, n)
	for i := range codes {
		codes[i] = newRecoveryCode()
	}
	return codes
}

func newRecoveryCode() string {
	var b strings.Builder
	for g := range recoveryGroups {
		if g > 0 {
			b.WriteByte('-')
		}
		for range recoveryGroupSize {
			b.WriteByte(recoveryAlphabet[uniformIndex(len(recoveryAlphabet))])
		}
	}
	return b.String()
}

// uniformIndex returns a uniformly random index below n (n <= 256),
// rejecting bytes past the largest multiple of n so no symbol is favoured.
func uniformIndex(n int) int {
	limit := 256 - 256%n
	for {
		if b := int(domain.RandomBytes(1)[0]); b < limit {
			return b % n
		}
	}
}

// HashRecoveryCode returns the SHA-256 hex of the code with case, dashes
// and spaces normalised away, so "K7M2 X9QP 4HZT" matches the stored hash
// of "k7m2-x9qp-4hzt". A fast unsalted hash suffices: the codes carry ~59
// random bits, so there is nothing for a dictionary or a slow hash to add.
func HashRecoveryCode(code string) string {
	norm := strings.Map(func(r rune) rune {
		if r == '-' || unicode.IsSpace(r) {
			return -1
		}
		return unicode.ToLower(r)
	}, code)
	sum := sha256.Sum256([]byte(norm))
	return hex.EncodeToString(sum[:])
}
