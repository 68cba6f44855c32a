package store

import (
	"context"
	"crypto/rand"
	"encoding/binary"
	"strconv"
)

// The cost data stamp (migration 00031, table cost_stamps) lets a cache
// of the cost queries know that its entry is still exact. Aggregate and
// Values read, for an organisation: cost_imports (which imports are
// succeeded), cost_daily, cost_daily_values, cost_segments and
// cost_detail_segments (the rows of those imports), cost_dims,
// cost_tagsets and cost_tagset_pairs (the dictionaries); Costs keeps no
// state in memory between calls. Every write that can change an answer
// replaces the organisation's token (or the global one) in its own
// transaction, or right after the change when there is none:
//
//   - finishImport: an import becomes succeeded and replaces the earlier
//     import of its source (both engines; inside the import's last
//     transaction). This is the only way an import becomes visible or
//     stops being visible: there is no import deletion.
//   - deleteOrgMonth (canopy costs drop-month --org): the organisation's
//     rows of a month, in the same transaction.
//   - detachMonth (canopy costs drop-month without --org): the global
//     token, after the partitions are detached, and also when a step
//     failed (running it again finishes the month and replaces the token
//     again). An operator who attaches an archived month again by hand
//     must replace the global token too (docs/operations.md).
//
// Writes that change no answer and so leave the token alone: an import
// while it runs (its rows belong to an import not yet succeeded), a
// failed import and its cleanup (failImport, SQLite's discardRows: the
// dictionary entries it deletes are those only its invisible rows used),
// SweepAbandoned (running imports only), dictionary entries added by any
// import (no visible row refers to a new id until its import succeeds, and
// then finishImport replaces the token), and the one-off conversions at
// migration (convertLegacyLines, splitSegments: the same facts stored
// another way).

// bumpCostStamp gives the organisation's cost data (or, for orgID "",
// every organisation's) a new random token.
func bumpCostStamp(ctx context.Context, cn conn, orgID string) error {
	var b [8]byte
	if _, err := rand.Read(b[:]); err != nil {
		return err
	}
	token := int64(binary.LittleEndian.Uint64(b[:]) >> 1)
	_, err := cn.exec(ctx, `INSERT INTO cost_stamps (org_id, stamp) VALUES (?, ?)
		ON CONFLICT (org_id) DO UPDATE SET stamp = excluded.stamp`, orgID, token)
	return err
}

// CostStamp is the organisation's cost data stamp: it changes whenever
// what Aggregate or Values answer for the organisation may have changed.
// It is read where the queries read (the replica for ReadCosts), and a
// cache must read it before the query it caches: an answer is then never
// older than the stamp it is filed under. With a replica, that needs the
// replica's reads to be monotonic (one streaming replica, not a pool of
// replicas with different lags).
func (c *Costs) CostStamp(ctx context.Context, orgID string) (string, error) {
	rows, err := c.reader().query(ctx, `SELECT org_id, stamp FROM cost_stamps WHERE org_id IN (?, '')`, orgID)
	if err != nil {
		return "", err
	}
	defer rows.Close()
	var own, global int64
	for rows.Next() {
		var org string
		var v int64
		if err := rows.Scan(&org, &v); err != nil {
			return "", err
		}
		if org == "" {
			global = v
		} else {
			own = v
		}
	}
	if err := rows.Err(); err != nil {
		return "", err
	}
	return strconv.FormatInt(own, 36) + "." + strconv.FormatInt(global, 36), nil
}

// BumpCostStamp replaces the organisation's cost data stamp (orgID ""
// every organisation's), for operators who changed cost tables by hand.
func (c *Costs) BumpCostStamp(ctx context.Context, orgID string) error {
	return bumpCostStamp(ctx, c.writer(), orgID)
}
