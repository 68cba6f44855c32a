package e2e

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
)

const (
	mfaSubmit      = `form[action="/signin/mfa"] button.btn-primary`
	recoverySubmit = `details.disclosure form[action="/signin/mfa"] button[type=submit]`
	badCode        = "That code is not valid. Check your authenticator app and try again."
)

// totpAt is the code an authenticator app shows during a time step.
func totpAt(t *testing.T, secret string, step int64) string {
	t.Helper()
	code, err := auth.TOTPCode(secret, time.Unix(step*auth.TOTPPeriod, 0))
	if err != nil {
		t.Fatal(err)
	}
	return code
}

// enrolMFA sets up two-step verification from the profile and returns the
// secret read off the page, the time step of the code used, and the
// recovery codes shown.
func enrolMFA(b *tab) (secret string, step int64, codes []string) {
	b.t.Helper()
	b.open("/profile")
	b.submit(`a[href="/profile/mfa/setup"]`)
	b.mustSee("Set up two-step verification", "Scan the QR code")
	if !evalJS[bool](b, `(() => { const q = document.querySelector("img.qr");
		return !!q && q.complete && q.naturalWidth > 0 && q.src.startsWith("data:image/png"); })()`) {
		b.fatalf("the setup page shows no QR code image")
	}
	b.shot("mfa-setup")
	shown := strings.ReplaceAll(b.textOf("#mfa-secret"), " ", "")
	secret = evalJS[string](b, `document.querySelector(".copy-row [data-copy-text]").dataset.copyText`)
	if shown == "" || shown != secret {
		b.fatalf("the secret on the page %q differs from the one the Copy button copies %q", shown, secret)
	}

	step = auth.TOTPStep(time.Now())
	b.fill("#code", wrongCode(b.t, secret, step))
	if st := b.submit(`form[action="/profile/mfa/enable"] button[type=submit]`); st < 400 {
		b.fatalf("a wrong code turned MFA on: status %d", st)
	}
	b.mustSee(badCode)

	step = auth.TOTPStep(time.Now())
	b.fill("#code", totpAt(b.t, secret, step))
	if st := b.submit(`form[action="/profile/mfa/enable"] button[type=submit]`); st != http.StatusOK {
		b.fatalf("turn on MFA: status %d", st)
	}
	b.mustSee("Your recovery codes", "This is the only time they are shown.")
	codes = evalJS[[]string](b, `[...document.querySelectorAll("#recovery-codes code")].map(c => c.innerText.trim())`)
	if len(codes) < 5 {
		b.fatalf("recovery codes page lists %d codes", len(codes))
	}
	b.shot("recovery-codes")
	b.submit(`a.btn-primary`)
	return secret, step, codes
}

// wrongCode is a six-digit code that no step near `step` accepts.
func wrongCode(t *testing.T, secret string, step int64) string {
	valid := []string{totpAt(t, secret, step-1), totpAt(t, secret, step), totpAt(t, secret, step+1), totpAt(t, secret, step+2)}
	for i := 0; ; i++ {
		c := fmt.Sprintf("%06d", (i*137_731)%1_000_000)
		if !slices.Contains(valid, c) {
			return c
		}
	}
}

// toMFAStep signs in with a password and expects the second step.
func (b *tab) toMFAStep(email, pw string) {
	b.t.Helper()
	if st := b.signInSteps(email, pw); st != http.StatusOK {
		b.fatalf("password step: status %d", st)
	}
	if p := b.path(); p != "/signin/mfa" {
		b.fatalf("with MFA on, the password led to %s, want /signin/mfa", p)
	}
	b.mustSee("Two-step verification")
}

func TestMFAEnrolAndSignInWithCodeAndRecoveryCode(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	const email = "mia@acme.test"
	otp := n.addUser(t, email, "Acme", "owner")
	b := newTab(t, n.URL)
	pw := b.firstSignIn(email, otp)

	secret, step, codes := enrolMFA(b)
	b.open("/profile")
	b.mustSee(fmt.Sprintf("You have %d unused recovery codes.", len(codes)))
	b.signOut()

	// The server refuses a code from a step already used, so sign in with
	// the next step's code (accepted as clock drift) and never replay.
	b.toMFAStep(email, pw)
	b.shot("signin-mfa")
	next := totpAt(t, secret, step+1)
	b.fill("#code", next)
	b.submit(mfaSubmit)
	if p := b.path(); p != "/" {
		b.fatalf("a valid TOTP code led to %s, want the overview", p)
	}
	b.mustSee("You are working in Acme")
	b.signOut()

	b.toMFAStep(email, pw)
	b.fill("#code", next)
	if st := b.submit(mfaSubmit); st != http.StatusUnauthorized {
		t.Errorf("replayed TOTP code: status %d, want 401", st)
	}
	b.mustSee(badCode)
	recoveryCodeWorksOnce(b, email, pw, codes)
}

// recoveryCodeWorksOnce finishes a pending second step with a recovery
// code, then shows the same code refused at the next sign-in.
func recoveryCodeWorksOnce(b *tab, email, pw string, codes []string) {
	b.t.Helper()
	signInWithRecoveryCode(b, codes[0])
	b.open("/profile")
	b.mustSee(fmt.Sprintf("You have %d unused recovery codes.", len(codes)-1))
	b.signOut()

	b.toMFAStep(email, pw)
	b.click(`details.disclosure summary`)
	b.fill("#recovery_code", codes[0])
	if st := b.submit(recoverySubmit); st != http.StatusUnauthorized {
		b.t.Errorf("reused recovery code: status %d, want 401", st)
	}
	if p := b.path(); p != "/signin/mfa" {
		b.fatalf("a used recovery code led to %s", p)
	}
	b.mustSee(badCode)
}

// signInWithRecoveryCode finishes the second step with a recovery code.
func signInWithRecoveryCode(b *tab, code string) {
	b.t.Helper()
	b.click(`details.disclosure summary`)
	b.fill("#recovery_code", code)
	b.submit(recoverySubmit)
	if p := b.path(); p != "/" {
		b.fatalf("a recovery code led to %s, want the overview", p)
	}
}
