package store

import (
	"context"
	"database/sql"
	"errors"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// M365OU is a virtual organisational unit of one Microsoft 365
// connection's users. Rules, IncludeIDs, ExcludeIDs, LicencePolicies and
// RequiredAttributes are JSON that internal/delegation reads and writes.
type M365OU struct {
	ID, OrgID, ConnectionID, ParentID string // ParentID "" at the top
	Name, Description                 string
	Rules, IncludeIDs, ExcludeIDs     []byte
	LicencePolicies                   []byte
	RequiredAttributes                []byte
	// AutoRemediate: the configuration policy is remediated after every
	// directory sync.
	AutoRemediate        bool
	CreatedAt, UpdatedAt time.Time
}

// M365AdminPolicy is an authorization policy: a named set of
// administrative actions (Actions is a JSON list of action keys).
type M365AdminPolicy struct {
	ID, OrgID, Name, Description string
	Actions                      []byte
	CreatedAt, UpdatedAt         time.Time
}

// M365Delegation makes a Canopy member an administrator of an OU's users
// for the actions of a policy.
type M365Delegation struct {
	ID, OrgID, UserID, OUID, PolicyID string
	CreatedBy                         string
	CreatedAt                         time.Time
}

const m365OUCols = `id, org_id, connection_id, COALESCE(parent_id, ''), name, description, rules, include_ids, exclude_ids,
	licence_policies, required_attributes, auto_remediate, created_at, updated_at`

func scanM365OU(s scanner) (M365OU, error) {
	var o M365OU
	var rules, inc, exc, lic, req string
	err := s.Scan(&o.ID, &o.OrgID, &o.ConnectionID, &o.ParentID, &o.Name, &o.Description, &rules, &inc, &exc, &lic, &req,
		&o.AutoRemediate, &o.CreatedAt, &o.UpdatedAt)
	o.Rules, o.IncludeIDs, o.ExcludeIDs, o.LicencePolicies, o.RequiredAttributes = []byte(rules), []byte(inc), []byte(exc), []byte(lic), []byte(req)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return o, err
}

var errOUName = &domain.Error{Code: domain.CodeConflict, Field: "name", Message: "This connection already has a virtual OU of that name."}

// CreateM365OU stores a new OU (its ID and times are set here).
func (q *Queries) CreateM365OU(ctx context.Context, o M365OU) (M365OU, error) {
	o.ID = domain.NewID("vou_")
	o.CreatedAt = domain.Now().UTC().Truncate(time.Microsecond)
	o.UpdatedAt = o.CreatedAt
	_, err := q.w().exec(ctx, `INSERT INTO m365_ous (id, org_id, connection_id, parent_id, name, description, rules,
		include_ids, exclude_ids, licence_policies, required_attributes, auto_remediate, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, o.ID, o.OrgID, o.ConnectionID, nullIfEmpty(o.ParentID), o.Name,
		o.Description, jsonOr(o.Rules, "[]"), jsonOr(o.IncludeIDs, "[]"), jsonOr(o.ExcludeIDs, "[]"),
		jsonOr(o.LicencePolicies, "[]"), jsonOr(o.RequiredAttributes, "[]"), o.AutoRemediate, o.CreatedAt, o.UpdatedAt)
	if isUniqueViolation(err) {
		return o, errOUName
	}
	return o, err
}

// UpdateM365OU replaces an OU's settings (all but its connection).
func (q *Queries) UpdateM365OU(ctx context.Context, o M365OU) (M365OU, error) {
	o.UpdatedAt = domain.Now().UTC().Truncate(time.Microsecond)
	res, err := q.w().exec(ctx, `UPDATE m365_ous SET parent_id = ?, name = ?, description = ?, rules = ?, include_ids = ?,
		exclude_ids = ?, licence_policies = ?, required_attributes = ?, auto_remediate = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`,
		nullIfEmpty(o.ParentID), o.Name, o.Description, jsonOr(o.Rules, "[]"), jsonOr(o.IncludeIDs, "[]"),
		jsonOr(o.ExcludeIDs, "[]"), jsonOr(o.LicencePolicies, "[]"), jsonOr(o.RequiredAttributes, "[]"), o.AutoRemediate, o.UpdatedAt,
		o.OrgID, o.ID)
	if isUniqueViolation(err) {
		return o, errOUName
	}
	return o, mustAffect(res, err, "virtual OU")
}

// GetM365OU returns one of the organisation's OUs.
func (q *Queries) GetM365OU(ctx context.Context, orgID, id string) (M365OU, error) {
	o, err := scanM365OU(q.r().row(ctx, `SELECT `+m365OUCols+` FROM m365_ous WHERE org_id = ? AND id = ?`, orgID, id))
	return o, notFound(err, "virtual OU")
}

// ListM365OUs returns the organisation's OUs by name, of one connection
// or ("") of all.
func (q *Queries) ListM365OUs(ctx context.Context, orgID, connectionID string) ([]M365OU, error) {
	where, args := "org_id = ?", []any{orgID}
	if connectionID != "" {
		where, args = where+" AND connection_id = ?", append(args, connectionID)
	}
	rows, err := q.r().query(ctx, `SELECT `+m365OUCols+` FROM m365_ous WHERE `+where+` ORDER BY LOWER(name), id`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanM365OU)
}

// DeleteM365OU removes an OU (child OUs and delegations go with it; the
// service refuses before that happens).
func (q *Queries) DeleteM365OU(ctx context.Context, orgID, id string) error {
	res, err := q.w().exec(ctx, `DELETE FROM m365_ous WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "virtual OU")
}

const m365PolicyCols = `id, org_id, name, description, actions, created_at, updated_at`

func scanM365Policy(s scanner) (M365AdminPolicy, error) {
	var p M365AdminPolicy
	var actions string
	err := s.Scan(&p.ID, &p.OrgID, &p.Name, &p.Description, &actions, &p.CreatedAt, &p.UpdatedAt)
	p.Actions, p.CreatedAt, p.UpdatedAt = []byte(actions), p.CreatedAt.UTC(), p.UpdatedAt.UTC()
	return p, err
}

var errPolicyName = &domain.Error{Code: domain.CodeConflict, Field: "name", Message: "An authorization policy of that name exists already."}

// CreateM365AdminPolicy stores a new authorization policy.
func (q *Queries) CreateM365AdminPolicy(ctx context.Context, p M365AdminPolicy) (M365AdminPolicy, error) {
	p.ID = domain.NewID("map_")
	p.CreatedAt = domain.Now().UTC().Truncate(time.Microsecond)
	p.UpdatedAt = p.CreatedAt
	_, err := q.w().exec(ctx, `INSERT INTO m365_admin_policies (id, org_id, name, description, actions, created_at, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, p.ID, p.OrgID, p.Name, p.Description, jsonOr(p.Actions, "[]"), p.CreatedAt, p.UpdatedAt)
	if isUniqueViolation(err) {
		return p, errPolicyName
	}
	return p, err
}

// UpdateM365AdminPolicy replaces a policy's name, description and actions.
func (q *Queries) UpdateM365AdminPolicy(ctx context.Context, p M365AdminPolicy) (M365AdminPolicy, error) {
	p.UpdatedAt = domain.Now().UTC().Truncate(time.Microsecond)
	res, err := q.w().exec(ctx, `UPDATE m365_admin_policies SET name = ?, description = ?, actions = ?, updated_at = ?
		WHERE org_id = ? AND id = ?`, p.Name, p.Description, jsonOr(p.Actions, "[]"), p.UpdatedAt, p.OrgID, p.ID)
	if isUniqueViolation(err) {
		return p, errPolicyName
	}
	return p, mustAffect(res, err, "authorization policy")
}

// GetM365AdminPolicy returns one of the organisation's policies.
func (q *Queries) GetM365AdminPolicy(ctx context.Context, orgID, id string) (M365AdminPolicy, error) {
	p, err := scanM365Policy(q.r().row(ctx, `SELECT `+m365PolicyCols+` FROM m365_admin_policies WHERE org_id = ? AND id = ?`, orgID, id))
	return p, notFound(err, "authorization policy")
}

// ListM365AdminPolicies returns the organisation's policies by name.
func (q *Queries) ListM365AdminPolicies(ctx context.Context, orgID string) ([]M365AdminPolicy, error) {
	rows, err := q.r().query(ctx, `SELECT `+m365PolicyCols+` FROM m365_admin_policies WHERE org_id = ? ORDER BY LOWER(name), id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanM365Policy)
}

// DeleteM365AdminPolicy removes a policy.
func (q *Queries) DeleteM365AdminPolicy(ctx context.Context, orgID, id string) error {
	res, err := q.w().exec(ctx, `DELETE FROM m365_admin_policies WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "authorization policy")
}

const m365DelegationCols = `id, org_id, user_id, ou_id, policy_id, created_by, created_at`

func scanM365Delegation(s scanner) (M365Delegation, error) {
	var d M365Delegation
	err := s.Scan(&d.ID, &d.OrgID, &d.UserID, &d.OUID, &d.PolicyID, &d.CreatedBy, &d.CreatedAt)
	d.CreatedAt = d.CreatedAt.UTC()
	return d, err
}

// CreateM365Delegation stores a delegation; the same member, OU and
// policy twice is a conflict.
func (q *Queries) CreateM365Delegation(ctx context.Context, d M365Delegation) (M365Delegation, error) {
	d.ID = domain.NewID("dlg_")
	d.CreatedAt = domain.Now().UTC().Truncate(time.Microsecond)
	_, err := q.w().exec(ctx, `INSERT INTO m365_delegations (id, org_id, user_id, ou_id, policy_id, created_by, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, d.ID, d.OrgID, d.UserID, d.OUID, d.PolicyID, d.CreatedBy, d.CreatedAt)
	if isUniqueViolation(err) {
		return d, &domain.Error{Code: domain.CodeConflict, Message: "This member already holds this policy for this OU."}
	}
	return d, err
}

// GetM365Delegation returns one of the organisation's delegations.
func (q *Queries) GetM365Delegation(ctx context.Context, orgID, id string) (M365Delegation, error) {
	d, err := scanM365Delegation(q.r().row(ctx, `SELECT `+m365DelegationCols+` FROM m365_delegations WHERE org_id = ? AND id = ?`, orgID, id))
	return d, notFound(err, "delegation")
}

// M365DelegationFilter narrows a delegation list; empty fields match all.
type M365DelegationFilter struct {
	UserID, OUID, PolicyID string
}

// ListM365Delegations returns the organisation's delegations, oldest first.
func (q *Queries) ListM365Delegations(ctx context.Context, orgID string, f M365DelegationFilter) ([]M365Delegation, error) {
	where, args := []string{"org_id = ?"}, []any{orgID}
	for _, c := range []struct{ col, v string }{{"user_id", f.UserID}, {"ou_id", f.OUID}, {"policy_id", f.PolicyID}} {
		if c.v != "" {
			where, args = append(where, c.col+" = ?"), append(args, c.v)
		}
	}
	rows, err := q.r().query(ctx, `SELECT `+m365DelegationCols+` FROM m365_delegations WHERE `+strings.Join(where, " AND ")+
		` ORDER BY created_at, id`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanM365Delegation)
}

// DeleteM365Delegation removes a delegation.
func (q *Queries) DeleteM365Delegation(ctx context.Context, orgID, id string) error {
	res, err := q.w().exec(ctx, `DELETE FROM m365_delegations WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "delegation")
}

// GetM365User returns one directory user of a connection, deleted or not.
func (q *Queries) GetM365User(ctx context.Context, orgID, connectionID, objectID string) (M365User, error) {
	u, err := scanM365User(q.r().row(ctx, `SELECT `+m365UserCols+` FROM m365_users WHERE org_id = ? AND connection_id = ?
		AND object_id = ?`, orgID, connectionID, objectID))
	return u, notFound(err, "directory user")
}

// EachM365User calls fn with every current (not deleted) user of a
// connection, in object ID order, without holding them all in memory.
// Only the fields delegation reads are set (m365UserPolicyCols).
// A non-empty skuID narrows to users whose licences mention it (callers
// still check the parsed licences: the match is textual).
func (q *Queries) EachM365User(ctx context.Context, orgID, connectionID, skuID string, fn func(M365User) error) error {
	where, args := "", []any{orgID, connectionID}
	if skuID != "" {
		where, args = ` AND assigned_licenses LIKE ? ESCAPE '\'`, append(args, "%"+likeEscape(`"`+skuID+`"`)+"%")
	}
	rows, err := q.r().query(ctx, `SELECT `+m365UserPolicyCols+` FROM m365_users WHERE org_id = ? AND connection_id = ?
		AND deleted_at IS NULL`+where+` ORDER BY object_id`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		u, err := scanM365UserPolicy(rows)
		if err != nil {
			return err
		}
		if err := fn(u); err != nil {
			return err
		}
	}
	return rows.Err()
}

// m365UserPolicyCols are the columns delegation reads of every user of a
// connection (no address, names or times): a third less to scan.
const m365UserPolicyCols = `org_id, connection_id, object_id, display_name, company_name, department, job_title, state, city,
	usage_location, assigned_licenses, user_principal_name, office_location, extension_attributes, country, user_type,
	manager_id, mfa_registered`

func scanM365UserPolicy(s scanner) (M365User, error) {
	var u M365User
	var lic, ext string
	err := s.Scan(&u.OrgID, &u.ConnectionID, &u.ObjectID, &u.DisplayName, &u.CompanyName, &u.Department, &u.JobTitle,
		&u.State, &u.City, &u.UsageLocation, &lic, &u.UserPrincipalName, &u.OfficeLocation, &ext, &u.Country, &u.UserType,
		&u.ManagerID, &u.MFARegistered)
	u.AssignedLicenses, u.ExtensionAttributes = []byte(lic), []byte(ext)
	return u, err
}

// GetM365SKU returns one current subscribed SKU of a connection.
func (q *Queries) GetM365SKU(ctx context.Context, orgID, connectionID, skuID string) (M365SKU, error) {
	k, err := scanM365SKU(q.r().row(ctx, `SELECT `+m365SKUCols+` FROM m365_skus WHERE org_id = ? AND connection_id = ?
		AND sku_id = ? AND deleted_at IS NULL`, orgID, connectionID, skuID))
	if err == sql.ErrNoRows {
		return k, &domain.Error{Code: domain.CodeNotFound, Message: "subscribed SKU not found"}
	}
	return k, err
}

// PutM365User writes one user of a connection's directory snapshot after
// an administrative action changed it in the tenant (the next sync
// rewrites it anyway); a deleted user comes back.
func (s *Store) PutM365User(ctx context.Context, orgID, connectionID string, u M365User, at time.Time) error {
	at = at.UTC().Truncate(time.Microsecond)
	return s.InTx(ctx, func(tx *Tx) error {
		gen, err := tx.userGen(ctx, orgID, connectionID, u.ObjectID)
		if err != nil {
			return err
		}
		return tx.upsertM365User(ctx, orgID, connectionID, u, at, gen)
	})
}

// userGen is the sync generation a user was last written with (so that a
// sync under way still sees it as current), or a new one.
func (q *Queries) userGen(ctx context.Context, orgID, connectionID, objectID string) (string, error) {
	var gen string
	err := q.r().row(ctx, `SELECT sync_gen FROM m365_users WHERE org_id = ? AND connection_id = ? AND object_id = ?`,
		orgID, connectionID, objectID).Scan(&gen)
	if errors.Is(err, sql.ErrNoRows) {
		var g sql.NullString
		err = q.r().row(ctx, `SELECT MAX(sync_gen) FROM m365_users WHERE org_id = ? AND connection_id = ? AND deleted_at IS NULL`,
			orgID, connectionID).Scan(&g)
		gen = g.String
	}
	return gen, err
}

// MarkM365UserDeleted marks one user of a snapshot deleted (it was
// deleted in the tenant).
func (s *Store) MarkM365UserDeleted(ctx context.Context, orgID, connectionID, objectID string, at time.Time) error {
	res, err := s.Queries.w().exec(ctx, `UPDATE m365_users SET deleted_at = ? WHERE org_id = ? AND connection_id = ? AND object_id = ?`,
		at, orgID, connectionID, objectID)
	return mustAffect(res, err, "directory user")
}

// UpdateM365Delegation changes a delegation's member, OU and policy.
func (q *Queries) UpdateM365Delegation(ctx context.Context, d M365Delegation) (M365Delegation, error) {
	res, err := q.w().exec(ctx, `UPDATE m365_delegations SET user_id = ?, ou_id = ?, policy_id = ? WHERE org_id = ? AND id = ?`,
		d.UserID, d.OUID, d.PolicyID, d.OrgID, d.ID)
	if isUniqueViolation(err) {
		return d, &domain.Error{Code: domain.CodeConflict, Message: "This member already holds this policy for this OU."}
	}
	if err := mustAffect(res, err, "delegation"); err != nil {
		return d, err
	}
	return q.GetM365Delegation(ctx, d.OrgID, d.ID)
}
