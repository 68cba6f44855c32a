package domain

import "time"

// Org is an organisation (tenant).
type Org struct {
	ID                string
	Name              string
	MFARequired       bool
	ReportingCurrency Currency // costs are converted to it for reports
	CreatedAt         time.Time
	UpdatedAt         time.Time
}

// User statuses.
const (
	UserActive      = "active"
	UserInvited     = "invited"
	UserDeactivated = "deactivated"
)

// User is a person who can sign in. Email is stored lower-cased.
type User struct {
	ID                 string
	Email              string
	Name               string
	PasswordHash       string
	MustChangePassword bool // signed in with a one-time password
	Status             string
	MFASecret          string // sealed with the key vault
	MFAEnabled         bool
	MFALastStep        int64
	LastSignInAt       *time.Time
	PasswordChangedAt  *time.Time
	CreatedAt          time.Time
	UpdatedAt          time.Time
}

// DisplayName is the name, or the email when no name is set.
func (u *User) DisplayName() string {
	if u.Name != "" {
		return u.Name
	}
	return u.Email
}

// RoleGrant is a role given to a member of an org, on the whole org (empty
// scope) or on one part of it.
type RoleGrant struct {
	Role      string
	ScopeKind string
	ScopeID   string
}

// Member is a user seen from one organisation.
type Member struct {
	User   User
	OrgID  string
	Status string // membership status: UserActive or UserDeactivated
	Grants []RoleGrant
}

// EffectiveStatus is what an admin sees: invited until the person accepts,
// then the membership's status.
func (m *Member) EffectiveStatus() string {
	if m.User.Status == UserInvited {
		return UserInvited
	}
	if m.User.Status == UserDeactivated {
		return UserDeactivated
	}
	return m.Status
}

// APIToken is a bearer token bound to a user in one org. Only its hash is
// stored.
type APIToken struct {
	ID         string
	OrgID      string
	UserID     string
	Name       string
	Prefix     string
	CreatedAt  time.Time
	ExpiresAt  *time.Time
	LastUsedAt *time.Time
	RevokedAt  *time.Time
}

// Active reports whether the token may be used at t.
func (t *APIToken) Active(at time.Time) bool {
	return t.RevokedAt == nil && (t.ExpiresAt == nil || at.Before(*t.ExpiresAt))
}

// SessionInfo describes a signed-in browser session.
type SessionInfo struct {
	ID         string
	UserID     string
	TokenHash  string
	IP         string
	UserAgent  string
	CreatedAt  time.Time
	LastSeenAt time.Time
}

// AuditEvent is one entry of the append-only, hash-chained audit log.
type AuditEvent struct {
	Seq        int64
	ID         string
	OrgID      string
	At         time.Time
	ActorID    string
	ActorEmail string
	Action     string
	TargetType string
	TargetID   string
	IP         string
	UserAgent  string
	Details    string // JSON object
	PrevHash   string
	Hash       string
}

// Page is a cursor-paginated slice of results.
type Page[T any] struct {
	Items      []T
	NextCursor string
}
