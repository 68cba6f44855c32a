package connect

import (
	"context"

	"github.com/canopyhq/canopy/internal/store"
)

// SaveReservations stores the reservations the sync read and their daily
// utilisation for the connection's organisation (the alerts evaluate
// them). Saving the same listing again changes nothing.
func (r *Run) SaveReservations(ctx context.Context, list []store.Reservation, days []store.ReservationDay) error {
	now := r.svc.Now()
	for i := range list {
		list[i].SyncedAt = now
	}
	return r.svc.Store.SaveReservations(ctx, r.conn.OrgID, r.conn.ID, list, days)
}
