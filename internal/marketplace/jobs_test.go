package marketplace_test

import (
	"context"
	"log/slog"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/sandbox/vendor"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// With the jobs running, an order goes to the vendor, is polled until
// the vendor completes it, and an issued invoice reaches the cost store,
// with nobody calling the service's steps by hand.
func TestJobsCarryOrdersThroughAndExportInvoices(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		h.must(jobs.Migrate(h.ctx, string(db.Engine), db.W))
		reg := jobs.NewRegistry()
		marketplace.PollEvery = 50 * time.Millisecond
		r, err := jobs.New(string(db.Engine), db.W, jobs.Options{Logger: slog.New(slog.DiscardHandler), Registry: reg, FetchPollInterval: 20 * time.Millisecond})
		h.must(err)
		h.svc.Register(reg, r, h.st.Costs())
		h.must(r.Start(h.ctx))
		t.Cleanup(func() {
			ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
			defer cancel()
			_ = r.Stop(ctx)
		})
		h.vendor.Script("65304520CA01A12", vendor.Decision{State: vendor.StateProcessing}, vendor.Decision{State: vendor.StateCompleted})
		o := h.buy(h.photoshop, "P1Y", 2)
		waitFor(t, "the order to complete", func() bool {
			got, err := h.st.GetMktOrder(h.ctx, h.buyer.Org.ID, o.ID, false)
			return err == nil && got.Status == "Completed"
		})
		invs, err := h.svc.IssueInvoices(h.ctx, h.ops, h.who, month(2026, 11))
		h.must(err)
		waitFor(t, "the invoice in the cost store", func() bool {
			imps, err := h.st.Costs().Imports(h.ctx, h.buyer.Org.ID, 10)
			return err == nil && len(imps) == 1 && imps[0].SourceKey == marketplace.CostSourceKey(invs[0].ID)
		})
	})
}

// waitFor polls cond until it holds; the bound is for a loaded machine,
// not a timing check.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
