// Package m365analytics is Canopy's Microsoft 365 licence and usage
// analytics: what the daily import of the five Graph usage reports and
// the licence snapshots (connect/m365 writes them) say about each
// tenant — licences purchased, assigned and unassigned per SKU with their
// cost, active and inactive users per service, trends over the imported
// days, drill-down lists of users and CSV exports — and, when a chart has
// nothing to show, exactly why (ReasonNotAuthorized, ReasonNotCollected,
// ReasonNoActivity, ReasonNamesConcealed) and how to fix it. The mailbox
// section (mailboxes.go) shows what the connection's user-context service
// account read from Exchange Online, or why it cannot
// (ReasonServiceAccountMissing, ReasonServiceAccountFailed).
package m365analytics

import (
	"encoding/json"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/store"
)

// The usage reports imported (Graph report function names).
const (
	ReportActiveUsers = "getOffice365ActiveUserDetail"
	ReportMailbox     = "getMailboxUsageDetail"
	ReportOneDrive    = "getOneDriveUsageAccountDetail"
	ReportSharePoint  = "getSharePointSiteUsageDetail"
	ReportTeams       = "getTeamsUserActivityUserDetail"
)

// Reports lists the imported reports in display order.
var Reports = []string{ReportActiveUsers, ReportMailbox, ReportOneDrive, ReportSharePoint, ReportTeams}

// PeriodDays is the activity period: a user counts as active with a
// service when the last activity lies within the PeriodDays days ending
// on the report date.
const PeriodDays = 30

// The services whose active and inactive users are counted.
const (
	ServiceExchange   = "exchange"
	ServiceOneDrive   = "onedrive"
	ServiceSharePoint = "sharepoint"
	ServiceTeams      = "teams"
)

// Services lists the services in display order.
var Services = []string{ServiceExchange, ServiceOneDrive, ServiceSharePoint, ServiceTeams}

// ServiceLabels name the services for people.
var ServiceLabels = map[string]string{ServiceExchange: "Exchange (mail)", ServiceOneDrive: "OneDrive",
	ServiceSharePoint: "SharePoint", ServiceTeams: "Teams"}

// Active reports whether a last activity date lies within the period
// ending on the report date (both "YYYY-MM-DD").
func Active(last, reportDate string) bool {
	if last == "" || reportDate == "" {
		return false
	}
	d, err := time.Parse(time.DateOnly, reportDate)
	if err != nil {
		return false
	}
	return last >= d.AddDate(0, 0, -(PeriodDays-1)).Format(time.DateOnly) && last <= reportDate
}

// LastActivity is a user's last activity with service in an Active User
// Detail row.
func LastActivity(r store.M365UsageRow, service string) string {
	switch service {
	case ServiceExchange:
		return r.ExchangeLast
	case ServiceOneDrive:
		return r.OneDriveLast
	case ServiceSharePoint:
		return r.SharePointLast
	case ServiceTeams:
		return r.TeamsLast
	}
	return ""
}

// Licensed reports whether an Active User Detail row's user holds a
// licence for service.
func Licensed(r store.M365UsageRow, service string) bool {
	for _, s := range strings.Split(r.Services, ",") {
		if s == service {
			return true
		}
	}
	return false
}

// ServiceCount is one service's licensed users, split by activity.
type ServiceCount struct {
	Active   int64 `json:"active"`
	Inactive int64 `json:"inactive"`
}

// Summary is one report's totals on its report date (stored with the
// import; the trends read them).
type Summary struct {
	Rows         int64                   `json:"rows"`
	Services     map[string]ServiceCount `json:"services,omitempty"`
	Active       int64                   `json:"active"` // rows active in the period
	StorageBytes int64                   `json:"storage_bytes"`
	Items        int64                   `json:"items"`
	Files        int64                   `json:"files"`
	ActiveFiles  int64                   `json:"active_files"`
	PageViews    int64                   `json:"page_views"`
	ChatMessages int64                   `json:"chat_messages"`
	Calls        int64                   `json:"calls"`
	Meetings     int64                   `json:"meetings"`
}

// Summarize totals a report's rows of one report date.
func Summarize(report, reportDate string, rows []store.M365UsageRow) json.RawMessage {
	s := Summary{Rows: int64(len(rows))}
	if report == ReportActiveUsers {
		s.Services = map[string]ServiceCount{}
	}
	for _, r := range rows {
		if report == ReportActiveUsers {
			any := false
			for _, svc := range Services {
				if !Licensed(r, svc) {
					continue
				}
				c := s.Services[svc]
				if Active(LastActivity(r, svc), reportDate) {
					c.Active, any = c.Active+1, true
				} else {
					c.Inactive++
				}
				s.Services[svc] = c
			}
			if any {
				s.Active++
			}
		} else if Active(r.LastActivity, reportDate) {
			s.Active++
		}
		s.StorageBytes += r.StorageBytes
		s.Items += r.ItemCount
		s.Files += r.FileCount
		s.ActiveFiles += r.ActiveFileCount
		s.PageViews += r.PageViews
		s.ChatMessages += r.ChatMessages
		s.Calls += r.Calls
		s.Meetings += r.Meetings
	}
	b, _ := json.Marshal(s)
	return b
}
