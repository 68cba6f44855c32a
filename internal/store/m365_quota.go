package store

import (
	"context"
	"time"
)

// LockM365Quota serialises, across every Canopy process on the database,
// the quota checks and reservations of one connection's SKU until the
// transaction ends: on PostgreSQL a transaction advisory lock keyed by
// connection and SKU; on SQLite the transaction itself (one writer
// connection, so write transactions never overlap).
func (t *Tx) LockM365Quota(ctx context.Context, connectionID, skuID string) error {
	if t.w().engine != Postgres {
		return nil
	}
	_, err := t.w().exec(ctx, `SELECT pg_advisory_xact_lock(hashtextextended('canopy-m365-quota:' || ? || '/' || LOWER(?), 0))`,
		connectionID, skuID)
	return err
}

// M365Reservation is a licence unit an execution reserved for a user
// between its quota check and the snapshot write.
type M365Reservation struct {
	ObjectID, ExecutionID string
}

// ReserveM365Licence reserves a unit of a SKU for a user until expires
// (or the execution removes it). A reservation of the same user and SKU
// by another execution is replaced.
func (q *Queries) ReserveM365Licence(ctx context.Context, orgID, connectionID, skuID, objectID, executionID string, expires time.Time) error {
	_, err := q.w().exec(ctx, `INSERT INTO m365_licence_reservations (org_id, connection_id, sku_id, object_id, execution_id, expires_at)
		VALUES (?, ?, LOWER(?), ?, ?, ?) ON CONFLICT (connection_id, sku_id, object_id) DO UPDATE SET
		execution_id = excluded.execution_id, expires_at = excluded.expires_at`,
		orgID, connectionID, skuID, objectID, executionID, expires.UTC())
	return err
}

// M365Reservations lists the unexpired reservations of a connection's SKU.
func (q *Queries) M365Reservations(ctx context.Context, orgID, connectionID, skuID string, now time.Time) ([]M365Reservation, error) {
	rows, err := q.r().query(ctx, `SELECT object_id, execution_id FROM m365_licence_reservations
		WHERE org_id = ? AND connection_id = ? AND sku_id = LOWER(?) AND expires_at > ? ORDER BY object_id`,
		orgID, connectionID, skuID, now.UTC())
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (r M365Reservation, err error) { return r, s.Scan(&r.ObjectID, &r.ExecutionID) })
}

// ReleaseM365Reservations removes an execution's reservations (and any
// expired ones).
func (q *Queries) ReleaseM365Reservations(ctx context.Context, executionID string, now time.Time) error {
	_, err := q.w().exec(ctx, `DELETE FROM m365_licence_reservations WHERE execution_id = ? OR expires_at <= ?`, executionID, now.UTC())
	return err
}

// M365Memberships returns each user's direct groups (member object ID
// -> group object IDs) of a connection.
func (q *Queries) M365Memberships(ctx context.Context, orgID, connectionID string) (map[string][]string, error) {
	rows, err := q.r().query(ctx, `SELECT member_id, group_id FROM m365_group_members WHERE org_id = ? AND connection_id = ?
		ORDER BY member_id, group_id`, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]string{}
	for rows.Next() {
		var m, g string
		if err := rows.Scan(&m, &g); err != nil {
			return nil, err
		}
		out[m] = append(out[m], g)
	}
	return out, rows.Err()
}

// M365Managers returns each current user's manager (object ID ->
// manager's object ID) of a connection, for users that have one.
func (q *Queries) M365Managers(ctx context.Context, orgID, connectionID string) (map[string]string, error) {
	rows, err := q.r().query(ctx, `SELECT object_id, manager_id FROM m365_users WHERE org_id = ? AND connection_id = ?
		AND deleted_at IS NULL AND manager_id <> ''`, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var u, m string
		if err := rows.Scan(&u, &m); err != nil {
			return nil, err
		}
		out[u] = m
	}
	return out, rows.Err()
}

// GetM365Group returns one group of a connection's snapshot.
func (q *Queries) GetM365Group(ctx context.Context, orgID, connectionID, groupID string) (M365Group, error) {
	var g M365Group
	var types string
	err := q.r().row(ctx, `SELECT org_id, connection_id, object_id, display_name, description, mail, mail_enabled,
		security_enabled, group_types FROM m365_groups WHERE org_id = ? AND connection_id = ? AND object_id = ?`,
		orgID, connectionID, groupID).Scan(&g.OrgID, &g.ConnectionID, &g.ObjectID, &g.DisplayName, &g.Description, &g.Mail,
		&g.MailEnabled, &g.SecurityEnabled, &types)
	g.GroupTypes = []byte(types)
	return g, notFound(err, "group")
}

// ListM365GroupNames returns a connection's groups (object ID and display
// name) by name, for pickers.
func (q *Queries) ListM365GroupNames(ctx context.Context, orgID, connectionID string) ([]M365Group, error) {
	rows, err := q.r().query(ctx, `SELECT object_id, display_name FROM m365_groups WHERE org_id = ? AND connection_id = ?
		ORDER BY display_name, object_id`, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (g M365Group, err error) {
		g.OrgID, g.ConnectionID = orgID, connectionID
		return g, s.Scan(&g.ObjectID, &g.DisplayName)
	})
}
