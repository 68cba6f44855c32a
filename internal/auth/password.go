// Package auth holds Canopy's accounts, sessions, MFA, API tokens and the
// role/permission model. The files password.go, blocklist.go, strength.go,
// totp.go, recovery.go, secrettoken.go and permissions.go are pure security
// primitives with no storage; the services built on them live beside them.
package auth

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync/atomic"
	"unicode/utf8"

	"github.com/alexedwards/argon2id"
	"golang.org/x/text/unicode/norm"

	"github.com/canopyhq/canopy/internal/domain"
)

// Password length limits in Unicode code points after NFKC normalisation.
// NIST SP 800-63B rev 4 requires a minimum of 15 for single-factor use and
// that at least 64 be allowed; 256 leaves room for passphrases while
// bounding the work a single request can cause.
const (
	MinPasswordLength = 15
	MaxPasswordLength = 256
)

// DefaultPasswordParams are the production Argon2id parameters.
//
// OWASP's Password Storage Cheat Sheet gives m=19 MiB, t=2, p=1 as the
// minimum Argon2id configuration; RFC 9106 recommends 64 MiB as the
// memory-constrained choice. We use 64 MiB with t=2: more than three times
// OWASP's minimum memory at the same pass count, which raises the cost of
// GPU/ASIC cracking (memory is what makes Argon2id expensive for attackers)
// while keeping one hash at roughly 100-200 ms on a 2-core server
// (BenchmarkHashPasswordDefault); t=3 would add a third for little gain.
// p=2 matches the smallest supported deployment. Salt 16 and key 32 bytes
// are what both documents recommend. Each hash in flight holds 64 MiB, so
// the sign-in service should bound concurrent hashing. Raise these freely
// later: CheckPassword reports needsRehash, so stored hashes upgrade at
// the next sign-in.
var DefaultPasswordParams = &argon2id.Params{
	Memory:      64 * 1024,
	Iterations:  2,
	Parallelism: 2,
	SaltLength:  16,
	KeyLength:   32,
}

// FastInsecurePasswordParams make hashing take microseconds. They exist for
// tests only (install them with SetPasswordParams); never use them in a
// running server.
var FastInsecurePasswordParams = &argon2id.Params{
	Memory:      64,
	Iterations:  1,
	Parallelism: 1,
	SaltLength:  16,
	KeyLength:   32,
}

// passwordParams is swappable because hashing with production parameters
// makes every test that creates a user slow.
var passwordParams atomic.Pointer[argon2id.Params]

func init() { passwordParams.Store(DefaultPasswordParams) }

// PasswordParams returns the parameters new hashes are made with.
func PasswordParams() *argon2id.Params { return passwordParams.Load() }

// SetPasswordParams replaces the parameters HashPassword uses and
// CheckPassword compares against, and returns a function restoring the
// previous ones. Meant for tests: t.Cleanup(auth.SetPasswordParams(p)).
func SetPasswordParams(p *argon2id.Params) (restore func()) {
	old := passwordParams.Swap(p)
	return func() { passwordParams.Store(old) }
}

// normalizePassword applies NFKC so that the same password typed on
// different keyboards or input methods (composed vs decomposed accents,
// full-width digits) hashes identically, as SP 800-63B recommends.
func normalizePassword(pw string) string { return norm.NFKC.String(pw) }

// HashPassword hashes pw with the current parameters (see PasswordParams).
func HashPassword(pw string) (string, error) {
	return HashPasswordWith(pw, PasswordParams())
}

// HashPasswordWith hashes pw with explicit Argon2id parameters.
func HashPasswordWith(pw string, p *argon2id.Params) (string, error) {
	if err := checkParams(p); err != nil {
		return "", err
	}
	release := acquireHashSlot()
	h, err := argon2id.CreateHash(normalizePassword(pw), p)
	release()
	if err != nil {
		return "", fmt.Errorf("hash password: %w", err)
	}
	return h, nil
}

// CheckPassword reports whether pw matches encodedHash and, if it does,
// whether the hash was made with parameters other than the current ones
// and should be replaced by HashPassword(pw) now that the plain password is
// at hand. err is non-nil only for a malformed or unsupported hash.
func CheckPassword(pw, encodedHash string) (ok bool, needsRehash bool, err error) {
	return CheckPasswordContext(context.Background(), pw, encodedHash)
}

// CheckPasswordContext is CheckPassword that gives up, with ctx's error,
// while it waits for a hash slot and ctx ends.
func CheckPasswordContext(ctx context.Context, pw, encodedHash string) (ok bool, needsRehash bool, err error) {
	p, _, _, err := argon2id.DecodeHash(encodedHash)
	if err != nil {
		return false, false, fmt.Errorf("check password: %w", err)
	}
	// Stored hashes are trusted data, but a corrupt one must not crash the
	// process (argon2 panics on zero parallelism) or exhaust memory.
	if err := checkParams(p); err != nil {
		return false, false, err
	}
	release, err := acquireHashSlotContext(ctx)
	if err != nil {
		return false, false, err
	}
	ok, _, err = argon2id.CheckHash(normalizePassword(pw), encodedHash)
	release()
	if err != nil || !ok {
		return false, false, err
	}
	return true, !sameParams(p, PasswordParams()), nil
}

func sameParams(a, b *argon2id.Params) bool {
	return a.Memory == b.Memory && a.Iterations == b.Iterations &&
		a.Parallelism == b.Parallelism && a.SaltLength == b.SaltLength &&
		a.KeyLength == b.KeyLength
}

// errBadParams marks Argon2id parameters outside the range we accept.
var errBadParams = errors.New("argon2id parameters out of range")

// checkParams bounds parameters: argon2 needs 8 KiB of memory per lane and
// at least one pass; the upper bounds stop a corrupt hash from costing
// gigabytes or minutes.
func checkParams(p *argon2id.Params) error {
	switch {
	case p == nil, p.Parallelism == 0, p.Iterations == 0, p.Iterations > 64,
		p.Memory < 8*uint32(p.Parallelism), p.Memory > 1<<20,
		p.SaltLength < 8, p.KeyLength < 16:
		return fmt.Errorf("auth: %w", errBadParams)
	}
	return nil
}

// ValidateNewPassword applies the SP 800-63B rules for a password a person
// chooses: length limits, no blocklisted or trivially guessable values, and
// nothing derived from the context (the product name, the user's email).
// It deliberately imposes no composition rules (no "must contain a digit").
// contextWords may include whole email addresses; see contextTerms.
// The returned error is a *domain.Error with Code "invalid" and Field
// "password"; its message is safe to show and never contains the password.
func ValidateNewPassword(pw string, contextWords ...string) error {
	if !utf8.ValidString(pw) {
		return passwordError("Password contains characters that are not valid text.")
	}
	pw = normalizePassword(pw)
	n := utf8.RuneCountInString(pw)
	switch {
	case n < MinPasswordLength:
		return passwordError(fmt.Sprintf("Password must be at least %d characters long (it has %d). A few unrelated words make a long password easy to remember.", MinPasswordLength, n))
	case n > MaxPasswordLength:
		return passwordError(fmt.Sprintf("Password must be at most %d characters long (it has %d).", MaxPasswordLength, n))
	case IsCommonPassword(pw):
		return passwordError("This password is on a list of common or breached passwords. Choose a different one.")
	case isRepetitiveOrSequential(pw):
		return passwordError("This password is too repetitive or follows a simple sequence (such as aaaa, 1234, abcd or qwerty). Choose a less predictable one.")
	}
	if w, found := containsContextWord(pw, contextWords); found {
		return passwordError(fmt.Sprintf("Password must not contain %q (it is too easy to guess for someone who knows you or this site).", w))
	}
	return nil
}

func passwordError(msg string) *domain.Error {
	return &domain.Error{Code: domain.CodeInvalid, Field: "password", Message: msg}
}

// productWords are always treated as context: a password built around the
// site's own name is among the first things an attacker tries.
var productWords = []string{"canopy"}

// minContextWord is the shortest context word we look for; shorter ones
// ("al", "bob") occur by chance in good passwords.
const minContextWord = 4

// containsContextWord reports the first context term found in pw,
// case-insensitively and also after undoing leetspeak substitutions.
func containsContextWord(pw string, words []string) (string, bool) {
	lower := strings.ToLower(pw)
	forms := append([]string{lower}, leetVariants(lower)...)
	for _, term := range contextTerms(words) {
		for _, f := range forms {
			if strings.Contains(f, term) {
				return term, true
			}
		}
	}
	return "", false
}

// contextTerms expands context words into the terms to look for: an email
// address contributes its local part and the parts of that separated by
// . _ - or +; terms shorter than minContextWord are dropped.
func contextTerms(words []string) []string {
	var terms []string
	add := func(t string) {
		if utf8.RuneCountInString(t) >= minContextWord {
			terms = append(terms, t)
		}
	}
	all := append(append([]string(nil), productWords...), words...)
	for _, w := range all {
		w = strings.ToLower(normalizePassword(strings.TrimSpace(w)))
		if at := strings.LastIndexByte(w, '@'); at >= 0 {
			w = w[:at]
		}
		add(w)
		parts := strings.FieldsFunc(w, func(r rune) bool { return strings.ContainsRune("._-+ ", r) })
		if len(parts) > 1 {
			for _, p := range parts {
				add(p)
			}
		}
	}
	return terms
}
