package web

import (
	"time"

	"github.com/canopyhq/canopy/internal/m365analytics"
)

func m365AnalyticsSamplePages() []pageCase {
	l := sampleLayout(NavM365)
	l.Can["m365.read"], l.Can["connections.manage"] = true, true
	viewer := sampleLayout(NavM365)
	viewer.Can = map[string]bool{"m365.read": true}
	at := time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC)
	n := func(v int64) *int64 { return &v }
	o := m365analytics.Overview{
		Connection: m365analytics.Connection{ID: "con_1", Name: "Contoso 365", Tenant: "contoso.onmicrosoft.com"},
		Status:     m365analytics.Status{LastImportAt: &at, ReportDate: "2026-11-24", ReauthorizeURL: "/m365/analytics/reauthorize?connection=con_1"},
		Licences: m365analytics.Licences{SnapshotDate: "2026-11-26", Rows: []m365analytics.LicenceRow{
			{SkuID: "s1", SkuPartNumber: "SPE_E3", Purchased: 10, Assigned: 8, Unassigned: 2, UnitPrice: "36.00", Currency: "USD", MonthlyCost: "360.00", UnassignedCost: "72.00"},
			{SkuID: "s2", SkuPartNumber: "VISIOCLIENT", Purchased: 3, Assigned: 1, Unassigned: 2, CostBasis: "unknown: no price"}}},
		Services: m365analytics.ServiceUsage{ReportDate: "2026-11-24", PeriodDays: 30, Rows: []m365analytics.ServiceRow{
			{Service: "exchange", Label: "Exchange (mail)", Active: 7, Inactive: 1}}},
		Trends: m365analytics.Trends{From: "2026-08-28", Days: []m365analytics.TrendPoint{
			{Date: "2026-11-24", Purchased: n(13), Assigned: n(9), Active: map[string]int64{"exchange": 7}}}},
	}
	running := o
	running.Status = m365analytics.Status{ReauthorizeURL: "/m365/analytics/reauthorize?connection=con_1",
		Sync: &m365analytics.SyncInfo{ID: "syn_1", State: "running", Phase: "Users", Done: 1, Total: 8}}
	running.Licences = m365analytics.Licences{Rows: []m365analytics.LicenceRow{}, NoData: &m365analytics.NoData{Reason: "not_collected",
		Message: "The first import of this tenant's usage reports is running: Users.", FixURL: "/connections/con_1", FixLabel: "See the connection's syncs"}}
	running.Services, running.Trends = m365analytics.ServiceUsage{}, m365analytics.Trends{}
	revoked := running
	revoked.Status = m365analytics.Status{ErrorKind: "not_authorized", Error: "consent revoked (see /help/m365-admin-consent)", ReauthorizeURL: "/m365/analytics/reauthorize?connection=con_1"}
	revoked.Licences.NoData = &m365analytics.NoData{Reason: "not_authorized", Message: "Canopy is not authorized: consent revoked (see /help/m365-admin-consent)",
		FixURL: "/m365/analytics/reauthorize?connection=con_1", FixLabel: "Re-authorize Canopy (admin consent)"}
	conns := []m365analytics.Connection{o.Connection, {ID: "con_2", Name: "Fabrikam 365"}}
	return []pageCase{
		{M365ConnectPage{Layout: l, CanConnect: true},
			[]string{`action="/connections/m365/consent"`, `name="next" value="analytics"`, `name="m365_tenant"`, `Connect a tenant`, `href="/m365/delegation"`}},
		{M365ConnectPage{Layout: viewer}, []string{`Ask an administrator`}},
		{M365AnalyticsPage{Layout: l, Connections: conns, Overview: o, Days: 90, Chart: newAnalyticsChart(o)},
			[]string{`id="m365-licences-chart"`, `href="/m365/analytics/users?connection=con_1&amp;sku=SPE_E3"`, `360.00 USD`, `Unknown`,
				`href="/m365/analytics/users?connection=con_1&amp;service=exchange&amp;state=inactive"`, `id="m365-chart-data"`,
				`href="/m365/analytics/export.csv?connection=con_1&amp;days=90&amp;table=licences"`, `<option value="con_2">Fabrikam 365</option>`,
				`aria-current="page">Analytics`, `href="/m365/delegation"`}},
		{M365AnalyticsPage{Layout: l, Connections: conns[:1], Overview: running, Days: 90},
			[]string{`id="m365-progress"`, `hx-get="/m365/analytics/progress?connection=con_1"`, `data-reason="not_collected"`, `Not collected yet`}},
		{M365AnalyticsPage{Layout: l, Connections: conns[:1], Overview: revoked, Days: 90},
			[]string{`data-reason="not_authorized"`, `href="/m365/analytics/reauthorize?connection=con_1"`, `href="/help/m365-admin-consent"`}},
		{M365UsersPage{Layout: l, Connection: o.Connection, Filter: m365analytics.UserFilter{Service: "exchange", State: "inactive"},
			Services: m365analytics.Services, List: m365analytics.UserList{Title: "Exchange (mail): inactive users", ReportDate: "2026-11-24",
				Rows:   []m365analytics.UserRow{{Key: "9F86D081884C7D659A2FEAA0C55AD015", LastActivity: map[string]string{"exchange": "2026-08-01"}}},
				NoData: &m365analytics.NoData{Reason: "names_concealed", Message: `"Display concealed user, group, and site names in all reports"`, FixURL: "/help/m365-report-concealment", FixLabel: "How to show names"}}},
			[]string{`<code>9F86D081884C7D659A2FEAA0C55AD015</code>`, `data-reason="names_concealed"`, `2026-08-01`, `id="m365-users-csv"`}},
		{M365ReauthorizePage{Layout: l, Connection: o.Connection, Status: revoked.Status, CanManage: true},
			[]string{`action="/m365/analytics/reauthorize"`, `name="connection" value="con_1"`, `consent revoked`}},
	}
}
