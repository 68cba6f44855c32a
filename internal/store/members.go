package store

import (
	"context"
	"encoding/base64"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// AddMember makes a user a member of an org with the given grants.
func (q *Queries) AddMember(ctx context.Context, orgID, userID string, grants []domain.RoleGrant, at time.Time) error {
	_, err := q.w().exec(ctx, `INSERT INTO memberships (org_id, user_id, created_at) VALUES (?, ?, ?)`, orgID, userID, at)
	if isUniqueViolation(err) {
		return &domain.Error{Code: domain.CodeConflict, Message: "the user is already a member of this organisation"}
	}
	if err != nil {
		return err
	}
	return q.SetGrants(ctx, orgID, userID, grants, at)
}

// IsMember reports whether a user belongs to an org.
func (q *Queries) IsMember(ctx context.Context, orgID, userID string) (bool, error) {
	var n int
	err := q.w().row(ctx, `SELECT COUNT(*) FROM memberships WHERE org_id = ? AND user_id = ?`, orgID, userID).Scan(&n)
	return n > 0, err
}

// SetGrants replaces a member's role grants.
func (q *Queries) SetGrants(ctx context.Context, orgID, userID string, grants []domain.RoleGrant, at time.Time) error {
	if _, err := q.w().exec(ctx, `DELETE FROM role_grants WHERE org_id = ? AND user_id = ?`, orgID, userID); err != nil {
		return err
	}
	for _, g := range grants {
		_, err := q.w().exec(ctx, `INSERT INTO role_grants (org_id, user_id, role, scope_kind, scope_id, created_at)
			VALUES (?, ?, ?, ?, ?, ?)`, orgID, userID, g.Role, g.ScopeKind, g.ScopeID, at)
		if err != nil && !isUniqueViolation(err) {
			return err
		}
	}
	return nil
}

// ListGrants returns a member's role grants in a stable order.
func (q *Queries) ListGrants(ctx context.Context, orgID, userID string) ([]domain.RoleGrant, error) {
	rows, err := q.w().query(ctx, `SELECT role, scope_kind, scope_id FROM role_grants
		WHERE org_id = ? AND user_id = ? ORDER BY role, scope_kind, scope_id`, orgID, userID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (domain.RoleGrant, error) {
		var g domain.RoleGrant
		return g, s.Scan(&g.Role, &g.ScopeKind, &g.ScopeID)
	})
}

// CountRoleHolders counts active members of an org holding an org-wide role
// (used to keep at least one owner).
func (q *Queries) CountRoleHolders(ctx context.Context, orgID, role string) (int, error) {
	var n int
	err := q.w().row(ctx, `SELECT COUNT(DISTINCT g.user_id) FROM role_grants g JOIN users u ON u.id = g.user_id
		WHERE g.org_id = ? AND g.role = ? AND g.scope_kind = '' AND u.status = 'active'`, orgID, role).Scan(&n)
	return n, err
}

// GetMember returns one member of an org; users outside the org are not
// found, which keeps tenants apart.
func (q *Queries) GetMember(ctx context.Context, orgID, userID string) (domain.Member, error) {
	u, err := scanUser(q.w().row(ctx, `SELECT `+userCols+` FROM users u
		JOIN memberships m ON m.user_id = u.id WHERE m.org_id = ? AND u.id = ?`, orgID, userID))
	if err != nil {
		return domain.Member{}, notFound(err, "user")
	}
	grants, err := q.ListGrants(ctx, orgID, userID)
	return domain.Member{User: u, OrgID: orgID, Grants: grants}, err
}

// MemberFilter narrows ListMembers.
type MemberFilter struct {
	Query  string // substring of email or name
	Status string
	Cursor string
	Limit  int
}

// ListMembers returns an org's members by email, a page at a time.
func (q *Queries) ListMembers(ctx context.Context, orgID string, f MemberFilter) (domain.Page[domain.Member], error) {
	limit := clampLimit(f.Limit)
	sqlq := `SELECT ` + userCols + ` FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.org_id = ?`
	args := []any{orgID}
	if f.Query != "" {
		sqlq += ` AND (u.email LIKE ? OR LOWER(u.name) LIKE ?)`
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		sqlq = strings.Replace(sqlq, "LIKE ?", "LIKE ? ESCAPE '\\'", 2)
		args = append(args, like, like)
	}
	if f.Status != "" {
		sqlq += ` AND u.status = ?`
		args = append(args, f.Status)
	}
	if f.Cursor != "" {
		after, err := decodeCursor(f.Cursor)
		if err != nil {
			return domain.Page[domain.Member]{}, err
		}
		sqlq += ` AND u.email > ?`
		args = append(args, after)
	}
	sqlq += ` ORDER BY u.email LIMIT ?`
	args = append(args, limit+1)
	rows, err := q.r().query(ctx, sqlq, args...)
	if err != nil {
		return domain.Page[domain.Member]{}, err
	}
	users, err := scanAll(rows, scanUser)
	if err != nil {
		return domain.Page[domain.Member]{}, err
	}
	return q.membersPage(ctx, orgID, users, limit)
}

func (q *Queries) membersPage(ctx context.Context, orgID string, users []domain.User, limit int) (domain.Page[domain.Member], error) {
	var page domain.Page[domain.Member]
	if len(users) > limit {
		users = users[:limit]
		page.NextCursor = encodeCursor(users[limit-1].Email)
	}
	for _, u := range users {
		grants, err := q.ListGrants(ctx, orgID, u.ID)
		if err != nil {
			return page, err
		}
		page.Items = append(page.Items, domain.Member{User: u, OrgID: orgID, Grants: grants})
	}
	return page, nil
}

// ListOrgAdminEmails returns the emails of active members holding one of
// the roles, for "ask your administrator" pages.
func (q *Queries) ListOrgAdminEmails(ctx context.Context, orgID string, roles ...string) ([]string, error) {
	var out []string
	for _, role := range roles {
		rows, err := q.r().query(ctx, `SELECT DISTINCT u.email FROM users u JOIN role_grants g ON g.user_id = u.id
			WHERE g.org_id = ? AND g.role = ? AND u.status = 'active' ORDER BY u.email`, orgID, role)
		if err != nil {
			return nil, err
		}
		emails, err := scanAll(rows, func(s scanner) (string, error) { var e string; return e, s.Scan(&e) })
		if err != nil {
			return nil, err
		}
		out = append(out, emails...)
	}
	return out, nil
}

func clampLimit(n int) int {
	if n <= 0 || n > 200 {
		return 50
	}
	return n
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Cursors are opaque to clients: base64url of the last sort key.
func encodeCursor(key string) string { return base64.RawURLEncoding.EncodeToString([]byte(key)) }

func decodeCursor(c string) (string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return "", &domain.Error{Code: domain.CodeInvalid, Field: "cursor", Message: "malformed cursor"}
	}
	return string(b), nil
}
