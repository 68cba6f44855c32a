package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// CBVersion is one generated chargeback of a month (immutable).
type CBVersion struct {
	OrgID             string
	Month             time.Time
	Version           int
	Status, Reason    string
	Currency          string
	AllocationVersion int
	Billed            domain.Amount // the month's billed cost in Currency when generated
	CreatedBy         string
	CreatedAt         time.Time
}

// CBUnit is a business unit's part of a chargeback version. Charged is
// false for Unallocated and the unassigned licences, which are kept for
// the reconciliation but billed to nobody.
type CBUnit struct {
	UnitID, Name string
	Owners       []string // e-mail addresses
	Charged      bool
	Allocated    domain.Amount // exact
	PriceList    domain.Amount // the part of Allocated valued from the licence price list
	Extra        domain.Amount // exact
	Total        domain.Amount // Allocated + Extra rounded to the minor unit
}

// CBLine is one line of a unit: allocated cost or an extra charge.
type CBLine struct {
	UnitID                  string
	Kind                    string
	Category, Service, Desc string
	Amount                  domain.Amount
}

// CBDetail is a version with its units and lines.
type CBDetail struct {
	CBVersion
	Units []CBUnit
	Lines []CBLine
}

const cbVersionCols = `org_id, month, version, status, reason, currency, allocation_version, billed_units, billed_nanos, created_by, created_at`

func scanCBVersion(s scanner) (CBVersion, error) {
	var v CBVersion
	err := s.Scan(&v.OrgID, &v.Month, &v.Version, &v.Status, &v.Reason, &v.Currency, &v.AllocationVersion,
		&v.Billed.Units, &v.Billed.Nanos, &v.CreatedBy, &v.CreatedAt)
	v.Month, v.CreatedAt = v.Month.UTC(), v.CreatedAt.UTC()
	return v, err
}

// CreateChargeback stores d as the month's next version (its number and
// time are set here) with its units and lines, in one transaction.
func (s *Store) CreateChargeback(ctx context.Context, d CBDetail) (CBVersion, error) {
	err := s.InTx(ctx, func(tx *Tx) error {
		var last sql.NullInt64
		if err := tx.w().row(ctx, `SELECT MAX(version) FROM chargeback_versions WHERE org_id = ? AND month = ?`,
			d.OrgID, d.Month).Scan(&last); err != nil {
			return err
		}
		d.Version, d.CreatedAt = int(last.Int64)+1, domain.Now()
		v := d.CBVersion
		if _, err := tx.w().exec(ctx, `INSERT INTO chargeback_versions (`+cbVersionCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			v.OrgID, v.Month, v.Version, v.Status, v.Reason, v.Currency, v.AllocationVersion, v.Billed.Units, v.Billed.Nanos,
			v.CreatedBy, v.CreatedAt); err != nil {
			if isUniqueViolation(err) {
				return domain.Errorf(domain.CodeConflict, "another chargeback of this month was generated at the same time; try again")
			}
			return err
		}
		return tx.insertCBParts(ctx, d)
	})
	return d.CBVersion, err
}

func (q *Queries) insertCBParts(ctx context.Context, d CBDetail) error {
	for _, u := range d.Units {
		owners, _ := json.Marshal(ownerList(u.Owners))
		if _, err := q.w().exec(ctx, `INSERT INTO chargeback_units (org_id, month, version, unit_id, name, owners, charged,
			allocated_units, allocated_nanos, pricelist_units, pricelist_nanos, extra_units, extra_nanos, total_units, total_nanos)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.OrgID, d.Month, d.Version, u.UnitID, u.Name, string(owners), u.Charged, u.Allocated.Units, u.Allocated.Nanos,
			u.PriceList.Units, u.PriceList.Nanos, u.Extra.Units, u.Extra.Nanos, u.Total.Units, u.Total.Nanos); err != nil {
			return err
		}
	}
	for i, l := range d.Lines {
		if _, err := q.w().exec(ctx, `INSERT INTO chargeback_lines (org_id, month, version, unit_id, seq, kind, category,
			service, description, amount_units, amount_nanos) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
			d.OrgID, d.Month, d.Version, l.UnitID, i, l.Kind, l.Category, l.Service, l.Desc, l.Amount.Units, l.Amount.Nanos); err != nil {
			return err
		}
	}
	return nil
}

func ownerList(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// ListChargebacks returns the organisation's chargeback versions, newest
// month first and within a month newest version first.
func (q *Queries) ListChargebacks(ctx context.Context, orgID string, limit int) ([]CBVersion, error) {
	rows, err := q.r().query(ctx, `SELECT `+cbVersionCols+` FROM chargeback_versions WHERE org_id = ?
		ORDER BY month DESC, version DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanCBVersion)
}

// GetChargeback returns one version of a month with its units and lines
// (version 0: the latest).
func (q *Queries) GetChargeback(ctx context.Context, orgID string, month time.Time, version int) (CBDetail, error) {
	row := q.r().row(ctx, `SELECT `+cbVersionCols+` FROM chargeback_versions WHERE org_id = ? AND month = ?
		AND (version = ? OR ? = 0) ORDER BY version DESC LIMIT 1`, orgID, month, version, version)
	v, err := scanCBVersion(row)
	if err != nil {
		return CBDetail{}, notFound(err, "chargeback")
	}
	d := CBDetail{CBVersion: v}
	if d.Units, err = q.cbUnits(ctx, v); err != nil {
		return d, err
	}
	d.Lines, err = q.cbLines(ctx, v)
	return d, err
}

func (q *Queries) cbUnits(ctx context.Context, v CBVersion) ([]CBUnit, error) {
	rows, err := q.r().query(ctx, `SELECT unit_id, name, owners, charged, allocated_units, allocated_nanos, pricelist_units,
		pricelist_nanos, extra_units, extra_nanos, total_units, total_nanos FROM chargeback_units
		WHERE org_id = ? AND month = ? AND version = ? ORDER BY charged DESC, name, unit_id`, v.OrgID, v.Month, v.Version)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (CBUnit, error) {
		var u CBUnit
		var owners string
		err := s.Scan(&u.UnitID, &u.Name, &owners, &u.Charged, &u.Allocated.Units, &u.Allocated.Nanos, &u.PriceList.Units,
			&u.PriceList.Nanos, &u.Extra.Units, &u.Extra.Nanos, &u.Total.Units, &u.Total.Nanos)
		if err == nil {
			err = json.Unmarshal([]byte(owners), &u.Owners)
		}
		return u, err
	})
}

func (q *Queries) cbLines(ctx context.Context, v CBVersion) ([]CBLine, error) {
	rows, err := q.r().query(ctx, `SELECT unit_id, kind, category, service, description, amount_units, amount_nanos
		FROM chargeback_lines WHERE org_id = ? AND month = ? AND version = ? ORDER BY unit_id, seq`, v.OrgID, v.Month, v.Version)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (CBLine, error) {
		var l CBLine
		err := s.Scan(&l.UnitID, &l.Kind, &l.Category, &l.Service, &l.Desc, &l.Amount.Units, &l.Amount.Nanos)
		return l, err
	})
}

// PartnerCenterInvoiced reports whether a connection imported a Partner
// Center invoice whose billing period overlaps [from, to): a succeeded
// import under the connection's invoice source keys.
func (q *Queries) PartnerCenterInvoiced(ctx context.Context, orgID, connectionID string, from, to time.Time) (bool, error) {
	var n int
	err := q.r().row(ctx, `SELECT COUNT(*) FROM cost_imports WHERE org_id = ? AND source_key LIKE ? AND status = 'succeeded'
		AND billing_period_start < ? AND billing_period_end > ?`,
		orgID, "connection:"+connectionID+":pc-invoice:%", to, from).Scan(&n)
	return n > 0, err
}

// CBTotal is what a version charges its business units.
type CBTotal struct {
	Total domain.Amount
	Units int
}

// ChargebackTotals sums each version's charged units (rounded totals),
// keyed by month (YYYY-MM) and version.
func (q *Queries) ChargebackTotals(ctx context.Context, orgID string) (map[string]map[int]CBTotal, error) {
	rows, err := q.r().query(ctx, `SELECT month, version, COALESCE(SUM(total_units), 0), COALESCE(SUM(total_nanos), 0), COUNT(*)
		FROM chargeback_units WHERE org_id = ? AND charged = ? GROUP BY month, version`, orgID, true)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]map[int]CBTotal{}
	for rows.Next() {
		var m time.Time
		var v, units, nanos int64
		var t CBTotal
		if err := rows.Scan(&m, &v, &units, &nanos, &t.Units); err != nil {
			return nil, err
		}
		if t.Total, err = domain.NormalizeAmount(units, 0, nanos); err != nil {
			return nil, err
		}
		key := m.UTC().Format("2006-01")
		if out[key] == nil {
			out[key] = map[int]CBTotal{}
		}
		out[key][int(v)] = t
	}
	return out, rows.Err()
}
