package web

import (
	"encoding/json"

	"github.com/canopyhq/canopy/internal/auth"
)

// SignInEmailPage is the first sign-in step: the email decides whether the
// person continues with a password or is sent to their identity provider.
type SignInEmailPage struct {
	Layout
	Email string
	Next  string // where to go after sign-in; posted back as "next"
	Error string
}

func (SignInEmailPage) Template() string { return "signin_email" }

// SignInPasswordPage asks for the password of a local account.
type SignInPasswordPage struct {
	Layout
	Email string
	Next  string
	Error string
}

func (SignInPasswordPage) Template() string { return "signin_password" }

// SignInMFAPage asks for the second factor, a TOTP code or a recovery code.
type SignInMFAPage struct {
	Layout
	Next        string
	Error       string
	UseRecovery bool // open the recovery-code form, e.g. after it failed
}

func (SignInMFAPage) Template() string { return "signin_mfa" }

// ForgotPage requests a password-reset link.
type ForgotPage struct {
	Layout
	Email string
	Sent  bool // show the neutral "if an account exists" message
	Error string
}

func (ForgotPage) Template() string { return "forgot" }

// ResetPage sets a new password from an emailed link.
type ResetPage struct {
	Layout
	FormErrors
	Token       string
	Email       string // of the account, when known: feeds the strength check
	Done        bool
	InvalidLink bool // the link expired or was used
}

func (ResetPage) Template() string { return "reset" }

// NewPassword describes the page's new-password fields.
func (p ResetPage) NewPassword() NewPasswordView {
	return newPasswordView("reset", p.Email, p.FieldErrors)
}

// AcceptInvitePage lets an invited person choose their name and password.
type AcceptInvitePage struct {
	Layout
	FormErrors
	Token       string
	Email       string
	Name        string
	OrgName     string
	InviterName string
	Done        bool
	InvalidLink bool
}

func (AcceptInvitePage) Template() string { return "accept_invite" }

// NewPassword describes the page's new-password fields.
func (p AcceptInvitePage) NewPassword() NewPasswordView {
	return newPasswordView("invite", p.Email, p.FieldErrors)
}

// NotSetUpPage is shown when single sign-on succeeded but no Canopy
// account matches the person.
type NotSetUpPage struct {
	Layout
	Email         string
	ProviderName  string   // e.g. "Microsoft Entra ID"; optional
	AdminContacts []string // whom to ask; empty means "your IT administrator"
}

func (NotSetUpPage) Template() string { return "not_set_up" }

// NewPasswordView drives the shared new-password + confirm + strength
// meter fields (template "new_password").
type NewPasswordView struct {
	ID           string // prefix making element ids unique on the page
	Email        string // sent with the strength check so it can penalise it
	MinLength    int
	MaxLength    int
	PasswordErr  string
	ConfirmErr   string
	CurrentField bool // also ask for the current password (profile)
	CurrentErr   string
}

func newPasswordView(id, email string, fe FieldErrors) NewPasswordView {
	return NewPasswordView{
		ID:          id,
		Email:       email,
		MinLength:   auth.MinPasswordLength,
		MaxLength:   auth.MaxPasswordLength,
		PasswordErr: fe.Get("password"),
		ConfirmErr:  fe.Get("password_confirm"),
		CurrentErr:  fe.Get("current_password"),
	}
}

// StrengthVals is the hx-vals JSON that adds the email to the strength
// check; empty when the email is unknown.
func (v NewPasswordView) StrengthVals() string {
	if v.Email == "" {
		return ""
	}
	b, err := json.Marshal(map[string]string{"email": v.Email})
	if err != nil {
		return ""
	}
	return string(b)
}

// StrengthView is the data of the "strength" partial returned to htmx by
// POST /password/strength.
type StrengthView struct {
	Score      int // 0 (very weak) to 4 (very strong)
	Label      string
	Feedback   []string
	Acceptable bool
}

// Level clamps Score to 0..4 for the meter's CSS.
func (s StrengthView) Level() int { return min(max(s.Score, 0), 4) }
