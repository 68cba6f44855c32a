package m365analytics

import (
	"context"
	"encoding/json"
	"sort"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// ServiceRow is one service's licensed users on the report date: active
// (activity within the period) and inactive.
type ServiceRow struct {
	Service  string `json:"service"`
	Label    string `json:"label"`
	Active   int64  `json:"active"`
	Inactive int64  `json:"inactive"`
}

// ServiceUsage is the active-versus-inactive table of one connection.
type ServiceUsage struct {
	ReportDate string       `json:"report_date"`
	PeriodDays int          `json:"period_days"`
	Rows       []ServiceRow `json:"rows"`
	NoData     *NoData      `json:"no_data"`
}

// ReportRow is one usage report's totals on its latest report date.
type ReportRow struct {
	Report     string `json:"report"`
	ReportDate string `json:"report_date"`
	Summary
}

// ReportTotals is the per-report table of one connection.
type ReportTotals struct {
	Rows   []ReportRow `json:"rows"`
	NoData *NoData     `json:"no_data"`
}

// TrendPoint is one day of the trends; a nil value was not imported
// that day.
type TrendPoint struct {
	Date         string           `json:"date"`
	Purchased    *int64           `json:"purchased"`
	Assigned     *int64           `json:"assigned"`
	Active       map[string]int64 `json:"active,omitempty"` // per service
	MailboxBytes *int64           `json:"mailbox_storage_bytes"`
	OneDriveByte *int64           `json:"onedrive_storage_bytes"`
	PageViews    *int64           `json:"sharepoint_page_views"`
	TeamsChats   *int64           `json:"teams_chat_messages"`
	TeamsMeet    *int64           `json:"teams_meetings"`
}

// Trends are daily series over the imported days.
type Trends struct {
	From   string       `json:"from"`
	Days   []TrendPoint `json:"days"`
	NoData *NoData      `json:"no_data"`
}

// Services returns the active and inactive users per service of the
// latest Active User Detail import.
func (s *Service) Services(ctx context.Context, p *auth.Principal, connectionID string) (ServiceUsage, error) {
	sc, err := s.open(ctx, p, connectionID)
	if err != nil {
		return ServiceUsage{}, err
	}
	return s.services(ctx, sc)
}

func (s *Service) services(ctx context.Context, sc *scope) (ServiceUsage, error) {
	out := ServiceUsage{PeriodDays: PeriodDays, Rows: []ServiceRow{}}
	imp, sum, err := s.latest(ctx, sc, ReportActiveUsers)
	if err != nil || imp == nil {
		out.NoData = sc.empty("")
		return out, err
	}
	out.ReportDate = imp.ReportDate
	for _, svc := range Services {
		c := sum.Services[svc]
		out.Rows = append(out.Rows, ServiceRow{Service: svc, Label: ServiceLabels[svc], Active: c.Active, Inactive: c.Inactive})
	}
	if sum.Active == 0 {
		out.NoData = sc.empty("No licensed user used Exchange, OneDrive, SharePoint or Teams in the " +
			itoa(PeriodDays) + " days up to " + imp.ReportDate + ".")
	}
	return out, nil
}

// latest is a connection's latest import of report and its summary.
func (s *Service) latest(ctx context.Context, sc *scope, report string) (*store.M365UsageImport, Summary, error) {
	list, err := s.Store.M365UsageImports(ctx, sc.p.Org.ID, sc.conn.ID, report, "")
	if err != nil || len(list) == 0 {
		return nil, Summary{}, err
	}
	imp := list[len(list)-1]
	var sum Summary
	if err := json.Unmarshal(imp.Summary, &sum); err != nil {
		return nil, Summary{}, err
	}
	return &imp, sum, nil
}

// Reports returns each usage report's totals on its latest date.
func (s *Service) Reports(ctx context.Context, p *auth.Principal, connectionID string) (ReportTotals, error) {
	sc, err := s.open(ctx, p, connectionID)
	if err != nil {
		return ReportTotals{}, err
	}
	return s.reports(ctx, sc)
}

func (s *Service) reports(ctx context.Context, sc *scope) (ReportTotals, error) {
	out := ReportTotals{Rows: []ReportRow{}}
	active := int64(0)
	for _, rep := range Reports {
		imp, sum, err := s.latest(ctx, sc, rep)
		if err != nil {
			return out, err
		}
		if imp != nil {
			out.Rows = append(out.Rows, ReportRow{Report: rep, ReportDate: imp.ReportDate, Summary: sum})
			active += sum.Active + sum.PageViews
		}
	}
	if len(out.Rows) == 0 || active == 0 {
		out.NoData = sc.empty("The usage reports were imported but show no activity in the " + itoa(PeriodDays) + "-day period.")
	}
	return out, nil
}

// Trends returns the daily series of the last days days (1 to 400).
func (s *Service) Trends(ctx context.Context, p *auth.Principal, connectionID string, days int) (Trends, error) {
	if days < 1 || days > 400 {
		return Trends{}, domain.FieldError("days", "Choose between 1 and 400 days.")
	}
	sc, err := s.open(ctx, p, connectionID)
	if err != nil {
		return Trends{}, err
	}
	return s.trends(ctx, sc, days)
}

func (s *Service) trends(ctx context.Context, sc *scope, days int) (Trends, error) {
	from := s.now().AddDate(0, 0, -days).Format(time.DateOnly)
	out := Trends{From: from, Days: []TrendPoint{}}
	byDate := map[string]*TrendPoint{}
	point := func(d string) *TrendPoint {
		if byDate[d] == nil {
			byDate[d] = &TrendPoint{Date: d}
		}
		return byDate[d]
	}
	snaps, err := s.Store.M365LicenceSnapshots(ctx, sc.p.Org.ID, sc.conn.ID, from)
	if err != nil {
		return out, err
	}
	for _, k := range snaps {
		pt := point(k.SnapshotDate)
		pt.Purchased, pt.Assigned = add(pt.Purchased, k.Purchased), add(pt.Assigned, k.Assigned)
	}
	activity := false
	for _, rep := range Reports {
		list, err := s.Store.M365UsageImports(ctx, sc.p.Org.ID, sc.conn.ID, rep, from)
		if err != nil {
			return out, err
		}
		for _, imp := range list {
			var sum Summary
			if json.Unmarshal(imp.Summary, &sum) != nil {
				continue
			}
			activity = activity || sum.Active > 0
			trendValues(point(imp.ReportDate), rep, sum)
		}
	}
	for _, pt := range byDate {
		out.Days = append(out.Days, *pt)
	}
	sort.Slice(out.Days, func(i, j int) bool { return out.Days[i].Date < out.Days[j].Date })
	switch {
	case len(out.Days) == 0 && sc.imported():
		out.NoData = sc.empty("Nothing was imported in the last " + itoa(days) + " days.")
	case len(out.Days) == 0:
		out.NoData = sc.empty("")
	case !activity && len(snaps) == 0:
		out.NoData = sc.empty("The imported days show no activity and no licences.")
	}
	return out, nil
}

// trendValues puts a report's totals into its day's point.
func trendValues(pt *TrendPoint, report string, sum Summary) {
	switch report {
	case ReportActiveUsers:
		pt.Active = map[string]int64{}
		for _, svc := range Services {
			pt.Active[svc] = sum.Services[svc].Active
		}
	case ReportMailbox:
		pt.MailboxBytes = &sum.StorageBytes
	case ReportOneDrive:
		pt.OneDriveByte = &sum.StorageBytes
	case ReportSharePoint:
		pt.PageViews = &sum.PageViews
	case ReportTeams:
		pt.TeamsChats, pt.TeamsMeet = &sum.ChatMessages, &sum.Meetings
	}
}

func add(p *int64, n int64) *int64 {
	v := n
	if p != nil {
		v += *p
	}
	return &v
}

func itoa(n int) string { return formatInt(int64(n)) }
