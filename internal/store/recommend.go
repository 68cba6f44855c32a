package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Recommendation statuses. Open, dismissed and done are set by people;
// resolved means the source stopped listing an open recommendation.
const (
	RecOpen      = "open"
	RecDismissed = "dismissed"
	RecDone      = "done"
	RecResolved  = "resolved"
)

// SourceRecommendation is one recommendation as a sync read it from its
// source; SourceKey is stable across syncs for the same finding.
type SourceRecommendation struct {
	SourceKey, Category, Account, ResourceID, Region string
	Title, Detail                                    string
	// SourceSavings is the source's monthly estimate (exact decimal text,
	// "" when none) in SourceCurrency.
	SourceSavings, SourceCurrency string
	// Licences is JSON [{"sku_part_number","seats"}] for licence
	// recommendations; empty otherwise.
	Licences []byte
}

// Recommendation is a stored recommendation with its status and history.
type Recommendation struct {
	ID, OrgID, ConnectionID, Source string
	SourceRecommendation
	Status, StatusReason, StatusBy string
	StatusAt, DoneAt               *time.Time
	FirstSeen, LastSeen            time.Time
	GoneAt                         *time.Time // the source no longer lists it
}

// RecSyncResult counts what a replacement changed.
type RecSyncResult struct {
	Added, Updated, Gone, Reopened int
}

// RecFilter narrows a listing; empty fields do not filter.
type RecFilter struct {
	Sources, Categories, Statuses, Accounts []string
	ConnectionID                            string
}

const recCols = `id, org_id, connection_id, source, source_key, category, account, resource_id, region, title, detail,
	source_savings, source_currency, licences, status, status_reason, status_by, status_at, done_at, first_seen, last_seen, gone_at`

func scanRec(s scanner) (Recommendation, error) {
	var r Recommendation
	var lic string
	var statusAt, doneAt, goneAt sql.NullTime
	err := s.Scan(&r.ID, &r.OrgID, &r.ConnectionID, &r.Source, &r.SourceKey, &r.Category, &r.Account, &r.ResourceID,
		&r.Region, &r.Title, &r.Detail, &r.SourceSavings, &r.SourceCurrency, &lic, &r.Status, &r.StatusReason,
		&r.StatusBy, &statusAt, &doneAt, &r.FirstSeen, &r.LastSeen, &goneAt)
	r.Licences = []byte(lic)
	r.StatusAt, r.DoneAt, r.GoneAt = timePtr(statusAt), timePtr(doneAt), timePtr(goneAt)
	r.FirstSeen, r.LastSeen = r.FirstSeen.UTC(), r.LastSeen.UTC()
	return r, err
}

// ReplaceRecommendations stores recs as everything source currently lists
// for the connection, all or nothing: known keys are updated (a resolved
// one reopens), new keys are added, and stored ones missing from recs are
// marked gone at at — an open one becomes resolved; dismissed and done
// ones keep their status. Nothing is deleted.
func (s *Store) ReplaceRecommendations(ctx context.Context, orgID, connectionID, source string, recs []SourceRecommendation, at time.Time) (RecSyncResult, error) {
	return s.ReplaceAccountRecommendations(ctx, orgID, connectionID, source, "", recs, at)
}

// ReplaceAccountRecommendations is ReplaceRecommendations for the
// recommendations of one account of the connection (an Azure
// subscription read on its own); account "" means all of them.
func (s *Store) ReplaceAccountRecommendations(ctx context.Context, orgID, connectionID, source, account string, recs []SourceRecommendation, at time.Time) (RecSyncResult, error) {
	var res RecSyncResult
	at = at.UTC().Truncate(time.Microsecond)
	err := s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.GetConnection(ctx, orgID, connectionID); err != nil {
			return err
		}
		res = RecSyncResult{}
		return tx.replaceRecs(ctx, orgID, connectionID, source, account, recs, at, &res)
	})
	return res, err
}

func (q *Queries) replaceRecs(ctx context.Context, org, conn, source, account string, recs []SourceRecommendation, at time.Time, res *RecSyncResult) error {
	rows, err := q.w().query(ctx, `SELECT `+recCols+` FROM recommendations WHERE org_id = ? AND connection_id = ? AND source = ?
		AND (? = '' OR account = ?)`, org, conn, source, account, account)
	if err != nil {
		return err
	}
	stored, err := scanAll(rows, scanRec)
	if err != nil {
		return err
	}
	byKey := make(map[string]Recommendation, len(stored))
	for _, r := range stored {
		byKey[r.SourceKey] = r
	}
	seen := make(map[string]bool, len(recs))
	for _, r := range recs {
		if seen[r.SourceKey] {
			continue // a source listing a finding twice counts once
		}
		seen[r.SourceKey] = true
		old, ok := byKey[r.SourceKey]
		if err := q.putRec(ctx, org, conn, source, r, old, ok, at, res); err != nil {
			return err
		}
	}
	for _, old := range stored {
		if seen[old.SourceKey] || old.GoneAt != nil {
			continue
		}
		if err := q.markRecGone(ctx, old, at); err != nil {
			return err
		}
		res.Gone++
	}
	return nil
}

func (q *Queries) putRec(ctx context.Context, org, conn, source string, r SourceRecommendation, old Recommendation, exists bool, at time.Time, res *RecSyncResult) error {
	lic := jsonOr(r.Licences, "[]")
	if !exists {
		res.Added++
		_, err := q.w().exec(ctx, `INSERT INTO recommendations (id, org_id, connection_id, source, source_key, category, account,
			resource_id, region, title, detail, source_savings, source_currency, licences, status, first_seen, last_seen)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, domain.NewID("rec_"), org, conn, source, r.SourceKey,
			r.Category, r.Account, r.ResourceID, r.Region, r.Title, r.Detail, r.SourceSavings, r.SourceCurrency, lic, RecOpen, at, at)
		return err
	}
	res.Updated++
	status, statusAt, by := old.Status, optTime(old.StatusAt), old.StatusBy
	if old.Status == RecResolved { // listed again: it is a live recommendation once more
		res.Reopened++
		status, statusAt, by = RecOpen, at, "source"
	}
	_, err := q.w().exec(ctx, `UPDATE recommendations SET category = ?, account = ?, resource_id = ?, region = ?, title = ?,
		detail = ?, source_savings = ?, source_currency = ?, licences = ?, status = ?, status_at = ?, status_by = ?,
		last_seen = ?, gone_at = NULL WHERE id = ? AND org_id = ?`, r.Category, r.Account, r.ResourceID, r.Region, r.Title,
		r.Detail, r.SourceSavings, r.SourceCurrency, lic, status, statusAt, by, at, old.ID, org)
	return err
}

func (q *Queries) markRecGone(ctx context.Context, old Recommendation, at time.Time) error {
	status, statusAt, by, reason := old.Status, optTime(old.StatusAt), old.StatusBy, old.StatusReason
	if old.Status == RecOpen {
		status, statusAt, by, reason = RecResolved, at, "source", "No longer listed by the source."
	}
	_, err := q.w().exec(ctx, `UPDATE recommendations SET gone_at = ?, status = ?, status_at = ?, status_by = ?,
		status_reason = ? WHERE id = ? AND org_id = ?`, at, status, statusAt, by, reason, old.ID, old.OrgID)
	return err
}

// ListRecommendations returns the organisation's recommendations matching
// f, newest first.
func (q *Queries) ListRecommendations(ctx context.Context, orgID string, f RecFilter) ([]Recommendation, error) {
	where, args := []string{"org_id = ?"}, []any{orgID}
	for _, c := range []struct {
		col  string
		vals []string
	}{{"source", f.Sources}, {"category", f.Categories}, {"status", f.Statuses}, {"account", f.Accounts}} {
		if len(c.vals) == 0 {
			continue
		}
		where = append(where, c.col+" IN (?"+strings.Repeat(", ?", len(c.vals)-1)+")")
		for _, v := range c.vals {
			args = append(args, v)
		}
	}
	if f.ConnectionID != "" {
		where, args = append(where, "connection_id = ?"), append(args, f.ConnectionID)
	}
	rows, err := q.r().query(ctx, `SELECT `+recCols+` FROM recommendations WHERE `+strings.Join(where, " AND ")+
		` ORDER BY first_seen DESC, id`, args...)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanRec)
}

// GetRecommendation returns one recommendation of the organisation.
func (q *Queries) GetRecommendation(ctx context.Context, orgID, id string) (Recommendation, error) {
	r, err := scanRec(q.w().row(ctx, `SELECT `+recCols+` FROM recommendations WHERE org_id = ? AND id = ?`, orgID, id))
	return r, notFound(err, "recommendation")
}

// RecStatus is a status change made by a person.
type RecStatus struct {
	Status, Reason, By string
	At                 time.Time
	DoneAt             *time.Time // set when marked done, nil otherwise
}

// SetRecommendationStatus records a status change; from is the status the
// caller saw (a concurrent change makes it a conflict).
func (q *Queries) SetRecommendationStatus(ctx context.Context, orgID, id, from string, st RecStatus) error {
	res, err := q.w().exec(ctx, `UPDATE recommendations SET status = ?, status_reason = ?, status_by = ?, status_at = ?,
		done_at = ? WHERE org_id = ? AND id = ? AND status = ?`, st.Status, st.Reason, st.By, st.At.UTC(),
		optTime(st.DoneAt), orgID, id, from)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil || n == 1 {
		return err
	}
	if _, err := q.GetRecommendation(ctx, orgID, id); err != nil {
		return err
	}
	return domain.Errorf(domain.CodeConflict, "the recommendation changed meanwhile (it is no longer %s); reload it", from)
}
