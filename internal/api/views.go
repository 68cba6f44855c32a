package api

import (
	"encoding/json"
	"net/http"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

// The views are the API's JSON shapes: snake_case names, times in UTC
// (RFC 3339), and never a password hash, MFA secret or token hash. They
// are separate from the domain types so a new domain field is never
// exposed by accident. openapi_schemas.go describes each one and a test
// keeps the two in step.

type listView[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor,omitempty"`
}

func listOf[S, T any](in []S, f func(S) T, next string) listView[T] {
	out := make([]T, 0, len(in))
	for _, s := range in {
		out = append(out, f(s))
	}
	return listView[T]{Items: out, NextCursor: next}
}

type accountView struct {
	ID           string     `json:"id"`
	Email        string     `json:"email"`
	Name         string     `json:"name"`
	MFAEnabled   bool       `json:"mfa_enabled"`
	LastSignInAt *time.Time `json:"last_sign_in_at"`
	CreatedAt    time.Time  `json:"created_at"`
}

func accountOf(u domain.User) accountView {
	return accountView{ID: u.ID, Email: u.Email, Name: u.Name, MFAEnabled: u.MFAEnabled,
		LastSignInAt: utcPtr(u.LastSignInAt), CreatedAt: u.CreatedAt.UTC()}
}

// userView is a member of the caller's organisation.
type userView struct {
	accountView
	Status string   `json:"status"` // invited, active or deactivated in this org
	Roles  []string `json:"roles"`  // org-wide roles
}

func userOf(m domain.Member) userView {
	roles := []string{}
	for _, g := range m.Grants {
		if g.ScopeKind == "" && g.ScopeID == "" {
			roles = append(roles, g.Role)
		}
	}
	return userView{accountView: accountOf(m.User), Status: m.EffectiveStatus(), Roles: roles}
}

type createdUserView struct {
	User            userView `json:"user"`
	Existing        bool     `json:"existing"`
	OneTimePassword string   `json:"one_time_password,omitempty"`
	Warning         string   `json:"warning,omitempty"`
}

type meView struct {
	User        accountView `json:"user"`
	Org         orgView     `json:"org"`
	Roles       []string    `json:"roles"`
	Permissions []string    `json:"permissions"`
	TokenID     string      `json:"token_id"`
}

type orgView struct {
	ID                string    `json:"id"`
	Name              string    `json:"name"`
	MFARequired       bool      `json:"mfa_required"`
	ReportingCurrency string    `json:"reporting_currency"`
	CreatedAt         time.Time `json:"created_at"`
	UpdatedAt         time.Time `json:"updated_at"`
}

func orgOf(o domain.Org) orgView {
	return orgView{ID: o.ID, Name: o.Name, MFARequired: o.MFARequired, ReportingCurrency: string(o.ReportingCurrency),
		CreatedAt: o.CreatedAt.UTC(), UpdatedAt: o.UpdatedAt.UTC()}
}

type roleView struct {
	Key         string   `json:"key"`
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Permissions []string `json:"permissions"`
}

func roleOf(r auth.Role) roleView {
	return roleView{Key: r.Key, Name: r.Name, Description: r.Description, Permissions: permStrings(r.Permissions)}
}

type permissionView struct {
	Key         string `json:"key"`
	Description string `json:"description"`
}

func permissionOf(p auth.PermissionInfo) permissionView {
	return permissionView{Key: string(p.Key), Description: p.Description}
}

type tokenView struct {
	ID         string     `json:"id"`
	Name       string     `json:"name"`
	Prefix     string     `json:"prefix"` // the token's first characters, to recognise it
	Active     bool       `json:"active"`
	CreatedAt  time.Time  `json:"created_at"`
	ExpiresAt  *time.Time `json:"expires_at"`
	LastUsedAt *time.Time `json:"last_used_at"`
	RevokedAt  *time.Time `json:"revoked_at"`
}

func tokenOf(t domain.APIToken) tokenView {
	return tokenView{ID: t.ID, Name: t.Name, Prefix: auth.APITokenPrefix + t.Prefix, Active: t.Active(domain.Now()),
		CreatedAt: t.CreatedAt.UTC(), ExpiresAt: utcPtr(t.ExpiresAt), LastUsedAt: utcPtr(t.LastUsedAt), RevokedAt: utcPtr(t.RevokedAt)}
}

type createdTokenView struct {
	tokenView
	Token string `json:"token"` // the secret, shown this once
}

type sessionView struct {
	ID         string    `json:"id"`
	IP         string    `json:"ip"`
	UserAgent  string    `json:"user_agent"`
	CreatedAt  time.Time `json:"created_at"`
	LastSeenAt time.Time `json:"last_seen_at"`
}

func sessionOf(s domain.SessionInfo) sessionView {
	return sessionView{ID: s.ID, IP: s.IP, UserAgent: s.UserAgent, CreatedAt: s.CreatedAt.UTC(), LastSeenAt: s.LastSeenAt.UTC()}
}

type auditView struct {
	Seq        int64           `json:"seq"`
	ID         string          `json:"id"`
	At         time.Time       `json:"at"`
	ActorID    string          `json:"actor_id"`
	ActorEmail string          `json:"actor_email"`
	Action     string          `json:"action"`
	TargetType string          `json:"target_type"`
	TargetID   string          `json:"target_id"`
	IP         string          `json:"ip"`
	UserAgent  string          `json:"user_agent"`
	Details    json.RawMessage `json:"details"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

func auditOf(e domain.AuditEvent) auditView {
	details := json.RawMessage(e.Details)
	if !json.Valid(details) {
		// Entries are written as JSON objects; keep a damaged one
		// readable instead of failing the whole page.
		details, _ = json.Marshal(map[string]string{"raw": e.Details})
	}
	return auditView{Seq: e.Seq, ID: e.ID, At: e.At.UTC(), ActorID: e.ActorID, ActorEmail: e.ActorEmail,
		Action: e.Action, TargetType: e.TargetType, TargetID: e.TargetID, IP: e.IP, UserAgent: e.UserAgent,
		Details: details, PrevHash: e.PrevHash, Hash: e.Hash}
}

func permStrings(ps []auth.Permission) []string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = string(p)
	}
	return out
}

func utcPtr(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	u := t.UTC()
	return &u
}

// writeJSON writes v with a status. A value that cannot be encoded is
// returned as an error before anything is written.
func writeJSON(w http.ResponseWriter, status int, v any) error {
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(b, '\n'))
	return nil
}
