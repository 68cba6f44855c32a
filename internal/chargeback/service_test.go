package chargeback_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestGenerateChargesBusinessUnitsInTheReportingCurrency(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		f.rate(t, "USD", "EUR", "0.9")
		f.load(t, cost{"100", "USD", 10, "Compute", "Virtual Machines", "web"}, cost{"50", "EUR", 11, "Databases", "SQL Database", "web"},
			cost{"30", "EUR", 12, "Databases", "SQL Database", "data"}, cost{"12.5", "EUR", 12, "Storage", "Blob", ""})
		d := f.generate(t)
		if d.Currency != "EUR" || d.Version.Version != 1 || d.Month != "2026-10" || len(d.Charged) != 2 {
			t.Fatalf("detail = %+v", d)
		}
		p := unit(t, d, "Platform")
		if p.Allocated.String() != "140" || p.Total.String() != "140" || len(p.Lines) != 2 {
			t.Fatalf("Platform = %+v", p)
		}
		if p.Lines[0].Label() != "Compute / Virtual Machines" || p.Lines[0].Amount.String() != "90" || p.Lines[1].Amount.String() != "50" {
			t.Errorf("Platform lines = %+v", p.Lines)
		}
		if len(p.Owners) != 1 || p.Owners[0] != f.owner.Email {
			t.Errorf("owners = %v, want %s", p.Owners, f.owner.Email)
		}
		if u := unit(t, d, "Data"); u.Total.String() != "30" {
			t.Errorf("Data = %+v", u)
		}
		if len(d.Uncharged) != 1 || d.Uncharged[0].Name != "Unallocated" || d.Uncharged[0].Amount.String() != "12.5" {
			t.Errorf("uncharged = %+v", d.Uncharged)
		}
		if d.Total.String() != "170" {
			t.Errorf("total = %s, want 170", d.Total)
		}
		list, err := f.svc.List(f.ctx, f.p)
		if err != nil || len(list) != 1 || list[0].Total.String() != "170" || list[0].Units != 2 || list[0].Month != "2026-10" {
			t.Errorf("list = %+v, %v", list, err)
		}
	})
}

func TestMissingRateNamesTheCurrencyAndDay(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		f.load(t, cost{"10", "GBP", 14, "Compute", "VM", "web"})
		_, err := f.svc.Generate(f.ctx, f.p, f.who, october)
		msg := domain.ErrorMessage(err)
		if domain.ErrorCode(err) != domain.CodeInvalid || !strings.Contains(msg, "GBP") || !strings.Contains(msg, "2026-10-14") {
			t.Fatalf("err = %v", err)
		}
		if list, _ := f.svc.List(f.ctx, f.p); len(list) != 0 {
			t.Errorf("a failed generation stored %d versions", len(list))
		}
	})
}

func TestProvisionalUntilTheEighthThenFinal(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		f.load(t, cost{"10", "EUR", 3, "Compute", "VM", "web"})
		f.now = time.Date(2026, 11, 7, 23, 59, 59, 0, time.UTC)
		d := f.generate(t)
		want := "Partner Center reconciliation for October 2026 is complete on 8 November 2026; regenerate after that date for a final chargeback."
		if d.Status != chargeback.Provisional || d.Reason != want {
			t.Fatalf("before the 8th: %s %q", d.Status, d.Reason)
		}
		f.now = time.Date(2026, 11, 8, 0, 0, 0, 0, time.UTC)
		if d = f.generate(t); d.Status != chargeback.Final || d.Reason != "" || d.Version.Version != 2 {
			t.Fatalf("on the 8th: v%d %s %q", d.Version.Version, d.Status, d.Reason)
		}
		conn, err := f.st.CreateConnection(f.ctx, store.Connection{OrgID: f.p.Org.ID, Kind: "partnercenter", Name: "CSP", Settings: []byte("{}"), Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		if d = f.generate(t); d.Status != chargeback.Provisional || !strings.Contains(d.Reason, `"CSP" has not imported the invoice for October 2026`) {
			t.Fatalf("connection without the invoice: %s %q", d.Status, d.Reason)
		}
		f.importAs(t, "connection:"+conn.ID+":pc-invoice:INV-1", cost{"5", "EUR", 1, "SaaS", "Microsoft 365", ""})
		if d = f.generate(t); d.Status != chargeback.Final {
			t.Fatalf("after the invoice import: %s %q", d.Status, d.Reason)
		}
		list, err := f.svc.List(f.ctx, f.p)
		if err != nil || len(list) != 4 || list[0].Version != 4 || list[3].Status != chargeback.Provisional {
			t.Fatalf("versions = %+v, %v", list, err)
		}
	})
}

func TestFutureMonthIsRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		_, err := f.svc.Generate(f.ctx, f.p, f.who, time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC))
		if domain.ErrorField(err) != "month" {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestVersionsAreKeptAndDiffed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		f.load(t, cost{"100", "EUR", 3, "Compute", "VM", "web"}, cost{"40", "EUR", 4, "Databases", "SQL", "data"}, cost{"7", "EUR", 4, "Network", "DNS", "web"})
		f.generate(t)
		f.load(t, cost{"20", "EUR", 5, "Storage", "Blob", "web"})
		f.extra(t, chargeback.ExtraInput{Unit: f.data.ID, Kind: chargeback.KindFixedFee, Description: "Support", Amount: "15", Currency: "EUR", From: "2026-10"})
		v2 := f.generate(t)
		if v2.Version.Version != 2 {
			t.Fatalf("version = %d", v2.Version.Version)
		}
		v1, err := f.svc.Get(f.ctx, f.p, october, 1)
		if err != nil || unit(t, v1, "Platform").Total.String() != "107" {
			t.Fatalf("v1 changed: %+v %v", v1, err)
		}
		diff, err := f.svc.Diff(f.ctx, f.p, october, 2)
		if err != nil || diff.Previous != 1 {
			t.Fatalf("diff = %+v, %v", diff, err)
		}
		got := map[string]string{}
		for _, u := range diff.Units {
			got[u.Name] = u.Change + " " + u.Delta.String()
			for _, l := range u.Lines {
				got[u.Name+"/"+l.Label] = l.Change + " " + l.Delta.String()
			}
		}
		want := map[string]string{"Platform": "changed 20", "Platform/Storage / Blob": "added 20", "Data": "changed 15",
			"Data/Fixed fee: Support": "added 15"}
		if len(got) != len(want) {
			t.Errorf("diff = %v, want %v", got, want)
		}
		for k, v := range want {
			if got[k] != v {
				t.Errorf("diff[%s] = %q, want %q", k, got[k], v)
			}
		}
		first, err := f.svc.Diff(f.ctx, f.p, october, 1)
		if err != nil || first.Previous != 0 || first.Units[0].Change != chargeback.Added {
			t.Errorf("v1 diff = %+v, %v", first, err)
		}
	})
}

func TestOtherOrganisationsAndViewersCannotTouchChargebacks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		f.load(t, cost{"10", "EUR", 3, "Compute", "VM", "web"})
		f.generate(t)
		other := newFixture(t, db, "EUR")
		if _, err := other.svc.Get(other.ctx, other.p, october, 1); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("another org read the chargeback: %v", err)
		}
		if list, _ := other.svc.List(other.ctx, other.p); len(list) != 0 {
			t.Errorf("another org lists %d chargebacks", len(list))
		}
		g := []auth.Grant{{Role: auth.RoleViewer}}
		viewer := &auth.Principal{User: f.owner, Org: f.p.Org, Grants: g, Perms: auth.OrgPermissions(g)}
		if _, err := f.svc.Get(f.ctx, viewer, october, 1); err != nil {
			t.Errorf("viewer cannot read: %v", err)
		}
		if _, err := f.svc.Generate(f.ctx, viewer, f.who, october); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("viewer generated: %v", err)
		}
		if _, err := f.svc.SaveExtra(f.ctx, viewer, f.who, "", chargeback.ExtraInput{}); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Errorf("viewer saved an extra charge: %v", err)
		}
	})
}
