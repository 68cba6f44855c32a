package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Budgets, their once-per-period events, history and requests, and
// webhooks with their deliveries stay in their organisation; an event
// row is inserted once; deleting a budget takes its rows along.
func TestBudgetsAndWebhooksStayInTheirOrg(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		start := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		end := start.AddDate(0, 1, 0)
		bud, err := s.CreateBudget(ctx, store.Budget{OrgID: a, Name: "Web", ScopeKind: "organisation", Period: "custom", StartDate: &start,
			EndDate: &end, Amount: "1000.5", Currency: "EUR", Metric: "effective", Thresholds: []store.BudgetThreshold{{Percent: "80", Basis: "actual"}},
			Recipients: []string{"a@x.test"}, CreatedBy: "t"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateBudget(ctx, store.Budget{OrgID: a, Name: "Web", ScopeKind: "organisation", Period: "monthly", Amount: "1", Currency: "EUR", Metric: "billed"}); domain.ErrorField(err) != "name" {
			t.Fatalf("duplicate name: %v", err)
		}
		got, err := s.GetBudget(ctx, a, bud.ID)
		if err != nil || got.Amount != "1000.5" || !got.EndDate.Equal(end) || got.Thresholds[0].Basis != "actual" || got.Recipients[0] != "a@x.test" {
			t.Fatalf("read back %+v %v", got, err)
		}
		if _, err := s.GetBudget(ctx, b, bud.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B reads A's budget: %v", err)
		}
		if err := s.SetBudgetAmount(ctx, b, bud.ID, "1"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B changes A's amount: %v", err)
		}
		ev := store.ThresholdEvent{OrgID: a, BudgetID: bud.ID, PeriodStart: start, Percent: "80", Basis: "actual", Amount: "1000.5",
			Spent: "900", Forecast: "1200", Currency: "EUR", FiredAt: domain.Now()}
		for i, want := range []bool{true, false} {
			if won, err := s.InsertThresholdEvent(ctx, ev); err != nil || won != want {
				t.Fatalf("insert %d: %v %v", i, won, err)
			}
		}
		cr, err := s.CreateChangeRequest(ctx, store.ChangeRequest{OrgID: a, BudgetID: bud.ID, RequestedBy: "u", RequestedEmail: "u@x.test",
			CurrentAmount: "1000.5", Amount: "2000", Currency: "EUR", Reason: "r", Status: "pending"})
		if err != nil {
			t.Fatal(err)
		}
		now := domain.Now()
		cr.Status, cr.DecidedAt = "approved", &now
		if err := s.DecideChangeRequest(ctx, cr); err != nil {
			t.Fatal(err)
		}
		if err := s.DecideChangeRequest(ctx, cr); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("decided twice: %v", err)
		}
		if _, err := s.GetChangeRequest(ctx, b, bud.ID, cr.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B reads A's request: %v", err)
		}
		if err := s.AddBudgetChange(ctx, store.BudgetChange{OrgID: a, BudgetID: bud.ID, ActorEmail: "t", Action: "created", NewAmount: "1000.5"}); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteBudget(ctx, b, bud.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B deletes A's budget: %v", err)
		}
		if err := s.DeleteBudget(ctx, a, bud.ID); err != nil {
			t.Fatal(err)
		}
		evs, _ := s.ThresholdEvents(ctx, a, bud.ID)
		reqs, _ := s.ChangeRequests(ctx, a, bud.ID)
		hist, _ := s.BudgetChanges(ctx, a, bud.ID)
		if len(evs)+len(reqs)+len(hist) != 0 {
			t.Fatalf("left behind: %d events, %d requests, %d changes", len(evs), len(reqs), len(hist))
		}

		hook, err := s.CreateWebhook(ctx, store.WebhookEndpoint{OrgID: a, Name: "h", URL: "https://h.example", SealedSecret: "sealed", Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		for i := 1; i <= 2; i++ {
			if err := s.AddWebhookDelivery(ctx, store.WebhookDelivery{OrgID: a, EndpointID: hook.ID, EventID: "evt_1", EventKind: "test", Attempt: i,
				StatusCode: 500 - 300*(i-1), OK: i == 2}); err != nil {
				t.Fatal(err)
			}
		}
		log, err := s.WebhookDeliveries(ctx, a, hook.ID, 10)
		if err != nil || len(log) != 2 || log[0].Attempt != 2 || !log[0].OK {
			t.Fatalf("deliveries %+v %v", log, err)
		}
		if other, _ := s.WebhookDeliveries(ctx, b, hook.ID, 10); len(other) != 0 {
			t.Fatal("B reads A's deliveries")
		}
		if list, _ := s.ListWebhooks(ctx, b); len(list) != 0 {
			t.Fatal("B lists A's webhooks")
		}
		if err := s.DeleteWebhook(ctx, b, hook.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B deletes A's webhook: %v", err)
		}
		if err := s.DeleteWebhook(ctx, a, hook.ID); err != nil {
			t.Fatal(err)
		}
		if log, _ := s.WebhookDeliveries(ctx, a, hook.ID, 10); len(log) != 0 {
			t.Fatal("deliveries left behind")
		}
	})
}
