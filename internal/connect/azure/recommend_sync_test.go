package azureconn_test

import (
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/connect/connecttest"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A sync stores the Advisor cost recommendations of the subscriptions
// whose resources Canopy may list (not Legacy, at no-resources); a
// re-sync updates the same rows. Valued in the organisation's reporting
// currency (EUR), each is Advisor's USD estimate times the rate of the
// day it was listed.
func TestSyncStoresAdvisorRecommendationsInTheReportingCurrency(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSyncEnv(t, db)
		s.Work()
		c := s.create(t)
		if y := s.Wait(c, s.Queue(c).ID, connecttest.Finished); y.State != store.SyncSucceeded {
			t.Fatalf("sync %+v", y)
		}
		first, err := s.Store.ListRecommendations(ctx, c.OrgID, store.RecFilter{Sources: []string{recommend.SourceAzureAdvisor}})
		if err != nil || len(first) == 0 {
			t.Fatalf("stored: %v %v", first, err)
		}
		d := s.c.Demo
		cats := map[string]bool{}
		for _, r := range first {
			if r.Account != d.Production.ID && r.Account != d.Development.ID || r.SourceCurrency != "USD" || r.SourceSavings == "" {
				t.Fatalf("stored %+v", r)
			}
			cats[r.Category] = true
		}
		if !cats[recommend.CategoryRightsizing] || !cats[recommend.CategoryCommitment] {
			t.Fatalf("categories %v", cats)
		}
		if y := s.Wait(c, s.Queue(c).ID, connecttest.Finished); y.State != store.SyncSucceeded {
			t.Fatalf("re-sync %+v", y)
		}
		again, _ := s.Store.ListRecommendations(ctx, c.OrgID, store.RecFilter{Sources: []string{recommend.SourceAzureAdvisor}})
		if len(again) != len(first) {
			t.Fatalf("re-sync: %d, first %d", len(again), len(first))
		}
		org, err := s.Store.GetOrg(ctx, c.OrgID)
		if err != nil {
			t.Fatal(err)
		}
		org.ReportingCurrency = "EUR"
		if err := s.Store.UpdateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		day := again[0].LastSeen.Truncate(24 * time.Hour)
		rate := apd.New(85, -2)
		if _, err := s.Store.UpsertRates(ctx, c.OrgID, []domain.FXRate{{Day: day, Base: "USD", Quote: "EUR", Value: rate, Source: "test"}}, "test", domain.Now()); err != nil {
			t.Fatal(err)
		}
		list, err := recommend.New(s.Store).List(ctx, s.Owner, recommend.Filter{Sources: []string{recommend.SourceAzureAdvisor}})
		if err != nil || len(list.Items) != len(first) || list.Totals.Currency != "EUR" {
			t.Fatalf("list %+v %v", list.Totals, err)
		}
		for _, r := range list.Items {
			src, _, _ := apd.NewFromString(again[0].SourceSavings)
			for _, st := range again {
				if st.ID == r.ID {
					src, _, _ = apd.NewFromString(st.SourceSavings)
				}
			}
			want := new(apd.Decimal)
			_, _ = apd.BaseContext.WithPrecision(34).Mul(want, src, rate)
			w, _ := domain.AmountFromDecimal(want)
			if r.Estimate.Monthly == nil || r.Estimate.Monthly.Cmp(w) != 0 || r.Estimate.Currency != "EUR" {
				t.Fatalf("%s: estimate %+v, want %s EUR", r.Title, r.Estimate, w)
			}
		}
	})
}
