package store

import (
	"context"
	"database/sql"
	"time"
)

// Reservation is a cloud reservation a connection's sync read.
type Reservation struct {
	OrgID, ConnectionID, ID, OrderID, Name string
	SKU, Location                          string
	Quantity                               int
	Term, BillingPlan, AppliedScopeType    string
	Expiry                                 *time.Time
	SyncedAt                               time.Time
}

// ReservationDay is a reservation's use on one day; hours and percentages
// are exact decimals as the cloud sent them ("" when absent).
type ReservationDay struct {
	ReservationID                      string
	Day                                time.Time
	ReservedHours, UsedHours           string
	AvgPercent, MinPercent, MaxPercent string
}

// SaveReservations stores a connection's reservations and their days in
// one transaction, replacing what an earlier sync stored for the same
// reservations and days (a resumed or repeated sync changes nothing).
func (s *Store) SaveReservations(ctx context.Context, orgID, connID string, list []Reservation, days []ReservationDay) error {
	return s.InTx(ctx, func(tx *Tx) error {
		for _, r := range list {
			if _, err := tx.w().exec(ctx, `INSERT INTO reservations (org_id, connection_id, id, order_id, name, sku, location,
				quantity, term, billing_plan, applied_scope_type, expiry, synced_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (org_id, id) DO UPDATE SET connection_id = excluded.connection_id, order_id = excluded.order_id,
				name = excluded.name, sku = excluded.sku, location = excluded.location, quantity = excluded.quantity,
				term = excluded.term, billing_plan = excluded.billing_plan, applied_scope_type = excluded.applied_scope_type,
				expiry = excluded.expiry, synced_at = excluded.synced_at`,
				orgID, connID, r.ID, r.OrderID, r.Name, r.SKU, r.Location, r.Quantity, r.Term, r.BillingPlan,
				r.AppliedScopeType, optTime(r.Expiry), r.SyncedAt.UTC()); err != nil {
				return err
			}
		}
		for _, d := range days {
			if _, err := tx.w().exec(ctx, `INSERT INTO reservation_days (org_id, reservation_id, day, reserved_hours, used_hours,
				avg_percent, min_percent, max_percent) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
				ON CONFLICT (org_id, reservation_id, day) DO UPDATE SET reserved_hours = excluded.reserved_hours,
				used_hours = excluded.used_hours, avg_percent = excluded.avg_percent, min_percent = excluded.min_percent,
				max_percent = excluded.max_percent`, orgID, d.ReservationID, d.Day.UTC(), d.ReservedHours, d.UsedHours,
				d.AvgPercent, d.MinPercent, d.MaxPercent); err != nil {
				return err
			}
		}
		return nil
	})
}

// ListReservations returns the organisation's reservations by name.
func (q *Queries) ListReservations(ctx context.Context, orgID string) ([]Reservation, error) {
	rows, err := q.r().query(ctx, `SELECT org_id, connection_id, id, order_id, name, sku, location, quantity, term,
		billing_plan, applied_scope_type, expiry, synced_at FROM reservations WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (Reservation, error) {
		var r Reservation
		var exp sql.NullTime
		err := s.Scan(&r.OrgID, &r.ConnectionID, &r.ID, &r.OrderID, &r.Name, &r.SKU, &r.Location, &r.Quantity, &r.Term,
			&r.BillingPlan, &r.AppliedScopeType, &exp, &r.SyncedAt)
		r.Expiry, r.SyncedAt = timePtr(exp), r.SyncedAt.UTC()
		return r, err
	})
}

// ReservationDays returns the organisation's reservation days in
// [from, to), by reservation and day.
func (q *Queries) ReservationDays(ctx context.Context, orgID string, from, to time.Time) ([]ReservationDay, error) {
	rows, err := q.r().query(ctx, `SELECT reservation_id, day, reserved_hours, used_hours, avg_percent, min_percent, max_percent
		FROM reservation_days WHERE org_id = ? AND day >= ? AND day < ? ORDER BY reservation_id, day`, orgID, from.UTC(), to.UTC())
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (ReservationDay, error) {
		var d ReservationDay
		err := s.Scan(&d.ReservationID, &d.Day, &d.ReservedHours, &d.UsedHours, &d.AvgPercent, &d.MinPercent, &d.MaxPercent)
		d.Day = d.Day.UTC()
		return d, err
	})
}
