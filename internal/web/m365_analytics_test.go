package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/m365analytics"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Microsoft 365 without a tenant offers "Connect a tenant" (to the owner;
// the viewer is told to ask); with a connection it goes to the analytics,
// which says the first import has not run, and after an import shows the
// tables, the drill-down and the CSV. Org B cannot open A's connection.
func TestM365AnalyticsPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner, viewer := f.client("owner-a@example.com"), f.client("viewer-a@example.com")
		code, body := f.do(owner, "GET", "/m365", nil)
		if code != http.StatusOK || !strings.Contains(body, `name="next" value="analytics"`) || !strings.Contains(body, `id="m365-connect-tenant"`) {
			t.Fatalf("owner's /m365: %d", code)
		}
		if _, body = f.do(viewer, "GET", "/m365", nil); !strings.Contains(body, "Ask an administrator") || strings.Contains(body, `id="m365-connect-tenant"`) {
			t.Fatal("viewer's /m365 offers the consent form")
		}
		ctx, org := context.Background(), f.orgs["A"].ID
		c, err := f.st.CreateConnection(ctx, store.Connection{OrgID: org, Kind: "m365", Name: "Contoso 365",
			Settings: []byte(`{"tenant_id":"contoso.onmicrosoft.com"}`), SyncHour: 3, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		if code, _ := f.do(owner, "GET", "/m365", nil); code != http.StatusSeeOther {
			t.Fatalf("/m365 with a connection: %d", code)
		}
		code, body = f.do(viewer, "GET", "/m365/analytics", nil)
		if code != http.StatusOK || !strings.Contains(body, `data-reason="not_collected"`) || !strings.Contains(body, "Contoso 365") {
			t.Fatalf("before the import: %d", code)
		}
		day := time.Now().UTC().AddDate(0, 0, -2).Format(time.DateOnly)
		rows := []store.M365UsageRow{{EntityKey: "ada@contoso.test", DisplayName: "Ada", Services: "teams", TeamsLast: "2020-01-01"}}
		now := time.Now().UTC()
		if err := f.st.ReplaceM365Usage(ctx, store.M365UsageImport{OrgID: org, ConnectionID: c.ID, Report: m365analytics.ReportActiveUsers,
			ReportDate: day, ImportedAt: now, Summary: m365analytics.Summarize(m365analytics.ReportActiveUsers, day, rows)}, rows); err != nil {
			t.Fatal(err)
		}
		if err := f.st.ReplaceM365LicenceSnapshot(ctx, org, c.ID, day, []store.M365LicenceSnapshot{{SkuID: "s1", SkuPartNumber: "SPE_E3", Purchased: 3, Assigned: 1}}); err != nil {
			t.Fatal(err)
		}
		if err := f.st.SaveM365ReportState(ctx, store.M365ReportState{OrgID: org, ConnectionID: c.ID, LastAttemptAt: now, LastImportAt: &now, ReportDate: day}); err != nil {
			t.Fatal(err)
		}
		code, body = f.do(viewer, "GET", "/m365/analytics?connection="+c.ID, nil)
		if code != http.StatusOK || !strings.Contains(body, `id="m365-licences-chart"`) || !strings.Contains(body, `data-sku="SPE_E3"`) ||
			!strings.Contains(body, `data-reason="no_activity"`) {
			t.Fatalf("after the import: %d", code)
		}
		q := url.Values{"connection": {c.ID}, "service": {"teams"}, "state": {"inactive"}}.Encode()
		if code, body = f.do(viewer, "GET", "/m365/analytics/users?"+q, nil); code != http.StatusOK || !strings.Contains(body, `data-user="ada@contoso.test"`) {
			t.Fatalf("drill-down: %d", code)
		}
		if code, body = f.do(viewer, "GET", "/m365/analytics/export.csv?table=licences&connection="+c.ID, nil); code != http.StatusOK ||
			!strings.Contains(body, "sku_part_number") || !strings.Contains(body, "SPE_E3,s1,3,1,2") {
			t.Fatalf("CSV: %d %q", code, body)
		}
		if code, _ = f.do(viewer, "GET", "/m365/analytics/progress?connection="+c.ID, nil); code != http.StatusOK {
			t.Fatalf("progress: %d", code)
		}
		if code, _ = f.do(viewer, "POST", "/m365/analytics/reauthorize", url.Values{"connection": {c.ID}}); code != http.StatusForbidden {
			t.Fatalf("viewer re-authorizes: %d", code)
		}
		ownerB := f.client("owner-b@example.com")
		for _, path := range []string{"/m365/analytics?connection=" + c.ID, "/m365/analytics/users?" + q, "/m365/analytics/export.csv?table=licences&connection=" + c.ID} {
			if code, body = f.do(ownerB, "GET", path, nil); code != http.StatusNotFound || strings.Contains(body, "Contoso 365") {
				t.Fatalf("org B %s: %d", path, code)
			}
		}
	})
}
