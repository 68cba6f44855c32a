package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/m365analytics"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Before any import every table says not_collected; with an import and a
// licence price the viewer reads licences with cost, active and inactive
// users per service, the drill-down and the CSV; the other organisation
// gets 404.
func TestM365AnalyticsAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		conn, org := f.a.dlg.connID, f.a.org.ID
		base := "/api/v1/m365/analytics/" + conn
		var o m365analytics.Overview
		f.do("GET", base, f.a.viewerToken, nil).decode(t, &o)
		if o.Licences.NoData == nil || o.Licences.NoData.Reason != "not_collected" || o.Services.NoData.Reason != "not_collected" {
			t.Fatalf("before import: %+v %+v", o.Licences.NoData, o.Services.NoData)
		}
		day := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
		if err := f.st.ReplaceM365LicenceSnapshot(f.ctx, org, conn, day, []store.M365LicenceSnapshot{
			{SkuID: "sku-e3", SkuPartNumber: "SPE_E3", Purchased: 5, Assigned: 1}}); err != nil {
			t.Fatal(err)
		}
		if err := f.st.SetLicencePrice(f.ctx, store.LicencePrice{OrgID: org, SkuPartNumber: "SPE_E3", CostSKU: "X", UnitPrice: "36", Currency: "USD"}); err != nil {
			t.Fatal(err)
		}
		rows := []store.M365UsageRow{
			{EntityKey: "alex@alpha.test", ObjectID: "alex", DisplayName: "Alex", Services: "exchange,teams", ExchangeLast: day, TeamsLast: day},
			{EntityKey: "blake@alpha.test", ObjectID: "blake", DisplayName: "Blake", Services: "exchange", ExchangeLast: "2020-01-01"}}
		now := time.Now().UTC()
		if err := f.st.ReplaceM365Usage(f.ctx, store.M365UsageImport{OrgID: org, ConnectionID: conn, Report: m365analytics.ReportActiveUsers,
			ReportDate: day, Period: "D30", ImportedAt: now, Summary: m365analytics.Summarize(m365analytics.ReportActiveUsers, day, rows)}, rows); err != nil {
			t.Fatal(err)
		}
		if err := f.st.SaveM365ReportState(f.ctx, store.M365ReportState{OrgID: org, ConnectionID: conn, LastAttemptAt: now, LastImportAt: &now, ReportDate: day}); err != nil {
			t.Fatal(err)
		}
		f.do("GET", base, f.a.viewerToken, nil).decode(t, &o)
		if len(o.Licences.Rows) != 1 || o.Licences.NoData != nil {
			t.Fatalf("licences %+v", o.Licences)
		}
		if l := o.Licences.Rows[0]; l.Unassigned != 4 || l.UnitPrice != "36.00" || l.MonthlyCost != "180.00" || l.UnassignedCost != "144.00" || l.Currency != "USD" {
			t.Fatalf("licence row %+v", l)
		}
		if o.Services.NoData != nil || o.Services.Rows[0].Service != "exchange" || o.Services.Rows[0].Active != 1 || o.Services.Rows[0].Inactive != 1 {
			t.Fatalf("services %+v", o.Services)
		}
		var l m365analytics.UserList
		f.do("GET", base+"/users?service=exchange&state=inactive", f.a.viewerToken, nil).decode(t, &l)
		if len(l.Rows) != 1 || l.Rows[0].Key != "blake@alpha.test" || l.NoData != nil {
			t.Fatalf("inactive exchange users %+v", l)
		}
		f.do("GET", base+"/users", f.a.viewerToken, nil).wantError(t, "drill-down without sku or service", 400, "invalid")
		f.do("GET", base+"?days=0", f.a.viewerToken, nil).wantError(t, "bad days", 400, "invalid")
		res := f.do("GET", base+"/users.csv?sku=SPE_E3", f.a.viewerToken, nil)
		res.wantStatus(t, "users CSV", 200)
		if ct := res.header.Get("Content-Type"); ct != "text/csv; charset=utf-8" || !strings.Contains(string(res.body), "alex@alpha.test,alex,Alex,true") {
			t.Fatalf("users CSV %q: %s", ct, res.body)
		}
		f.do("GET", base, f.b.ownerToken, nil).wantError(t, "other org", 404, "not_found")
		var list struct {
			Items []struct{ ID string }
		}
		f.do("GET", "/api/v1/m365/analytics", f.b.ownerToken, nil).decode(t, &list)
		for _, c := range list.Items {
			if c.ID == conn {
				t.Fatal("B lists A's connection")
			}
		}
	})
}
