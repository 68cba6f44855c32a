package azureconn_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/connect"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/connect/connecttest"
	"github.com/canopyhq/canopy/internal/sandbox/arm"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A sync with reservations on stores the sandbox's reservations and
// their daily utilisation; a reservation rule at 80 % then finds the one
// the sandbox runs at about 40 %, and not the well-used one.
func TestSyncedReservationsFeedUtilisationAlerts(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSyncEnvWith(t, db, azureconn.GrantOptions{TagWrite: true, Reservations: true})
		d := s.c.Demo
		sp := s.c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
		s.c.ARM.Assign(sp, arm.RoleReservationsReader, "/providers/Microsoft.Capacity")
		s.Work()
		c := s.Create(connect.KindAzure, "Contoso", azureconn.Settings{TenantID: d.Customer.ID, Reservations: true,
			Subscriptions: map[string]string{d.Production.ID: "read-write-tags"}})
		y := s.Wait(c, s.Queue(c).ID, connecttest.Finished)
		// partial: the sync also warns about the reservation under 60 %.
		if y.State != store.SyncPartial {
			t.Fatalf("sync %s %s", y.State, y.Warnings)
		}
		if strings.Contains(string(y.Warnings), "cannot read") {
			t.Fatalf("warnings %s", y.Warnings)
		}
		list, err := s.Store.ListReservations(ctx, s.Owner.Org.ID)
		if err != nil || len(list) != 2 || list[0].ConnectionID != c.ID {
			t.Fatalf("reservations %+v %v", list, err)
		}
		days, err := s.Store.ReservationDays(ctx, s.Owner.Org.ID, y.WindowFrom, y.WindowTo)
		if err != nil || len(days) == 0 || days[0].UsedHours == "" || days[0].AvgPercent == "" {
			t.Fatalf("reservation days %d %+v %v", len(days), days, err)
		}
		svc := alerts.New(s.Store, spend.New(s.Store), alerts.DefaultHour)
		svc.Now = func() time.Time { return y.WindowTo }
		if _, err := svc.CreateRule(ctx, s.Owner, audit.Actor{Email: "t@x.test"}, alerts.RuleInput{Name: "Idle reservations", Kind: alerts.KindReservation}); err != nil {
			t.Fatal(err)
		}
		ev, err := svc.Evaluate(ctx, s.Owner.Org.ID)
		if err != nil || ev.Created != 1 {
			t.Fatalf("evaluation %+v %v", ev, err)
		}
		inbox, err := svc.Inbox(ctx, s.Owner, alerts.InboxFilter{})
		if err != nil || len(inbox) != 1 {
			t.Fatalf("inbox %+v %v", inbox, err)
		}
		a := inbox[0]
		if !strings.HasPrefix(a.SubjectLabel, "VM_RI_batch_") || a.Baseline != "80" || !strings.Contains(a.Message, "below the 80 % threshold") ||
			!strings.HasPrefix(a.ExploreURL, "/spend?") {
			t.Errorf("alert %+v", a)
		}
		if pct := a.Amount; pct < "30" || pct > "50" {
			t.Errorf("utilisation %s, want about 40", pct)
		}
	})
}
