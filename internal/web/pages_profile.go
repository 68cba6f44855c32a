package web

import (
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// ProfilePage shows the signed-in person's account, password and MFA.
type ProfilePage struct {
	Layout
	Name              string
	Email             string
	HasPassword       bool       // false for SSO-only accounts: no password form
	Password          FormErrors // change-password form
	MFAEnabled        bool
	MFARequired       bool // the organisation requires MFA: no "Turn off"
	RecoveryCodesLeft int
	RecoveryForm      FormErrors // "regenerate recovery codes" form
	DisableForm       FormErrors // "turn off MFA" form
}

func (ProfilePage) Template() string { return "profile" }

// NewPassword describes the change-password fields.
func (p ProfilePage) NewPassword() NewPasswordView {
	v := newPasswordView("profile", p.Email, p.Password.FieldErrors)
	v.CurrentField = true
	return v
}

// MFASetupPage enrols an authenticator app.
type MFASetupPage struct {
	Layout
	QRPNG  []byte // PNG of the otpauth:// URI
	Secret string // base32 secret for manual entry
	Error  string
}

func (MFASetupPage) Template() string { return "mfa_setup" }

// SecretGroups spaces the secret in groups of four so it can be typed.
func (p MFASetupPage) SecretGroups() string {
	var b strings.Builder
	for i, r := range []rune(p.Secret) {
		if i > 0 && i%4 == 0 {
			b.WriteByte(' ')
		}
		b.WriteRune(r)
	}
	return b.String()
}

// RecoveryCodesPage shows freshly generated recovery codes, once.
type RecoveryCodesPage struct {
	Layout
	Codes       []string
	ContinueURL string // defaults to /profile
}

func (RecoveryCodesPage) Template() string { return "recovery_codes" }

// Continue is where the "I have stored them" link leads.
func (p RecoveryCodesPage) Continue() string {
	if p.ContinueURL != "" {
		return p.ContinueURL
	}
	return "/profile"
}

// CodesText is all codes, one a line, for the copy button.
func (p RecoveryCodesPage) CodesText() string { return strings.Join(p.Codes, "\n") }

// SessionView is one signed-in browser session.
type SessionView struct {
	ID         string
	Current    bool // the session making this request
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// SessionsPage lists the person's own sessions.
type SessionsPage struct {
	Layout
	Sessions []SessionView
}

func (SessionsPage) Template() string { return "sessions" }

// SessionsTable is what the shared sessions table shows.
type SessionsTable struct {
	Sessions   []SessionView
	CanRevoke  bool
	RevokeBase string // the revoke form posts to RevokeBase + ID + "/revoke"
}

// Table is the person's own sessions; any but the current one can be
// revoked.
func (p SessionsPage) Table() SessionsTable {
	return SessionsTable{Sessions: p.Sessions, CanRevoke: true, RevokeBase: "/profile/sessions/"}
}

// HasOthers reports whether "sign out everywhere else" has anything to do.
func (p SessionsPage) HasOthers() bool {
	for _, s := range p.Sessions {
		if !s.Current {
			return true
		}
	}
	return false
}

// TokenView is one personal API token.
type TokenView struct {
	ID         string
	Name       string
	Prefix     string // the first characters, to recognise the token
	CreatedAt  time.Time
	ExpiresAt  *time.Time // nil: never expires
	LastUsedAt *time.Time // nil: never used
	Revoked    bool
}

// Status is "Revoked", "Expired" or "Active".
func (t TokenView) Status() string {
	switch {
	case t.Revoked:
		return "Revoked"
	case t.ExpiresAt != nil && !t.ExpiresAt.After(domain.Now()):
		return "Expired"
	default:
		return "Active"
	}
}

// Option is one choice in a <select> or radio group.
type Option struct {
	Value string
	Label string
}

// TokenExpiryOptions are the lifetimes offered for new tokens, in days
// ("none" means the token does not expire).
var TokenExpiryOptions = []Option{
	{"7", "7 days"}, {"30", "30 days"}, {"90", "90 days"}, {"365", "1 year"}, {"none", "No expiry"},
}

// TokensPage lists and creates personal API tokens.
type TokensPage struct {
	Layout
	FormErrors
	Tokens       []TokenView
	Name         string // refills the create form after an error
	ExpiresIn    string // selected expires_in_days; default "90"
	NewToken     string // the full secret, shown once after creation
	NewTokenName string
}

func (TokensPage) Template() string { return "tokens" }

// ExpiryOptions returns the lifetime choices.
func (TokensPage) ExpiryOptions() []Option { return TokenExpiryOptions }

// SelectedExpiry is the lifetime preselected in the form.
func (p TokensPage) SelectedExpiry() string {
	if p.ExpiresIn != "" {
		return p.ExpiresIn
	}
	return "90"
}
