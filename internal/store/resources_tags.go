package store

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// PrefixTagPolicy prefixes required-tag policy IDs.
const PrefixTagPolicy = "tpo_"

// TagAlias maps a tag key spelling (stored lowercased) to the canonical
// key.
type TagAlias struct {
	Alias     string
	Canonical string
	CreatedAt time.Time
}

// ListTagAliases returns the organisation's aliases by alias.
func (q *Queries) ListTagAliases(ctx context.Context, orgID string) ([]TagAlias, error) {
	rows, err := q.r().query(ctx, `SELECT alias, canonical, created_at FROM tag_aliases WHERE org_id = ? ORDER BY alias`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (TagAlias, error) {
		var a TagAlias
		err := s.Scan(&a.Alias, &a.Canonical, &a.CreatedAt)
		a.CreatedAt = a.CreatedAt.UTC()
		return a, err
	})
}

// PutTagAlias sets (or replaces) the canonical key of an alias; the alias
// is stored lowercased.
func (q *Queries) PutTagAlias(ctx context.Context, orgID, alias, canonical string) error {
	_, err := q.w().exec(ctx, `INSERT INTO tag_aliases (org_id, alias, canonical, created_at) VALUES (?, ?, ?, ?)
		ON CONFLICT (org_id, alias) DO UPDATE SET canonical = excluded.canonical`,
		orgID, strings.ToLower(alias), canonical, domain.Now())
	return err
}

// DeleteTagAlias removes an alias (any case).
func (q *Queries) DeleteTagAlias(ctx context.Context, orgID, alias string) error {
	res, err := q.w().exec(ctx, `DELETE FROM tag_aliases WHERE org_id = ? AND alias = ?`, orgID, strings.ToLower(alias))
	return mustAffect(res, err, "tag alias")
}

// TagPolicy requires resources to carry Key (after normalisation), with
// one of AllowedValues when that list is not empty.
type TagPolicy struct {
	OrgID, ID     string
	Key           string
	AllowedValues []string
	Description   string
	CreatedAt     time.Time
}

const tagPolicyCols = `org_id, id, tag_key, allowed_values, description, created_at`

func scanTagPolicy(s scanner) (TagPolicy, error) {
	var p TagPolicy
	var allowed string
	if err := s.Scan(&p.OrgID, &p.ID, &p.Key, &allowed, &p.Description, &p.CreatedAt); err != nil {
		return p, err
	}
	p.CreatedAt = p.CreatedAt.UTC()
	return p, json.Unmarshal([]byte(allowed), &p.AllowedValues)
}

func allowedText(v []string) string {
	if v == nil {
		v = []string{}
	}
	b, _ := json.Marshal(v) // a []string always encodes
	return string(b)
}

// ListTagPolicies returns the organisation's policies by key.
func (q *Queries) ListTagPolicies(ctx context.Context, orgID string) ([]TagPolicy, error) {
	rows, err := q.r().query(ctx, `SELECT `+tagPolicyCols+` FROM tag_policies WHERE org_id = ? ORDER BY tag_key, id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanTagPolicy)
}

// GetTagPolicy returns one policy of the organisation.
func (q *Queries) GetTagPolicy(ctx context.Context, orgID, id string) (TagPolicy, error) {
	p, err := scanTagPolicy(q.r().row(ctx, `SELECT `+tagPolicyCols+` FROM tag_policies WHERE org_id = ? AND id = ?`, orgID, id))
	return p, notFound(err, "tag policy")
}

// CreateTagPolicy inserts p (ID and creation time set here). A key that
// already has a policy is a field error on key.
func (q *Queries) CreateTagPolicy(ctx context.Context, p TagPolicy) (TagPolicy, error) {
	if p.ID == "" {
		p.ID = domain.NewID(PrefixTagPolicy)
	}
	p.CreatedAt = domain.Now()
	_, err := q.w().exec(ctx, `INSERT INTO tag_policies (`+tagPolicyCols+`) VALUES (?, ?, ?, ?, ?, ?)`,
		p.OrgID, p.ID, p.Key, allowedText(p.AllowedValues), p.Description, p.CreatedAt)
	return p, policyKeyConflict(err)
}

// UpdateTagPolicy writes a policy's key, allowed values and description.
func (q *Queries) UpdateTagPolicy(ctx context.Context, p TagPolicy) error {
	res, err := q.w().exec(ctx, `UPDATE tag_policies SET tag_key = ?, allowed_values = ?, description = ?
		WHERE org_id = ? AND id = ?`, p.Key, allowedText(p.AllowedValues), p.Description, p.OrgID, p.ID)
	return mustAffect(res, policyKeyConflict(err), "tag policy")
}

// DeleteTagPolicy removes a policy.
func (q *Queries) DeleteTagPolicy(ctx context.Context, orgID, id string) error {
	res, err := q.w().exec(ctx, `DELETE FROM tag_policies WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "tag policy")
}

func policyKeyConflict(err error) error {
	if isUniqueViolation(err) {
		return domain.FieldError("key", "This tag key already has a policy.")
	}
	return err
}
