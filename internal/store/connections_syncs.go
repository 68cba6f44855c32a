package store

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// PrefixConnectionSync prefixes connection syncs' IDs.
const PrefixConnectionSync = "syn_"

// Sync triggers and states.
const (
	TriggerScheduled = "scheduled"
	TriggerManual    = "manual"
	TriggerRetry     = "retry"

	SyncQueued    = "queued"
	SyncRunning   = "running"
	SyncSucceeded = "succeeded"
	SyncFailed    = "failed"
	SyncPartial   = "partial" // finished with warnings
)

// ConnectionSync is one run of a connection's sync. Warnings is a JSON
// array of strings; Checkpoint the connector's resume point (JSON, "" for
// none). The window is half-open [WindowFrom, WindowTo) in UTC days.
type ConnectionSync struct {
	ID            string
	OrgID         string
	ConnectionID  string
	Trigger       string
	State         string
	CreatedAt     time.Time
	StartedAt     *time.Time
	FinishedAt    *time.Time
	HeartbeatAt   time.Time
	Attempts      int
	Rows          int64
	Warnings      []byte
	Error         string
	ProgressDone  int64
	ProgressTotal int64
	Phase         string
	Checkpoint    []byte
	WindowFrom    time.Time
	WindowTo      time.Time
}

// Finished reports whether the sync has an outcome.
func (s ConnectionSync) Finished() bool {
	return s.State == SyncSucceeded || s.State == SyncFailed || s.State == SyncPartial
}

const syncCols = `id, org_id, connection_id, trigger_kind, state, created_at, started_at, finished_at, heartbeat_at,
	attempts, rows_done, warnings, error, progress_done, progress_total, phase, checkpoint, window_from, window_to`

func scanSync(s scanner) (ConnectionSync, error) {
	var y ConnectionSync
	var started, finished sql.NullTime
	var warnings, checkpoint string
	err := s.Scan(&y.ID, &y.OrgID, &y.ConnectionID, &y.Trigger, &y.State, &y.CreatedAt, &started, &finished,
		&y.HeartbeatAt, &y.Attempts, &y.Rows, &warnings, &y.Error, &y.ProgressDone, &y.ProgressTotal, &y.Phase,
		&checkpoint, &y.WindowFrom, &y.WindowTo)
	y.StartedAt, y.FinishedAt = timePtr(started), timePtr(finished)
	y.Warnings, y.Checkpoint = []byte(warnings), []byte(checkpoint)
	y.CreatedAt, y.HeartbeatAt = y.CreatedAt.UTC(), y.HeartbeatAt.UTC()
	y.WindowFrom, y.WindowTo = y.WindowFrom.UTC(), y.WindowTo.UTC()
	return y, err
}

// CreateSync inserts a queued sync (ID and times set here). The database
// allows one queued or running sync per connection: another is a
// conflict.
func (q *Queries) CreateSync(ctx context.Context, y ConnectionSync) (ConnectionSync, error) {
	now := domain.Now()
	y.ID, y.State, y.CreatedAt, y.HeartbeatAt = domain.NewID(PrefixConnectionSync), SyncQueued, now, now
	if len(y.Warnings) == 0 {
		y.Warnings = []byte("[]")
	}
	_, err := q.w().exec(ctx, `INSERT INTO connection_syncs (id, org_id, connection_id, trigger_kind, state, created_at,
		heartbeat_at, warnings, checkpoint, window_from, window_to) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		y.ID, y.OrgID, y.ConnectionID, y.Trigger, y.State, now, now, string(y.Warnings), string(y.Checkpoint),
		y.WindowFrom.UTC(), y.WindowTo.UTC())
	if isUniqueViolation(err) {
		return y, domain.Errorf(domain.CodeConflict, "A sync of this connection is already queued or running.")
	}
	return y, err
}

// GetSync returns one sync of the organisation's connection.
func (q *Queries) GetSync(ctx context.Context, orgID, connectionID, id string) (ConnectionSync, error) {
	y, err := scanSync(q.r().row(ctx, `SELECT `+syncCols+` FROM connection_syncs
		WHERE org_id = ? AND connection_id = ? AND id = ?`, orgID, connectionID, id))
	return y, notFound(err, "sync")
}

// ListSyncs pages a connection's syncs, newest first: limit rows created
// before the cursor sync (none: from the newest).
func (q *Queries) ListSyncs(ctx context.Context, orgID, connectionID string, limit int, before *ConnectionSync) ([]ConnectionSync, error) {
	limit = max(1, min(limit, 500))
	var rows *sql.Rows
	var err error
	if before == nil {
		rows, err = q.r().query(ctx, `SELECT `+syncCols+` FROM connection_syncs WHERE org_id = ? AND connection_id = ?
			ORDER BY created_at DESC, id DESC LIMIT ?`, orgID, connectionID, limit)
	} else {
		rows, err = q.r().query(ctx, `SELECT `+syncCols+` FROM connection_syncs WHERE org_id = ? AND connection_id = ?
			AND (created_at < ? OR (created_at = ? AND id < ?)) ORDER BY created_at DESC, id DESC LIMIT ?`,
			orgID, connectionID, before.CreatedAt, before.CreatedAt, before.ID, limit)
	}
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanSync)
}

// ClaimSync moves a queued sync, or a running one whose heartbeat is older
// than staleBefore (its worker died), to running and returns it with
// claimed true; otherwise it returns the sync as it is.
func (q *Queries) ClaimSync(ctx context.Context, orgID, id string, staleBefore time.Time) (ConnectionSync, bool, error) {
	now := domain.Now()
	res, err := q.w().exec(ctx, `UPDATE connection_syncs SET state = ?, started_at = COALESCE(started_at, ?),
		heartbeat_at = ?, attempts = attempts + 1 WHERE org_id = ? AND id = ? AND (state = ? OR (state = ? AND heartbeat_at < ?))`,
		SyncRunning, now, now, orgID, id, SyncQueued, SyncRunning, staleBefore)
	if err != nil {
		return ConnectionSync{}, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return ConnectionSync{}, false, err
	}
	y, err := scanSync(q.w().row(ctx, `SELECT `+syncCols+` FROM connection_syncs WHERE org_id = ? AND id = ?`, orgID, id))
	return y, n == 1, notFound(err, "sync")
}

// SetSyncProgress records a running sync's progress and heartbeat.
func (q *Queries) SetSyncProgress(ctx context.Context, id string, done, total, rows int64, phase string, warnings []byte) error {
	_, err := q.w().exec(ctx, `UPDATE connection_syncs SET progress_done = ?, progress_total = ?, rows_done = ?, phase = ?,
		warnings = ?, heartbeat_at = ? WHERE id = ? AND state = ?`, done, total, rows, phase, string(warnings), domain.Now(), id, SyncRunning)
	return err
}

// SetSyncCheckpoint stores a running sync's resume point.
func (q *Queries) SetSyncCheckpoint(ctx context.Context, id string, checkpoint []byte) error {
	res, err := q.w().exec(ctx, `UPDATE connection_syncs SET checkpoint = ?, heartbeat_at = ? WHERE id = ? AND state = ?`,
		string(checkpoint), domain.Now(), id, SyncRunning)
	return mustAffect(res, err, "running sync")
}

// RequeueSync puts a running sync back in the queue (its worker stopped);
// its checkpoint stays for the next attempt.
func (q *Queries) RequeueSync(ctx context.Context, id string) error {
	_, err := q.w().exec(ctx, `UPDATE connection_syncs SET state = ?, heartbeat_at = ? WHERE id = ? AND state = ?`,
		SyncQueued, domain.Now(), id, SyncRunning)
	return err
}

// FinishSync records a sync's outcome (y.State succeeded, failed or
// partial, with rows, warnings, error and progress).
func (q *Queries) FinishSync(ctx context.Context, y ConnectionSync) error {
	now := domain.Now()
	res, err := q.w().exec(ctx, `UPDATE connection_syncs SET state = ?, finished_at = ?, heartbeat_at = ?, rows_done = ?,
		warnings = ?, error = ?, progress_done = ?, progress_total = ?, phase = ? WHERE org_id = ? AND id = ?`,
		y.State, now, now, y.Rows, string(y.Warnings), y.Error, y.ProgressDone, y.ProgressTotal, y.Phase, y.OrgID, y.ID)
	return mustAffect(res, err, "sync")
}

// SyncsBefore lists syncs in state whose heartbeat is older than t: what
// the startup sweep looks at.
func (q *Queries) SyncsBefore(ctx context.Context, state string, t time.Time) ([]ConnectionSync, error) {
	rows, err := q.w().query(ctx, `SELECT `+syncCols+` FROM connection_syncs WHERE state = ? AND heartbeat_at < ?
		ORDER BY heartbeat_at`, state, t)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanSync)
}

// ActiveSync returns the connection's queued or running sync, if any.
func (q *Queries) ActiveSync(ctx context.Context, orgID, connectionID string) (*ConnectionSync, error) {
	y, err := scanSync(q.r().row(ctx, `SELECT `+syncCols+` FROM connection_syncs WHERE org_id = ? AND connection_id = ?
		AND state IN (?, ?) LIMIT 1`, orgID, connectionID, SyncQueued, SyncRunning))
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	return &y, err
}
