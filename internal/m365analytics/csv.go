package m365analytics

import (
	"context"
	"encoding/csv"
	"io"
	"strconv"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/csvsafe"
	"github.com/canopyhq/canopy/internal/domain"
)

// CSV tables, by the name their export URL uses.
const (
	TableLicences = "licences"
	TableServices = "services"
	TableReports  = "reports"
	TableTrends   = "trends"
	TableUsers    = "users"
)

func i64(n int64) string { return strconv.FormatInt(n, 10) }

func opt(p *int64) string {
	if p == nil {
		return ""
	}
	return i64(*p)
}

func writeAll(w io.Writer, header []string, rows [][]string) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(header); err != nil {
		return err
	}
	for _, r := range rows {
		if err := cw.Write(csvsafe.Row(r...)); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

// WriteLicencesCSV writes the licence table.
func WriteLicencesCSV(w io.Writer, l Licences) error {
	rows := make([][]string, 0, len(l.Rows))
	for _, r := range l.Rows {
		rows = append(rows, []string{l.SnapshotDate, r.SkuPartNumber, r.SkuID, i64(r.Purchased), i64(r.Assigned), i64(r.Unassigned),
			r.UnitPrice, r.Currency, r.MonthlyCost, r.UnassignedCost, r.CostBasis})
	}
	return writeAll(w, []string{"snapshot_date", "sku_part_number", "sku_id", "purchased", "assigned", "unassigned",
		"unit_price", "currency", "monthly_cost", "unassigned_cost", "cost_basis"}, rows)
}

// WriteServicesCSV writes the active-versus-inactive table.
func WriteServicesCSV(w io.Writer, u ServiceUsage) error {
	rows := make([][]string, 0, len(u.Rows))
	for _, r := range u.Rows {
		rows = append(rows, []string{u.ReportDate, strconv.Itoa(u.PeriodDays), r.Service, i64(r.Active), i64(r.Inactive)})
	}
	return writeAll(w, []string{"report_date", "period_days", "service", "active", "inactive"}, rows)
}

// WriteReportsCSV writes each report's totals.
func WriteReportsCSV(w io.Writer, t ReportTotals) error {
	rows := make([][]string, 0, len(t.Rows))
	for _, r := range t.Rows {
		rows = append(rows, []string{r.Report, r.ReportDate, i64(r.Rows), i64(r.Active), i64(r.StorageBytes), i64(r.Items),
			i64(r.Files), i64(r.ActiveFiles), i64(r.PageViews), i64(r.ChatMessages), i64(r.Calls), i64(r.Meetings)})
	}
	return writeAll(w, []string{"report", "report_date", "rows", "active", "storage_bytes", "items", "files", "active_files",
		"page_views", "chat_messages", "calls", "meetings"}, rows)
}

// WriteTrendsCSV writes the daily series.
func WriteTrendsCSV(w io.Writer, t Trends) error {
	header := []string{"date", "purchased", "assigned"}
	for _, s := range Services {
		header = append(header, "active_"+s)
	}
	header = append(header, "mailbox_storage_bytes", "onedrive_storage_bytes", "sharepoint_page_views", "teams_chat_messages", "teams_meetings")
	rows := make([][]string, 0, len(t.Days))
	for _, d := range t.Days {
		r := []string{d.Date, opt(d.Purchased), opt(d.Assigned)}
		for _, s := range Services {
			if d.Active == nil {
				r = append(r, "")
			} else {
				r = append(r, i64(d.Active[s]))
			}
		}
		rows = append(rows, append(r, opt(d.MailboxBytes), opt(d.OneDriveByte), opt(d.PageViews), opt(d.TeamsChats), opt(d.TeamsMeet)))
	}
	return writeAll(w, header, rows)
}

// WriteUsersCSV writes a drill-down's users.
func WriteUsersCSV(w io.Writer, l UserList) error {
	header := []string{"user", "object_id", "display_name", "active"}
	for _, s := range Services {
		header = append(header, s+"_last_activity")
	}
	rows := make([][]string, 0, len(l.Rows))
	for _, u := range l.Rows {
		r := []string{u.Key, u.ObjectID, u.DisplayName, strconv.FormatBool(u.Active)}
		for _, s := range Services {
			r = append(r, u.LastActivity[s])
		}
		rows = append(rows, r)
	}
	return writeAll(w, append(header, "products"), appendProducts(rows, l))
}

func appendProducts(rows [][]string, l UserList) [][]string {
	for i := range rows {
		rows[i] = append(rows[i], l.Rows[i].Products)
	}
	return rows
}

// Table loads one table for a CSV export (trend days and the drill-down
// filter apply to their tables) and returns the function writing it.
func (s *Service) Table(ctx context.Context, p *auth.Principal, conn, table string, days int, f UserFilter) (func(io.Writer) error, error) {
	switch table {
	case TableLicences:
		l, err := s.Licences(ctx, p, conn)
		return func(w io.Writer) error { return WriteLicencesCSV(w, l) }, err
	case TableServices:
		u, err := s.Services(ctx, p, conn)
		return func(w io.Writer) error { return WriteServicesCSV(w, u) }, err
	case TableReports:
		t, err := s.Reports(ctx, p, conn)
		return func(w io.Writer) error { return WriteReportsCSV(w, t) }, err
	case TableTrends:
		t, err := s.Trends(ctx, p, conn, days)
		return func(w io.Writer) error { return WriteTrendsCSV(w, t) }, err
	case TableUsers:
		l, err := s.Users(ctx, p, conn, f)
		return func(w io.Writer) error { return WriteUsersCSV(w, l) }, err
	case TableMailboxes:
		m, err := s.Mailboxes(ctx, p, conn)
		return func(w io.Writer) error { return WriteMailboxesCSV(w, m) }, err
	}
	return nil, &domain.Error{Code: domain.CodeNotFound, Message: "No analytics table " + table + "."}
}
