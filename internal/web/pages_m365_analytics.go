package web

import (
	"net/url"
	"strconv"

	"github.com/canopyhq/canopy/internal/m365analytics"
)

// M365ConnectPage is Microsoft 365 without a connection: connect a tenant
// by admin consent, then land on the analytics.
type M365ConnectPage struct {
	Layout
	CanConnect bool // holds connections.manage
}

func (M365ConnectPage) Template() string { return "m365_connect" }

// M365AnalyticsPage is Microsoft 365 → Analytics of one connection.
type M365AnalyticsPage struct {
	Layout
	Connections []m365analytics.Connection
	Overview    m365analytics.Overview
	Days        int
	Chart       AnalyticsChart // drawn by m365.js
	CanManage   bool           // may re-authorize (connections.manage)
}

func (M365AnalyticsPage) Template() string { return "m365_analytics" }

// AnalyticsChart is what m365.js draws, serialised as JSON into the page.
type AnalyticsChart struct {
	Licences struct {
		Labels     []string `json:"labels"`
		Assigned   []int64  `json:"assigned"`
		Unassigned []int64  `json:"unassigned"`
	} `json:"licences"`
	Services struct {
		Labels   []string `json:"labels"`
		Active   []int64  `json:"active"`
		Inactive []int64  `json:"inactive"`
	} `json:"services"`
	Trends struct {
		Labels    []string           `json:"labels"`
		Purchased []*int64           `json:"purchased"`
		Assigned  []*int64           `json:"assigned"`
		Active    map[string][]int64 `json:"active"`
		Names     map[string]string  `json:"names"`
	} `json:"trends"`
}

// newAnalyticsChart turns an overview into chart series.
func newAnalyticsChart(o m365analytics.Overview) AnalyticsChart {
	var c AnalyticsChart
	for _, r := range o.Licences.Rows {
		c.Licences.Labels = append(c.Licences.Labels, r.SkuPartNumber)
		c.Licences.Assigned = append(c.Licences.Assigned, r.Assigned)
		c.Licences.Unassigned = append(c.Licences.Unassigned, r.Unassigned)
	}
	for _, r := range o.Services.Rows {
		c.Services.Labels = append(c.Services.Labels, r.Label)
		c.Services.Active = append(c.Services.Active, r.Active)
		c.Services.Inactive = append(c.Services.Inactive, r.Inactive)
	}
	c.Trends.Active, c.Trends.Names = map[string][]int64{}, m365analytics.ServiceLabels
	for _, d := range o.Trends.Days {
		c.Trends.Labels = append(c.Trends.Labels, d.Date)
		c.Trends.Purchased = append(c.Trends.Purchased, d.Purchased)
		c.Trends.Assigned = append(c.Trends.Assigned, d.Assigned)
		for _, s := range m365analytics.Services {
			c.Trends.Active[s] = append(c.Trends.Active[s], d.Active[s])
		}
	}
	return c
}

// Conn is the current connection's ID.
func (p M365AnalyticsPage) Conn() string { return p.Overview.Connection.ID }

// ExportURL is the CSV export of a table of the current connection.
func (p M365AnalyticsPage) ExportURL(table string) string {
	return analyticsExportURL(p.Conn(), table, url.Values{"days": {strconv.Itoa(p.Days)}})
}

// UsersURL is the drill-down of a service's users in a state.
func (p M365AnalyticsPage) UsersURL(service, state string) string {
	return "/m365/analytics/users?" + url.Values{"connection": {p.Conn()}, "service": {service}, "state": {state}}.Encode()
}

// SKUURL is the drill-down of a SKU's holders.
func (p M365AnalyticsPage) SKUURL(sku string) string {
	return "/m365/analytics/users?" + url.Values{"connection": {p.Conn()}, "sku": {sku}}.Encode()
}

// Importing reports whether an import is queued or running.
func (p M365AnalyticsPage) Importing() bool { return p.Overview.Status.Sync != nil }

// M365ProgressURL is the polled status fragment of the connection.
func M365ProgressURL(conn string) string {
	return "/m365/analytics/progress?connection=" + url.QueryEscape(conn)
}

func analyticsExportURL(conn, table string, extra url.Values) string {
	v := url.Values{"connection": {conn}, "table": {table}}
	for k, vs := range extra {
		v[k] = vs
	}
	return "/m365/analytics/export.csv?" + v.Encode()
}

// M365UsersPage is an analytics drill-down: a SKU's holders or a
// service's active or inactive users.
type M365UsersPage struct {
	Layout
	Connection m365analytics.Connection
	Filter     m365analytics.UserFilter
	List       m365analytics.UserList
	Services   []string
}

func (M365UsersPage) Template() string { return "m365_analytics_users" }

// ExportURL is the CSV of the same list.
func (p M365UsersPage) ExportURL() string {
	return analyticsExportURL(p.Connection.ID, m365analytics.TableUsers, url.Values{"sku": {p.Filter.SKU},
		"service": {p.Filter.Service}, "state": {p.Filter.State}})
}

// BackURL is the connection's analytics.
func (p M365UsersPage) BackURL() string {
	return "/m365/analytics?connection=" + url.QueryEscape(p.Connection.ID)
}

// ServiceLabel names a service.
func (M365UsersPage) ServiceLabel(s string) string { return m365analytics.ServiceLabels[s] }

// M365ReauthorizePage explains re-authorizing Canopy for a tenant.
type M365ReauthorizePage struct {
	Layout
	Connection m365analytics.Connection
	Status     m365analytics.Status
	CanManage  bool
}

func (M365ReauthorizePage) Template() string { return "m365_reauthorize" }

// M365Progress is the polled import status fragment.
type M365Progress struct {
	Conn     string
	Status   m365analytics.Status
	Finished bool
}

// PollURL is where the fragment polls.
func (p M365Progress) PollURL() string { return M365ProgressURL(p.Conn) }

// Percent is the sync's progress.
func (p M365Progress) Percent() int64 {
	if s := p.Status.Sync; s != nil && s.Total > 0 {
		return s.Done * 100 / s.Total
	}
	return 0
}

// Progress is the import status fragment of the page's connection.
func (p M365AnalyticsPage) Progress() M365Progress {
	return M365Progress{Conn: p.Conn(), Status: p.Overview.Status, Finished: p.Overview.Status.Sync == nil}
}
