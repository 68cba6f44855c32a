package store

import (
	"context"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// ChainFunc computes an audit entry's hash from the previous hash and the
// entry (internal/audit owns the rule).
type ChainFunc func(prevHash string, ev *domain.AuditEvent) string

// AppendAudit appends an entry to the hash chain in its own transaction.
func (s *Store) AppendAudit(ctx context.Context, ev domain.AuditEvent, chain ChainFunc) (domain.AuditEvent, error) {
	var out domain.AuditEvent
	err := s.InTx(ctx, func(tx *Tx) error {
		var err error
		out, err = tx.AppendAudit(ctx, ev, chain)
		return err
	})
	return out, err
}

// AppendAudit appends an entry inside the caller's transaction. Updating the
// head row first locks it, so appends from several processes serialise and
// the chain never forks.
func (q *Queries) AppendAudit(ctx context.Context, ev domain.AuditEvent, chain ChainFunc) (domain.AuditEvent, error) {
	err := q.w().row(ctx, `UPDATE audit_head SET seq = seq + 1 WHERE id = 1 RETURNING seq, hash`).Scan(&ev.Seq, &ev.PrevHash)
	if err != nil {
		return ev, err
	}
	ev.Hash = chain(ev.PrevHash, &ev)
	_, err = q.w().exec(ctx, `INSERT INTO audit_events (seq, id, org_id, at, actor_id, actor_email, action,
		target_type, target_id, ip, user_agent, details, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		ev.Seq, ev.ID, ev.OrgID, ev.At, ev.ActorID, ev.ActorEmail, ev.Action, ev.TargetType, ev.TargetID,
		ev.IP, ev.UserAgent, ev.Details, ev.PrevHash, ev.Hash)
	if err != nil {
		return ev, err
	}
	_, err = q.w().exec(ctx, `UPDATE audit_head SET hash = ? WHERE id = 1`, ev.Hash)
	return ev, err
}

// AuditHead returns the sequence number and hash of the newest entry.
func (q *Queries) AuditHead(ctx context.Context) (int64, string, error) {
	var seq int64
	var hash string
	err := q.w().row(ctx, `SELECT seq, hash FROM audit_head WHERE id = 1`).Scan(&seq, &hash)
	return seq, hash, err
}

const auditCols = `seq, id, org_id, at, actor_id, actor_email, action, target_type, target_id,
	ip, user_agent, details, prev_hash, hash`

func scanAudit(s scanner) (domain.AuditEvent, error) {
	var e domain.AuditEvent
	err := s.Scan(&e.Seq, &e.ID, &e.OrgID, &e.At, &e.ActorID, &e.ActorEmail, &e.Action, &e.TargetType,
		&e.TargetID, &e.IP, &e.UserAgent, &e.Details, &e.PrevHash, &e.Hash)
	e.At = e.At.UTC()
	return e, err
}

// ScanAudit calls fn for every entry in chain order, in batches.
func (q *Queries) ScanAudit(ctx context.Context, fn func(domain.AuditEvent) error) error {
	var after int64
	for {
		rows, err := q.r().query(ctx, `SELECT `+auditCols+` FROM audit_events WHERE seq > ? ORDER BY seq LIMIT 1000`, after)
		if err != nil {
			return err
		}
		batch, err := scanAll(rows, scanAudit)
		if err != nil {
			return err
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
			after = e.Seq
		}
		if len(batch) < 1000 {
			return nil
		}
	}
}

// AuditFilter narrows ListAudit. Times are half-open [From, To).
type AuditFilter struct {
	Action string // exact action, or a prefix ending in "." (e.g. "user.")
	Actor  string // actor email substring
	From   *time.Time
	To     *time.Time
	Cursor string
	Limit  int
}

// ListAudit returns an org's audit entries, newest first. Account-level
// entries (sign-ins, password and MFA changes, stored without an org) are
// included for the org's members.
func (q *Queries) ListAudit(ctx context.Context, orgID string, f AuditFilter) (domain.Page[domain.AuditEvent], error) {
	var page domain.Page[domain.AuditEvent]
	limit := clampLimit(f.Limit)
	sqlq := `SELECT ` + auditCols + ` FROM audit_events WHERE (org_id = ? OR (org_id = '' AND target_type = 'user'
		AND target_id IN (SELECT user_id FROM memberships WHERE org_id = ?)))`
	args := []any{orgID, orgID}
	sqlq, args = f.where(sqlq, args)
	if f.Cursor != "" {
		c, err := decodeCursor(f.Cursor)
		seq, perr := strconv.ParseInt(c, 10, 64)
		if err != nil || perr != nil {
			return page, &domain.Error{Code: domain.CodeInvalid, Field: "cursor", Message: "malformed cursor"}
		}
		sqlq += ` AND seq < ?`
		args = append(args, seq)
	}
	sqlq += ` ORDER BY seq DESC LIMIT ?`
	args = append(args, limit+1)
	rows, err := q.r().query(ctx, sqlq, args...)
	if err != nil {
		return page, err
	}
	if page.Items, err = scanAll(rows, scanAudit); err != nil {
		return page, err
	}
	if len(page.Items) > limit {
		page.Items = page.Items[:limit]
		page.NextCursor = encodeCursor(strconv.FormatInt(page.Items[limit-1].Seq, 10))
	}
	return page, nil
}

func (f AuditFilter) where(sqlq string, args []any) (string, []any) {
	if f.Action != "" {
		if f.Action[len(f.Action)-1] == '.' {
			sqlq += ` AND action LIKE ? ESCAPE '\'`
			args = append(args, escapeLike(f.Action)+"%")
		} else {
			sqlq += ` AND action = ?`
			args = append(args, f.Action)
		}
	}
	if f.Actor != "" {
		sqlq += ` AND actor_email LIKE ? ESCAPE '\'`
		args = append(args, "%"+escapeLike(NormalizeEmail(f.Actor))+"%")
	}
	if f.From != nil {
		sqlq += ` AND at >= ?`
		args = append(args, f.From.UTC())
	}
	if f.To != nil {
		sqlq += ` AND at < ?`
		args = append(args, f.To.UTC())
	}
	return sqlq, args
}
