package recommend_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func cloudRec(key, savings, cur string) store.SourceRecommendation {
	return store.SourceRecommendation{SourceKey: key, Category: recommend.CategoryIdle, Account: "111122223333", ResourceID: "i-" + key,
		Title: "Idle " + key, Detail: "idle for 14 days", SourceSavings: savings, SourceCurrency: cur}
}

// A source's estimate is converted into the reporting currency with the
// rate of the day the source listed it (the latest within a week); a
// missing rate is an error on that recommendation, not a guess.
func TestCloudEstimatesConvertWithDatedRates(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
		seen := time.Date(2026, 3, 18, 3, 0, 0, 0, time.UTC)
		f.rate(t, "2026-03-16", "USD", "EUR", "0.9")
		f.rate(t, "2026-03-19", "USD", "EUR", "0.5") // after the day listed: not used
		recs := []store.SourceRecommendation{cloudRec("usd", "100.10", "USD"), cloudRec("eur", "7.25", "EUR"),
			cloudRec("jpy", "1000", "JPY"), cloudRec("none", "", "")}
		if _, err := f.st.ReplaceRecommendations(f.ctx, f.p.Org.ID, f.connection, recommend.SourceTrustedAdvisor, recs, seen); err != nil {
			t.Fatal(err)
		}
		got, list := f.byKey(t, f.viewer, recommend.Filter{})
		if e := got["usd"].Estimate; amount(e.Monthly) != "90.09" || !strings.Contains(e.Basis, "100.10 USD a month (as of 2026-03-18), converted to EUR at 0.9 (rate of 2026-03-16)") {
			t.Errorf("usd: %s %q %q", amount(e.Monthly), e.Basis, e.Error)
		}
		if e := got["eur"].Estimate; amount(e.Monthly) != "7.25" || strings.Contains(e.Basis, "converted") {
			t.Errorf("eur: %s %q", amount(e.Monthly), e.Basis)
		}
		if e := got["jpy"].Estimate; e.Monthly != nil || !strings.Contains(e.Error, "no exchange rate from JPY to EUR") {
			t.Errorf("jpy: %s %q", amount(e.Monthly), e.Error)
		}
		if e := got["none"].Estimate; e.Monthly != nil || e.Error == "" {
			t.Errorf("none: %+v", e)
		}
		if list.Totals.Open != 4 || list.Totals.OpenMonthly.String() != "97.34" || list.Totals.OpenNotEstimate != 2 {
			t.Errorf("totals: %+v", list.Totals)
		}
		if _, err := f.svc.List(f.ctx, f.viewer, recommend.Filter{Statuses: []string{"snoozed"}}); domain.ErrorCode(err) != domain.CodeInvalid ||
			!strings.Contains(err.Error(), "status") {
			t.Errorf("unknown status: %v", err)
		}
	})
}

// Open → dismissed (with a reason) → open → done → open; only holders of
// recommendations.act change status, and another organisation sees and
// changes nothing. Each change is audited.
func TestStatusTransitionsPermissionsAndTenancy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
		if _, err := f.st.ReplaceRecommendations(f.ctx, f.p.Org.ID, f.connection, recommend.SourceTrustedAdvisor,
			[]store.SourceRecommendation{cloudRec("a", "5", "EUR")}, f.now); err != nil {
			t.Fatal(err)
		}
		got, _ := f.byKey(t, f.viewer, recommend.Filter{})
		id := got["a"].ID
		other := f.org(t, "other", "owner")
		for name, call := range map[string]func() error{
			"viewer dismisses": func() error { _, err := f.svc.Dismiss(f.ctx, f.viewer, f.who, id, "no"); return err },
			"viewer done":      func() error { _, err := f.svc.Done(f.ctx, f.viewer, f.who, id); return err },
		} {
			if err := call(); domain.ErrorCode(err) != domain.CodeForbidden {
				t.Errorf("%s: %v", name, err)
			}
		}
		for name, call := range map[string]func() error{
			"other reads":     func() error { _, err := f.svc.Get(f.ctx, other, id); return err },
			"other dismisses": func() error { _, err := f.svc.Dismiss(f.ctx, other, f.who, id, "mine now"); return err },
			"other done":      func() error { _, err := f.svc.Done(f.ctx, other, f.who, id); return err },
			"other reopens":   func() error { _, err := f.svc.Reopen(f.ctx, other, f.who, id); return err },
		} {
			if err := call(); domain.ErrorCode(err) != domain.CodeNotFound {
				t.Errorf("%s: %v", name, err)
			}
		}
		if l, err := f.svc.List(f.ctx, other, recommend.Filter{}); err != nil || len(l.Items) != 0 {
			t.Errorf("other lists %d (%v)", len(l.Items), err)
		}
		if _, err := f.svc.Dismiss(f.ctx, f.p, f.who, id, "   "); domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(err.Error(), "reason") {
			t.Fatalf("dismiss without a reason: %v", err)
		}
		r, err := f.svc.Dismiss(f.ctx, f.p, f.who, id, " Needed for the month-end batch ")
		if err != nil || r.Status != recommend.StatusDismissed || r.StatusReason != "Needed for the month-end batch" || r.StatusBy != f.p.User.Email {
			t.Fatalf("dismiss: %+v %v", r, err)
		}
		if _, err := f.svc.Done(f.ctx, f.p, f.who, id); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("done while dismissed: %v", err)
		}
		if r, err = f.svc.Reopen(f.ctx, f.p, f.who, id); err != nil || r.Status != recommend.StatusOpen || r.StatusReason != "" {
			t.Fatalf("reopen: %+v %v", r, err)
		}
		if r, err = f.svc.Done(f.ctx, f.p, f.who, id); err != nil || r.Status != recommend.StatusDone || r.DoneAt == nil || !r.DoneAt.Equal(f.now) || r.Realised == nil {
			t.Fatalf("done: %+v %v", r, err)
		}
		if _, err := f.svc.Dismiss(f.ctx, f.p, f.who, id, "late"); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("dismiss while done: %v", err)
		}
		// The source stops listing it: reopened, it is resolved, not open.
		if _, err := f.st.ReplaceRecommendations(f.ctx, f.p.Org.ID, f.connection, recommend.SourceTrustedAdvisor, nil, f.now); err != nil {
			t.Fatal(err)
		}
		if r, err = f.svc.Reopen(f.ctx, f.p, f.who, id); err != nil || r.Status != recommend.StatusResolved {
			t.Fatalf("reopen after the source dropped it: %+v %v", r, err)
		}
		events, err := f.st.ListAudit(f.ctx, f.p.Org.ID, store.AuditFilter{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range events.Items {
			if e.TargetID == id {
				actions = append(actions, e.Action)
			}
		}
		if len(actions) != 4 {
			t.Fatalf("audited %v", actions)
		}
	})
}

// A licence recommendation counts the products with a price and names
// those without; with none priced it has no estimate.
func TestLicenceEstimateCountsPricedProductsOnly(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
		f.price(t, "SPE_E3", "E3-SKU", "33.50", "EUR")
		recs := []store.SourceRecommendation{
			{SourceKey: "inactive/u1", Category: recommend.CategoryInactive, Account: "t", Title: "u1", Licences: []byte(`[{"sku_part_number":"SPE_E3","seats":1},{"sku_part_number":"EMS","seats":1}]`)},
			{SourceKey: "unassigned/ems", Category: recommend.CategoryUnassigned, Account: "t", Title: "ems", Licences: []byte(`[{"sku_part_number":"EMS","seats":4}]`)},
		}
		if _, err := f.st.ReplaceRecommendations(f.ctx, f.p.Org.ID, f.connection, recommend.SourceM365, recs, f.now); err != nil {
			t.Fatal(err)
		}
		got, _ := f.byKey(t, f.viewer, recommend.Filter{})
		if e := got["inactive/u1"].Estimate; amount(e.Monthly) != "33.5" || !strings.Contains(e.Basis, "EMS: no price in Allocation > Licence prices, not counted") {
			t.Errorf("partly priced: %s %q %q", amount(e.Monthly), e.Basis, e.Error)
		}
		if e := got["unassigned/ems"].Estimate; e.Monthly != nil || !strings.Contains(e.Error, "no price for EMS") {
			t.Errorf("unpriced: %s %q", amount(e.Monthly), e.Error)
		}
	})
}

// The list puts the largest estimated saving first and those without an
// estimate last.
func TestListOrdersByEstimatedSaving(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, time.Date(2026, 3, 20, 12, 0, 0, 0, time.UTC))
		recs := []store.SourceRecommendation{cloudRec("small", "5", "EUR"), cloudRec("none", "", ""), cloudRec("big", "500", "EUR"), cloudRec("mid", "50", "EUR")}
		if _, err := f.st.ReplaceRecommendations(f.ctx, f.p.Org.ID, f.connection, recommend.SourceTrustedAdvisor, recs, f.now); err != nil {
			t.Fatal(err)
		}
		l, err := f.svc.List(f.ctx, f.viewer, recommend.Filter{})
		if err != nil {
			t.Fatal(err)
		}
		var order []string
		for _, r := range l.Items {
			order = append(order, r.SourceKey)
		}
		if strings.Join(order, ",") != "big,mid,small,none" {
			t.Fatalf("order %v", order)
		}
	})
}
