package auth

import (
	"math"
	"regexp"
	"strings"
	"testing"
)

var recoveryCodeRE = regexp.MustCompile(`^[23456789abcdefghjkmnpqrstuvwxyz]{4}-[23456789abcdefghjkmnpqrstuvwxyz]{4}-[23456789abcdefghjkmnpqrstuvwxyz]{4}$`)

func TestNewRecoveryCodes(t *testing.T) {
	codes := NewRecoveryCodes(RecoveryCodeCount)
	if len(codes) != RecoveryCodeCount {
		t.Fatalf("got %d codes; want %d", len(codes), RecoveryCodeCount)
	}
	seen := map[string]bool{}
	for _, c := range codes {
		if !recoveryCodeRE.MatchString(c) {
			t.Fatalf("code %q is not in the xxxx-xxxx-xxxx unambiguous format", c)
		}
		if seen[c] {
			t.Fatalf("duplicate code %q", c)
		}
		seen[c] = true
	}
	if len(NewRecoveryCodes(0)) != 0 {
		t.Fatal("NewRecoveryCodes(0) returned codes")
	}
}

func TestRecoveryCodeEntropy(t *testing.T) {
	bits := float64(recoveryGroups*recoveryGroupSize) * math.Log2(float64(len(recoveryAlphabet)))
	if bits < 50 {
		t.Fatalf("recovery codes carry %.1f bits; want at least 50", bits)
	}
	for _, ambiguous := range "01ilo" {
		if strings.ContainsRune(recoveryAlphabet, ambiguous) {
			t.Fatalf("alphabet contains ambiguous %q", ambiguous)
		}
	}
	// Every symbol must be reachable: 300 codes give 3600 draws, about 116
	// per symbol, so a missing one means a biased or broken generator.
	counts := map[rune]int{}
	for _, c := range NewRecoveryCodes(300) {
		for _, r := range strings.ReplaceAll(c, "-", "") {
			counts[r]++
		}
	}
	for _, r := range recoveryAlphabet {
		if counts[r] == 0 {
			t.Fatalf("symbol %q never drawn in 3600 draws", r)
		}
	}
}

func TestHashRecoveryCode(t *testing.T) {
	// sha256("k7m2x9qp4hzt"), computed independently.
	const want = "a04936cb9811033b9d367c1e8e23effd6ddf533a018ea2705761f0b9e946c6ce"
	for _, in := range []string{"k7m2-x9qp-4hzt", "K7M2-X9QP-4HZT", "k7m2x9qp4hzt", " k7m2 x9qp 4hzt\n", "K7M2 - X9QP - 4HZT"} {
		if got := HashRecoveryCode(in); got != want {
			t.Errorf("HashRecoveryCode(%q) = %s; want %s", in, got, want)
		}
	}
	if HashRecoveryCode("k7m2-x9qp-4hzu") == want {
		t.Error("a different code hashed to the same value")
	}
}
