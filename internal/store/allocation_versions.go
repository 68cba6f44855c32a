package store

import (
	"context"
	"database/sql"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// AllocVersion is one saved allocation rule set; Ruleset is its JSON.
type AllocVersion struct {
	OrgID                  string
	Version                int
	Ruleset                []byte
	Note, CreatedBy        string
	CreatedAt              time.Time
	Affects                bool
	ChangedFrom, ChangedTo *time.Time
}

const allocVersionCols = `org_id, version, ruleset, note, created_by, created_at, affects, changed_from, changed_to`

func scanAllocVersion(s scanner) (AllocVersion, error) {
	var v AllocVersion
	var rs string
	var from, to sql.NullTime
	err := s.Scan(&v.OrgID, &v.Version, &rs, &v.Note, &v.CreatedBy, &v.CreatedAt, &v.Affects, &from, &to)
	v.Ruleset, v.CreatedAt, v.ChangedFrom, v.ChangedTo = []byte(rs), v.CreatedAt.UTC(), timePtr(from), timePtr(to)
	return v, err
}

// CreateAllocVersion appends v as the organisation's next version (its
// number is set here) and points every month the change does not affect
// at the results the previous version reads for it. Run it in a
// transaction with the recomputation of the affected months.
func (q *Queries) CreateAllocVersion(ctx context.Context, v AllocVersion, unaffected []time.Time) (AllocVersion, error) {
	var last sql.NullInt64
	if err := q.w().row(ctx, `SELECT MAX(version) FROM allocation_versions WHERE org_id = ?`, v.OrgID).Scan(&last); err != nil {
		return v, err
	}
	v.Version, v.CreatedAt = int(last.Int64)+1, domain.Now()
	if _, err := q.w().exec(ctx, `INSERT INTO allocation_versions (`+allocVersionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		v.OrgID, v.Version, string(v.Ruleset), v.Note, v.CreatedBy, v.CreatedAt, v.Affects, v.ChangedFrom, v.ChangedTo); err != nil {
		if isUniqueViolation(err) {
			return v, domain.Errorf(domain.CodeConflict, "another change to the rules was saved at the same time; reload and try again")
		}
		return v, err
	}
	for _, m := range unaffected {
		if _, err := q.w().exec(ctx, `INSERT INTO allocation_months (org_id, version, month, computed_version, computed_at)
			SELECT org_id, ?, month, computed_version, computed_at FROM allocation_months WHERE org_id = ? AND version = ? AND month = ?`,
			v.Version, v.OrgID, v.Version-1, m); err != nil {
			return v, err
		}
	}
	return v, nil
}

// GetAllocVersion returns a version (0: the latest; not found when none).
func (q *Queries) GetAllocVersion(ctx context.Context, orgID string, version int) (AllocVersion, error) {
	if version <= 0 {
		v, err := scanAllocVersion(q.w().row(ctx, `SELECT `+allocVersionCols+` FROM allocation_versions WHERE org_id = ?
			ORDER BY version DESC LIMIT 1`, orgID))
		return v, notFound(err, "allocation version")
	}
	v, err := scanAllocVersion(q.w().row(ctx, `SELECT `+allocVersionCols+` FROM allocation_versions WHERE org_id = ? AND version = ?`,
		orgID, version))
	return v, notFound(err, "allocation version")
}

// ListAllocVersions returns the organisation's versions, newest first.
func (q *Queries) ListAllocVersions(ctx context.Context, orgID string, limit int) ([]AllocVersion, error) {
	rows, err := q.w().query(ctx, `SELECT `+allocVersionCols+` FROM allocation_versions WHERE org_id = ?
		ORDER BY version DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanAllocVersion)
}

// AllocMonth says which computation answers a month under a version.
type AllocMonth struct {
	Month           time.Time
	ComputedVersion int
	ComputedAt      time.Time
}

// AllocMonths returns the months a version has results for.
func (q *Queries) AllocMonths(ctx context.Context, orgID string, version int) (map[time.Time]AllocMonth, error) {
	rows, err := q.w().query(ctx, `SELECT month, computed_version, computed_at FROM allocation_months
		WHERE org_id = ? AND version = ?`, orgID, version)
	if err != nil {
		return nil, err
	}
	list, err := scanAll(rows, func(s scanner) (AllocMonth, error) {
		var m AllocMonth
		err := s.Scan(&m.Month, &m.ComputedVersion, &m.ComputedAt)
		m.Month, m.ComputedAt = m.Month.UTC(), m.ComputedAt.UTC()
		return m, err
	})
	out := make(map[time.Time]AllocMonth, len(list))
	for _, m := range list {
		out[m.Month] = m
	}
	return out, err
}

// ForgetAllocMonths drops which computation answers each month under
// version, so the months are computed again when next read (after a
// change outside the rule set, such as a licence mapping). The results
// earlier versions read stay.
func (q *Queries) ForgetAllocMonths(ctx context.Context, orgID string, version int) error {
	_, err := q.w().exec(ctx, `DELETE FROM allocation_months WHERE org_id = ? AND version = ?`, orgID, version)
	return err
}
