package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// ID prefixes of tag write-back requests and their batches.
const (
	PrefixTagChange = "tch_"
	PrefixTagBatch  = "twb_"
)

// Tag change statuses (migration 00011).
const (
	TagChangeQueued   = "queued"
	TagChangeRunning  = "running"
	TagChangeApplied  = "applied"
	TagChangeRefused  = "refused"
	TagChangeFailed   = "failed"
	TagChangeConflict = "conflict"
)

// TagChange is one resource's write-back request, with its resource's
// name and cloud ID.
type TagChange struct {
	OrgID, ID, BatchID, ResourceID string
	Tags                           map[string]string
	Status, Reason                 string
	Attempts                       int
	CreatedBy                      string
	CreatedAt                      time.Time
	FinishedAt                     *time.Time
	ResourceName, ResourceRef      string
}

// Finished reports whether the change reached its outcome.
func (c TagChange) Finished() bool {
	return c.Status != TagChangeQueued && c.Status != TagChangeRunning
}

const tagChangeCols = `c.org_id, c.id, c.batch_id, c.resource_id, c.tags, c.status, c.reason, c.attempts, c.created_by,
	c.created_at, c.finished_at, r.name, r.resource_id`

const tagChangeFrom = ` FROM tag_changes c JOIN resources r ON r.org_id = c.org_id AND r.id = c.resource_id `

func scanTagChange(s scanner) (TagChange, error) {
	var c TagChange
	var tags string
	var fin sql.NullTime
	err := s.Scan(&c.OrgID, &c.ID, &c.BatchID, &c.ResourceID, &tags, &c.Status, &c.Reason, &c.Attempts, &c.CreatedBy,
		&c.CreatedAt, &fin, &c.ResourceName, &c.ResourceRef)
	if err != nil {
		return c, err
	}
	c.CreatedAt, c.FinishedAt = c.CreatedAt.UTC(), timePtr(fin)
	if c.Tags, err = tagsJSON(tags); err != nil {
		return c, fmt.Errorf("tag change %s: %w", c.ID, err)
	}
	return c, nil
}

// InsertTagChange adds a write-back request (ID and creation time set
// here unless given) and returns it.
func (q *Queries) InsertTagChange(ctx context.Context, c TagChange) (TagChange, error) {
	if c.ID == "" {
		c.ID = domain.NewID(PrefixTagChange)
	}
	if c.CreatedAt.IsZero() {
		c.CreatedAt = domain.Now()
	}
	_, err := q.w().exec(ctx, `INSERT INTO tag_changes (org_id, id, batch_id, resource_id, tags, status, reason,
		created_by, created_at, finished_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.OrgID, c.ID, c.BatchID,
		c.ResourceID, tagsText(c.Tags), c.Status, c.Reason, c.CreatedBy, c.CreatedAt, optTime(c.FinishedAt))
	return c, err
}

// GetTagChange returns one write-back request of the organisation.
func (q *Queries) GetTagChange(ctx context.Context, orgID, id string) (TagChange, error) {
	c, err := scanTagChange(q.w().row(ctx, `SELECT `+tagChangeCols+tagChangeFrom+`WHERE c.org_id = ? AND c.id = ?`, orgID, id))
	return c, notFound(err, "tag change")
}

// StartTagChange marks a queued (or interrupted running) request running
// and counts the attempt. It reports false, leaving it alone, when the
// request has already reached its outcome: a job run twice writes once.
func (q *Queries) StartTagChange(ctx context.Context, orgID, id string) (TagChange, bool, error) {
	res, err := q.w().exec(ctx, `UPDATE tag_changes SET status = ?, attempts = attempts + 1 WHERE org_id = ? AND id = ?
		AND status IN (?, ?)`, TagChangeRunning, orgID, id, TagChangeQueued, TagChangeRunning)
	if err != nil {
		return TagChange{}, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return TagChange{}, false, err
	}
	c, err := q.GetTagChange(ctx, orgID, id)
	return c, n == 1 && err == nil, err
}

// NoteTagChange records why an attempt failed while it is retried.
func (q *Queries) NoteTagChange(ctx context.Context, orgID, id, reason string) error {
	_, err := q.w().exec(ctx, `UPDATE tag_changes SET reason = ? WHERE org_id = ? AND id = ? AND status = ?`,
		reason, orgID, id, TagChangeRunning)
	return err
}

// FinishTagChange records a request's outcome and the tags it wrote (or
// meant to); a request already finished is left alone (false).
func (q *Queries) FinishTagChange(ctx context.Context, orgID, id, status, reason string, tags map[string]string, at time.Time) (bool, error) {
	res, err := q.w().exec(ctx, `UPDATE tag_changes SET status = ?, reason = ?, tags = ?, finished_at = ? WHERE org_id = ?
		AND id = ? AND status IN (?, ?)`, status, reason, tagsText(tags), at, orgID, id, TagChangeQueued, TagChangeRunning)
	if err != nil {
		return false, err
	}
	n, err := res.RowsAffected()
	return n == 1, err
}

// TagBatchChanges lists one batch's requests by resource name.
func (q *Queries) TagBatchChanges(ctx context.Context, orgID, batchID string) ([]TagChange, error) {
	rows, err := q.r().query(ctx, `SELECT `+tagChangeCols+tagChangeFrom+`WHERE c.org_id = ? AND c.batch_id = ?
		ORDER BY r.name, c.id`, orgID, batchID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanTagChange)
}

// TagBatch summarises one write-back batch: its requests by status.
type TagBatch struct {
	ID, CreatedBy string
	CreatedAt     time.Time
	Counts        map[string]int
	Total         int
}

// TagBatches lists the organisation's newest write-back batches (every
// request of a batch carries the batch's creation time and creator).
func (q *Queries) TagBatches(ctx context.Context, orgID string, limit int) ([]TagBatch, error) {
	rows, err := q.r().query(ctx, `SELECT DISTINCT batch_id, created_by, created_at FROM tag_changes WHERE org_id = ?
		ORDER BY created_at DESC, batch_id DESC LIMIT ?`, orgID, limit)
	if err != nil {
		return nil, err
	}
	out, err := scanAll(rows, func(s scanner) (TagBatch, error) {
		b := TagBatch{Counts: map[string]int{}}
		err := s.Scan(&b.ID, &b.CreatedBy, &b.CreatedAt)
		b.CreatedAt = b.CreatedAt.UTC()
		return b, err
	})
	for i := range out {
		if err == nil {
			err = q.countBatch(ctx, orgID, &out[i])
		}
	}
	return out, err
}

func (q *Queries) countBatch(ctx context.Context, orgID string, b *TagBatch) error {
	rows, err := q.r().query(ctx, `SELECT status, COUNT(*) FROM tag_changes WHERE org_id = ? AND batch_id = ?
		GROUP BY status`, orgID, b.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var status string
		var n int
		if err := rows.Scan(&status, &n); err != nil {
			return err
		}
		b.Counts[status], b.Total = n, b.Total+n
	}
	return rows.Err()
}
