package store

import (
	"context"
	"database/sql"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// PrefixConnection prefixes cloud connections' IDs.
const PrefixConnection = "con_"

// Connection statuses: the outcome of the last finished sync.
const (
	ConnectionNew     = "new" // never synced
	ConnectionOK      = "ok"
	ConnectionPartial = "partial"
	ConnectionFailed  = "failed"
)

// Connection is one cloud account, tenant or partner account Canopy syncs
// from. Secret is the sealed credential (keyvault output), never the
// plaintext; Settings is a JSON object of non-secret values.
type Connection struct {
	ID            string
	OrgID         string
	Kind          string
	Name          string
	Settings      []byte
	Secret        []byte
	SyncHour      int
	Enabled       bool
	Status        string
	SyncedThrough *time.Time // exclusive end day of the last successful window
	LastSyncAt    *time.Time // when the last sync finished
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

const connectionCols = `id, org_id, kind, name, settings, secret, sync_hour, enabled, status, synced_through,
	last_sync_at, created_at, updated_at`

func scanConnection(s scanner) (Connection, error) {
	var c Connection
	var settings string
	var through, last sql.NullTime
	err := s.Scan(&c.ID, &c.OrgID, &c.Kind, &c.Name, &settings, &c.Secret, &c.SyncHour, &c.Enabled, &c.Status,
		&through, &last, &c.CreatedAt, &c.UpdatedAt)
	c.Settings = []byte(settings)
	c.SyncedThrough, c.LastSyncAt = timePtr(through), timePtr(last)
	c.CreatedAt, c.UpdatedAt = c.CreatedAt.UTC(), c.UpdatedAt.UTC()
	return c, err
}

// CreateConnection inserts c (ID, timestamps and status are set here) and
// returns it. A name already used in the organisation is a conflict.
func (q *Queries) CreateConnection(ctx context.Context, c Connection) (Connection, error) {
	now := domain.Now()
	if c.ID == "" {
		c.ID = domain.NewID(PrefixConnection)
	}
	c.CreatedAt, c.UpdatedAt, c.Status = now, now, ConnectionNew
	_, err := q.w().exec(ctx, `INSERT INTO connections (id, org_id, kind, name, settings, secret, sync_hour, enabled,
		status, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, c.ID, c.OrgID, c.Kind, c.Name,
		string(c.Settings), c.Secret, c.SyncHour, c.Enabled, c.Status, now, now)
	return c, nameConflict(err)
}

func nameConflict(err error) error {
	if isUniqueViolation(err) {
		return domain.FieldError("name", "Another connection already has this name.")
	}
	return err
}

// UpdateConnection writes c's name, settings, secret, sync hour and
// enabled flag.
func (q *Queries) UpdateConnection(ctx context.Context, c Connection) error {
	res, err := q.w().exec(ctx, `UPDATE connections SET name = ?, settings = ?, secret = ?, sync_hour = ?, enabled = ?,
		updated_at = ? WHERE org_id = ? AND id = ?`, c.Name, string(c.Settings), c.Secret, c.SyncHour, c.Enabled,
		domain.Now(), c.OrgID, c.ID)
	return mustAffect(res, nameConflict(err), "connection")
}

// DeleteConnection removes a connection with its syncs and checks; the
// costs it imported stay.
func (q *Queries) DeleteConnection(ctx context.Context, orgID, id string) error {
	res, err := q.w().exec(ctx, `DELETE FROM connections WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "connection")
}

// GetConnection returns one connection of the organisation.
func (q *Queries) GetConnection(ctx context.Context, orgID, id string) (Connection, error) {
	c, err := scanConnection(q.r().row(ctx, `SELECT `+connectionCols+` FROM connections WHERE org_id = ? AND id = ?`, orgID, id))
	return c, notFound(err, "connection")
}

// ListConnections returns the organisation's connections by name.
func (q *Queries) ListConnections(ctx context.Context, orgID string) ([]Connection, error) {
	rows, err := q.r().query(ctx, `SELECT `+connectionCols+` FROM connections WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanConnection)
}

// ScheduleCandidate is an enabled connection with the creation time of its
// newest sync, for the scheduler.
type ScheduleCandidate struct {
	Connection
	LastQueuedAt *time.Time
}

// EnabledConnections lists every organisation's enabled connections with
// their newest sync's creation time: the scheduler's one cross-org read.
// (A join, not a scalar subquery, so SQLite keeps the column's type.)
func (q *Queries) EnabledConnections(ctx context.Context) ([]ScheduleCandidate, error) {
	rows, err := q.w().query(ctx, `SELECT `+prefixed("c.", connectionCols)+`, s.created_at FROM connections c
		LEFT JOIN connection_syncs s ON s.id = (SELECT s2.id FROM connection_syncs s2 WHERE s2.connection_id = c.id
			ORDER BY s2.created_at DESC LIMIT 1)
		WHERE c.enabled = ? ORDER BY c.id`, true)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (ScheduleCandidate, error) {
		var last sql.NullTime
		c, err := scanConnection(extraScan{s, &last})
		return ScheduleCandidate{Connection: c, LastQueuedAt: timePtr(last)}, err
	})
}

// extraScan appends destinations to another scan.
type extraScan struct {
	s     scanner
	extra any
}

func (e extraScan) Scan(dest ...any) error { return e.s.Scan(append(dest, e.extra)...) }

// prefixed qualifies every column of a column list with a table alias.
func prefixed(alias, cols string) string {
	parts := strings.Split(cols, ",")
	for i, p := range parts {
		parts[i] = alias + strings.TrimSpace(p)
	}
	return strings.Join(parts, ", ")
}

// FinishConnectionSync records a finished sync's outcome on its
// connection; through moves only on success (nil keeps it).
func (q *Queries) FinishConnectionSync(ctx context.Context, orgID, id, status string, through *time.Time) error {
	now := domain.Now()
	_, err := q.w().exec(ctx, `UPDATE connections SET status = ?, last_sync_at = ?,
		synced_through = COALESCE(?, synced_through) WHERE org_id = ? AND id = ?`, status, now, optTime(through), orgID, id)
	return err
}
