package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
)

// M365UserFilter narrows and pages an organisation's directory users.
type M365UserFilter struct {
	ConnectionID   string // "" = every M365 connection of the org
	Search         string // part of the name, user principal name or mail
	Department     string // exact
	Country        string // exact
	IncludeDeleted bool
	Limit          int
	Cursor         string // from the previous page's next cursor
}

const m365UserCols = `org_id, connection_id, object_id, display_name, company_name, department, given_name, surname,
	job_title, state, postal_code, street_address, city, preferred_language, usage_location, assigned_licenses,
	user_principal_name, office_location, extension_attributes, country, user_type, account_enabled, mail, first_seen,
	last_seen, deleted_at, manager_id, mfa_registered`

func scanM365User(s scanner) (M365User, error) {
	var u M365User
	var lic, ext string
	var deleted sql.NullTime
	err := s.Scan(&u.OrgID, &u.ConnectionID, &u.ObjectID, &u.DisplayName, &u.CompanyName, &u.Department, &u.GivenName,
		&u.Surname, &u.JobTitle, &u.State, &u.PostalCode, &u.StreetAddress, &u.City, &u.PreferredLanguage,
		&u.UsageLocation, &lic, &u.UserPrincipalName, &u.OfficeLocation, &ext, &u.Country, &u.UserType,
		&u.AccountEnabled, &u.Mail, &u.FirstSeen, &u.LastSeen, &deleted, &u.ManagerID, &u.MFARegistered)
	u.AssignedLicenses, u.ExtensionAttributes = []byte(lic), []byte(ext)
	u.FirstSeen, u.LastSeen, u.DeletedAt = u.FirstSeen.UTC(), u.LastSeen.UTC(), timePtr(deleted)
	return u, err
}

// ListM365Users returns a page of the organisation's directory users by
// display name, and the cursor of the next page ("" on the last).
func (q *Queries) ListM365Users(ctx context.Context, orgID string, f M365UserFilter) ([]M365User, string, error) {
	where, args := []string{"org_id = ?"}, []any{orgID}
	add := func(cond string, v ...any) { where, args = append(where, cond), append(args, v...) }
	if f.ConnectionID != "" {
		add("connection_id = ?", f.ConnectionID)
	}
	if !f.IncludeDeleted {
		add("deleted_at IS NULL")
	}
	if f.Department != "" {
		add("department = ?", f.Department)
	}
	if f.Country != "" {
		add("country = ?", f.Country)
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		pat := "%" + likeEscape(strings.ToLower(s)) + "%"
		add(`(LOWER(display_name) LIKE ? ESCAPE '\' OR LOWER(user_principal_name) LIKE ? ESCAPE '\' OR LOWER(mail) LIKE ? ESCAPE '\')`, pat, pat, pat)
	}
	if f.Cursor != "" {
		k, err := decodeKey(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		add("(display_name > ? OR (display_name = ? AND (connection_id > ? OR (connection_id = ? AND object_id > ?))))",
			k[0], k[0], k[1], k[1], k[2])
	}
	limit := pageLimit(f.Limit)
	rows, err := q.r().query(ctx, `SELECT `+m365UserCols+` FROM m365_users WHERE `+strings.Join(where, " AND ")+
		` ORDER BY display_name, connection_id, object_id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	list, err := scanAll(rows, scanM365User)
	if err != nil || len(list) <= limit {
		return list, "", err
	}
	last := list[limit-1]
	return list[:limit], encodeKey(last.DisplayName, last.ConnectionID, last.ObjectID), nil
}

const m365SKUCols = `org_id, connection_id, sku_id, sku_part_number, capability_status, applies_to, prepaid_enabled,
	prepaid_suspended, prepaid_warning, prepaid_locked_out, consumed_units, service_plans, first_seen, last_seen, deleted_at`

func scanM365SKU(s scanner) (M365SKU, error) {
	var k M365SKU
	var plans string
	var deleted sql.NullTime
	err := s.Scan(&k.OrgID, &k.ConnectionID, &k.SkuID, &k.SkuPartNumber, &k.CapabilityStatus, &k.AppliesTo,
		&k.PrepaidEnabled, &k.PrepaidSuspended, &k.PrepaidWarning, &k.PrepaidLockedOut, &k.ConsumedUnits, &plans,
		&k.FirstSeen, &k.LastSeen, &deleted)
	k.ServicePlans = []byte(plans)
	k.FirstSeen, k.LastSeen, k.DeletedAt = k.FirstSeen.UTC(), k.LastSeen.UTC(), timePtr(deleted)
	return k, err
}

// ListM365SKUs returns a page of the organisation's current subscribed
// SKUs by part number, and the next page's cursor ("" on the last).
func (q *Queries) ListM365SKUs(ctx context.Context, orgID string, limit int, cursor string) ([]M365SKU, string, error) {
	where, args := "org_id = ? AND deleted_at IS NULL", []any{orgID}
	if cursor != "" {
		k, err := decodeKey(cursor)
		if err != nil {
			return nil, "", err
		}
		where += " AND (sku_part_number > ? OR (sku_part_number = ? AND (connection_id > ? OR (connection_id = ? AND sku_id > ?))))"
		args = append(args, k[0], k[0], k[1], k[1], k[2])
	}
	limit = pageLimit(limit)
	rows, err := q.r().query(ctx, `SELECT `+m365SKUCols+` FROM m365_skus WHERE `+where+
		` ORDER BY sku_part_number, connection_id, sku_id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	list, err := scanAll(rows, scanM365SKU)
	if err != nil || len(list) <= limit {
		return list, "", err
	}
	last := list[limit-1]
	return list[:limit], encodeKey(last.SkuPartNumber, last.ConnectionID, last.SkuID), nil
}

// M365Facets are the values the directory's filters offer.
type M365Facets struct {
	Departments, Countries []string
	Users                  int // current (not deleted) users
}

// M365Facets returns the organisation's distinct non-empty departments
// and countries of current users, and how many users there are.
func (q *Queries) M365Facets(ctx context.Context, orgID string) (M365Facets, error) {
	var f M365Facets
	for _, c := range []struct {
		col string
		out *[]string
	}{{"department", &f.Departments}, {"country", &f.Countries}} {
		rows, err := q.r().query(ctx, `SELECT DISTINCT `+c.col+` FROM m365_users WHERE org_id = ? AND deleted_at IS NULL
			AND `+c.col+` <> '' ORDER BY `+c.col, orgID)
		if err != nil {
			return f, err
		}
		if *c.out, err = scanAll(rows, func(s scanner) (v string, err error) { return v, s.Scan(&v) }); err != nil {
			return f, err
		}
	}
	err := q.r().row(ctx, `SELECT COUNT(*) FROM m365_users WHERE org_id = ? AND deleted_at IS NULL`, orgID).Scan(&f.Users)
	return f, err
}

// M365GroupsOf returns the display names of the groups a user is a direct
// member of, within its connection.
func (q *Queries) M365GroupsOf(ctx context.Context, orgID, connectionID, objectID string) ([]string, error) {
	rows, err := q.r().query(ctx, `SELECT g.display_name FROM m365_group_members m JOIN m365_groups g
		ON g.connection_id = m.connection_id AND g.object_id = m.group_id
		WHERE m.org_id = ? AND m.connection_id = ? AND m.member_id = ? ORDER BY g.display_name`, orgID, connectionID, objectID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (v string, err error) { return v, s.Scan(&v) })
}

// M365GroupCount returns how many groups and memberships the
// organisation's connection has stored.
func (q *Queries) M365GroupCount(ctx context.Context, orgID, connectionID string) (groups, members int, err error) {
	if err = q.r().row(ctx, `SELECT COUNT(*) FROM m365_groups WHERE org_id = ? AND connection_id = ?`, orgID, connectionID).Scan(&groups); err != nil {
		return
	}
	err = q.r().row(ctx, `SELECT COUNT(*) FROM m365_group_members WHERE org_id = ? AND connection_id = ?`, orgID, connectionID).Scan(&members)
	return
}

func pageLimit(n int) int {
	if n <= 0 || n > 500 {
		return 50
	}
	return n
}

func likeEscape(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// encodeKey and decodeKey make an opaque keyset cursor of three values.
func encodeKey(a, b, c string) string {
	j, _ := json.Marshal([3]string{a, b, c})
	return base64.RawURLEncoding.EncodeToString(j)
}

func decodeKey(cursor string) ([3]string, error) {
	var k [3]string
	b, err := base64.RawURLEncoding.DecodeString(cursor)
	if err != nil || json.Unmarshal(b, &k) != nil {
		return k, &domain.Error{Code: domain.CodeInvalid, Field: "cursor", Message: "malformed cursor"}
	}
	return k, nil
}
