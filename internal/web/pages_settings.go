package web

import (
	"net/url"
	"time"
)

// OrgSettingsPage shows and edits the organisation's own settings.
type OrgSettingsPage struct {
	Layout
	FormErrors
	Name        string
	MFARequired bool
	CanEdit     bool // false renders the values read-only
}

func (OrgSettingsPage) Template() string { return "org_settings" }

// User statuses as UserRow.Status holds them.
const (
	UserActive      = "active"
	UserInvited     = "invited"
	UserDeactivated = "deactivated"
)

// UserRow is one member of the organisation.
type UserRow struct {
	ID           string
	Name         string
	Email        string
	Status       string   // UserActive, UserInvited or UserDeactivated
	Roles        []string // display names
	MFAEnabled   bool
	LastSignInAt *time.Time
}

// DisplayName falls back to the email when no name was given.
func (u UserRow) DisplayName() string {
	return UserView{Name: u.Name, Email: u.Email}.DisplayName()
}

// StatusLabel capitalises the status for display.
func (u UserRow) StatusLabel() string {
	switch u.Status {
	case UserActive:
		return "Active"
	case UserInvited:
		return "Invited"
	case UserDeactivated:
		return "Deactivated"
	}
	return u.Status
}

// RoleOption is a role that can be granted.
type RoleOption struct {
	Key         string
	Name        string
	Description string
}

// Invite modes for the add-user form's "mode" radio.
const (
	InviteByEmail    = "invite"
	InviteByPassword = "password"
)

// InviteForm holds the add-user form's values so they survive an error.
type InviteForm struct {
	Email string
	Name  string
	Role  string // RoleOption.Key
	Mode  string // InviteByEmail (default) or InviteByPassword
}

// ModeOrDefault is the selected mode, InviteByEmail when unset.
// RoleOrDefault preselects the least powerful role, never Owner.
func (f InviteForm) RoleOrDefault() string {
	if f.Role != "" {
		return f.Role
	}
	return "viewer"
}

func (f InviteForm) ModeOrDefault() string {
	if f.Mode == InviteByPassword {
		return InviteByPassword
	}
	return InviteByEmail
}

// UsersPage lists the organisation's users and adds new ones.
type UsersPage struct {
	Layout
	FormErrors      // of the add-user form
	Users           []UserRow
	Roles           []RoleOption
	Query           string // the "q" filter
	CanManage       bool   // false hides every write form
	Invite          InviteForm
	CreatedPassword string // one-time password, shown once (mode=password)
	CreatedEmail    string // whom CreatedPassword belongs to
}

func (UsersPage) Template() string { return "users" }

// RoleChoice is a role checkbox on the user page.
type RoleChoice struct {
	RoleOption
	Assigned bool
}

// UserDetailPage shows one user with their roles and sessions.
type UserDetailPage struct {
	Layout
	FormErrors
	User      UserRow
	Roles     []RoleChoice
	Sessions  []SessionView
	CanManage bool
	IsSelf    bool // hides actions an admin must not take on themselves
}

func (UserDetailPage) Template() string { return "user_detail" }

// SessionsTable is the member's sessions, revocable by an admin.
func (p UserDetailPage) SessionsTable() SessionsTable {
	return SessionsTable{Sessions: p.Sessions, CanRevoke: p.CanManage, RevokeBase: "/settings/users/" + p.User.ID + "/sessions/"}
}

// AuditFilter is the audit log's query, as GET parameters.
type AuditFilter struct {
	Action string
	Actor  string
	From   string // YYYY-MM-DD, inclusive
	To     string // YYYY-MM-DD, inclusive
}

// Values encodes the filter, leaving out empty fields.
func (f AuditFilter) Values() url.Values {
	v := url.Values{}
	for k, s := range map[string]string{"action": f.Action, "actor": f.Actor, "from": f.From, "to": f.To} {
		if s != "" {
			v.Set(k, s)
		}
	}
	return v
}

// AuditRow is one audit event.
type AuditRow struct {
	At         time.Time
	ActorEmail string
	Action     string
	Target     string
	IP         string
	Details    string   // the JSON object as stored
	Pairs      []Detail // the same, as key/value pairs for reading
}

// Detail is one top-level field of an audit entry's details.
type Detail struct {
	Key, Value string
}

// AuditPage lists the audit log, newest first, a page at a time.
type AuditPage struct {
	Layout
	FormErrors
	Filter     AuditFilter
	Actions    []string // known actions for the select; empty: free text
	Rows       []AuditRow
	Cursor     string // of the page shown; empty on the newest page
	NextCursor string // non-empty when older events exist
}

func (AuditPage) Template() string { return "audit" }

// CSVURL exports the same filter as CSV.
func (p AuditPage) CSVURL() string {
	return withQuery("/settings/audit.csv", p.Filter.Values())
}

// OlderURL is the next page of the same filter.
func (p AuditPage) OlderURL() string {
	v := p.Filter.Values()
	v.Set("cursor", p.NextCursor)
	return withQuery("/settings/audit", v)
}

// NewestURL is the first page of the same filter.
func (p AuditPage) NewestURL() string {
	return withQuery("/settings/audit", p.Filter.Values())
}

func withQuery(path string, v url.Values) string {
	if len(v) == 0 {
		return path
	}
	return path + "?" + v.Encode()
}
