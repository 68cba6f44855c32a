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

// SetMemberStatus activates or deactivates a user in one org.
func (q *Queries) SetMemberStatus(ctx context.Context, orgID, userID, status string) error {
	res, err := q.w().exec(ctx, `UPDATE memberships SET status = ? WHERE org_id = ? AND user_id = ?`, status, orgID, userID)
	return mustAffect(res, err, "user")
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

// ListGrants returns a member's role grants in a stable order, from the
// read pool like GetMember.
func (q *Queries) ListGrants(ctx context.Context, orgID, userID string) ([]domain.RoleGrant, error) {
	rows, err := q.r().query(ctx, `SELECT role, scope_kind, scope_id FROM role_grants
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
		JOIN memberships m ON m.org_id = g.org_id AND m.user_id = g.user_id
		WHERE g.org_id = ? AND g.role = ? AND g.scope_kind = '' AND u.status = 'active' AND m.status = 'active'`, orgID, role).Scan(&n)
	return n, err
}

// GetMember returns one member of an org; users outside the org are not
// found, which keeps tenants apart. It reads from the read pool (inside a
// Tx both are the transaction): every request loads its principal with
// it, and on SQLite the writer may be held for minutes by a cost import.
func (q *Queries) GetMember(ctx context.Context, orgID, userID string) (domain.Member, error) {
	m, err := scanMember(q.r().row(ctx, `SELECT `+memberCols+` FROM users u
		JOIN memberships m ON m.user_id = u.id WHERE m.org_id = ? AND u.id = ?`, orgID, userID))
	if err != nil {
		return m, notFound(err, "user")
	}
	m.OrgID = orgID
	m.Grants, err = q.ListGrants(ctx, orgID, userID)
	return m, err
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
	sqlq := `SELECT ` + memberCols + ` FROM users u JOIN memberships m ON m.user_id = u.id WHERE m.org_id = ?`
	args := []any{orgID}
	if f.Query != "" {
		sqlq += ` AND (u.email LIKE ? OR LOWER(u.name) LIKE ?)`
		like := "%" + escapeLike(strings.ToLower(f.Query)) + "%"
		sqlq = strings.Replace(sqlq, "LIKE ?", "LIKE ? ESCAPE '\\'", 2)
		args = append(args, like, like)
	}
	switch f.Status {
	case "":
	case domain.UserInvited:
		sqlq += ` AND u.status = 'invited'`
	default:
		sqlq += ` AND u.status <> 'invited' AND m.status = ?`
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
	members, err := scanAll(rows, scanMember)
	if err != nil {
		return domain.Page[domain.Member]{}, err
	}
	var page domain.Page[domain.Member]
	if len(members) > limit {
		members = members[:limit]
		page.NextCursor = encodeCursor(members[limit-1].User.Email)
	}
	for i := range members {
		members[i].OrgID = orgID
		if members[i].Grants, err = q.ListGrants(ctx, orgID, members[i].User.ID); err != nil {
			return page, err
		}
	}
	page.Items = members
	return page, nil
}

const memberCols = userCols + `, m.status`

func scanMember(s scanner) (domain.Member, error) {
	var m domain.Member
	u, err := scanUser(rowWithExtra{s, &m.Status})
	m.User = u
	return m, err
}

// rowWithExtra appends destinations to a scan, so member rows reuse the
// user scanner.
type rowWithExtra struct {
	s     scanner
	extra *string
}

func (r rowWithExtra) Scan(dest ...any) error { return r.s.Scan(append(dest, r.extra)...) }

// ListOrgAdminEmails returns the emails of active members holding one of
// the roles, for "ask your administrator" pages.
func (q *Queries) ListOrgAdminEmails(ctx context.Context, orgID string, roles ...string) ([]string, error) {
	var out []string
	for _, role := range roles {
		rows, err := q.r().query(ctx, `SELECT DISTINCT u.email FROM users u JOIN role_grants g ON g.user_id = u.id
			JOIN memberships m ON m.org_id = g.org_id AND m.user_id = g.user_id
			WHERE g.org_id = ? AND g.role = ? AND u.status = 'active' AND m.status = 'active' ORDER BY u.email`, orgID, role)
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
