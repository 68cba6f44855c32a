package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// seedUnit gives org A the unit Web with a rule for team=web and imports
// the allocation test costs (March 2026: 100 USD for web).
func (f *fixture) seedUnit() string {
	f.t.Helper()
	ctx := context.Background()
	p, err := f.svc.LoadPrincipal(ctx, f.users["owner-a@example.com"].ID, f.orgs["A"].ID)
	if err != nil {
		f.t.Fatal(err)
	}
	svc := allocation.New(f.st)
	g, err := svc.CreateGroup(ctx, p, audit.Actor{}, allocation.GroupInput{Name: "Web", Kind: allocation.KindBusinessUnit,
		Owners: []string{f.users["owner-a@example.com"].ID}})
	if err != nil {
		f.t.Fatal(err)
	}
	rs := allocation.Ruleset{Splits: []allocation.Split{}, Rules: []allocation.Rule{{Name: "web", Group: g.ID,
		Conditions: []allocation.Condition{{Field: allocation.FieldTag, Key: "team", Op: allocation.OpIn, Values: []string{"web"}}}}}}
	if _, err := svc.SaveRuleset(ctx, p, audit.Actor{}, 0, rs, "t"); err != nil {
		f.t.Fatal(err)
	}
	f.importAllocCosts("A")
	return g.ID
}

func TestChargebackPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		unit := f.seedUnit()
		owner := f.client("owner-a@example.com")
		if code, body := f.do(owner, "POST", "/chargebacks", url.Values{"month": {"March"}}); code != http.StatusBadRequest || !strings.Contains(body, `id="cb-month-error"`) {
			t.Fatalf("bad month: %d", code)
		}
		code, body := f.do(owner, "POST", "/chargebacks/extra-charges", url.Values{"business_unit": {unit}, "kind": {"service_fee"}, "percent": {"ten"}, "from": {"2026-03"}})
		if code != http.StatusBadRequest || !strings.Contains(body, `id="x-percent-error"`) {
			t.Fatalf("bad percent: %d", code)
		}
		if code, _ = f.do(owner, "POST", "/chargebacks", url.Values{"month": {"2026-03"}}); code != http.StatusSeeOther {
			t.Fatalf("generate: %d", code)
		}
		code, body = f.do(owner, "GET", "/chargebacks/2026-03/versions/1", nil)
		if code != 200 || !strings.Contains(body, "March 2026 — version 1") || !strings.Contains(body, "badge-ok\">final") ||
			!strings.Contains(body, "100.00 USD") || !strings.Contains(body, "Compute / Virtual Machines") || !strings.Contains(body, "Unallocated (not charged)") {
			t.Fatalf("detail %d: %s", code, body)
		}
		if code, _ = f.do(owner, "POST", "/chargebacks/extra-charges", url.Values{"business_unit": {unit}, "kind": {"service_fee"}, "percent": {"10"}, "from": {"2026-03"}}); code != http.StatusSeeOther {
			t.Fatalf("add extra: %d", code)
		}
		if _, body = f.do(owner, "GET", "/chargebacks/extra-charges", nil); !strings.Contains(body, "10%") || !strings.Contains(body, "March 2026") {
			t.Errorf("extras page lacks the charge")
		}
		f.do(owner, "POST", "/chargebacks", url.Values{"month": {"2026-03"}})
		code, body = f.do(owner, "GET", "/chargebacks/2026-03/versions/2", nil)
		if code != 200 || !strings.Contains(body, "Changes from version 1") || !strings.Contains(body, "Service fee: 10%") || !strings.Contains(body, "110.00 USD") {
			t.Fatalf("v2 %d: %s", code, body)
		}
		if code, body = f.do(owner, "GET", "/chargebacks/2026-03/versions/2/pdf", nil); code != 200 || !strings.HasPrefix(body, "%PDF-") {
			t.Errorf("pdf: %d", code)
		}
		if code, body = f.do(owner, "GET", "/chargebacks/2026-03/versions/2/csv", nil); code != 200 || !strings.Contains(body, "service_fee") {
			t.Errorf("csv: %d %s", code, body)
		}
		code, body = f.do(owner, "GET", "/chargebacks/2026-03/reconciliation", nil)
		if code != 200 || !strings.Contains(body, "207.50 USD") || !strings.Contains(body, "Unallocated cost") || !strings.Contains(body, "Extra charges") {
			t.Errorf("reconciliation %d: %s", code, body)
		}
		if code, body = f.do(owner, "GET", "/chargebacks", nil); !strings.Contains(body, `href="/chargebacks/2026-03/versions/2"`) {
			t.Errorf("list %d lacks v2", code)
		}
		viewer := f.client("viewer-a@example.com")
		if code, _ = f.do(viewer, "GET", "/chargebacks/2026-03/versions/1", nil); code != 200 {
			t.Errorf("viewer cannot read: %d", code)
		}
		if code, _ = f.do(viewer, "POST", "/chargebacks", url.Values{"month": {"2026-03"}}); code != http.StatusForbidden {
			t.Errorf("viewer generated: %d", code)
		}
		ownerB := f.client("owner-b@example.com")
		for _, path := range []string{"/chargebacks/2026-03/versions/1", "/chargebacks/2026-03/versions/1/pdf", "/chargebacks/2026-03/reconciliation"} {
			if code, body = f.do(ownerB, "GET", path, nil); code != http.StatusNotFound || strings.Contains(body, "Web") && strings.Contains(body, "100.00") {
				t.Errorf("org B reads %s: %d", path, code)
			}
		}
	})
}

func TestChargebackEmailedToOwnersFromThePage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.seedUnit()
		outbox := &mailtest.Outbox{}
		f.ui.Chargebacks = chargeback.New(f.st, allocation.New(f.st), outbox, "https://canopy.example.test")
		owner := f.client("owner-a@example.com")
		f.do(owner, "POST", "/chargebacks", url.Values{"month": {"2026-03"}})
		code, _ := f.do(owner, "POST", "/chargebacks/2026-03/versions/1/send", url.Values{})
		if code != http.StatusSeeOther {
			t.Fatalf("send: %d", code)
		}
		if _, body := f.do(owner, "GET", "/chargebacks/2026-03/versions/1", nil); !strings.Contains(body, "Sent to the owners of 1 business unit.") {
			t.Errorf("no confirmation on the page")
		}
		msgs := outbox.To("owner-a@example.com")
		if len(msgs) != 1 || len(msgs[0].Attachments) != 1 || !strings.HasPrefix(string(msgs[0].Attachments[0].Data), "%PDF-") ||
			!strings.Contains(msgs[0].Subject, "Chargeback 2026-03 for Web: 100.00 USD") {
			t.Fatalf("mails = %+v", msgs)
		}
	})
}
