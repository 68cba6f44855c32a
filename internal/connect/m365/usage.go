package m365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/m365analytics"
	"github.com/canopyhq/canopy/internal/store"
)

// usagePeriod is the period of the usage reports imported for analytics:
// their rows say who was active in the 30 days up to the report date.
const usagePeriod = "D30"

// Report state error kinds (store.M365ReportState.ErrorKind).
const (
	UsageNotAuthorized = "not_authorized"
	UsageFailed        = "failed"
)

// usageReport is one report imported for analytics: the row conversion
// of its CSV.
type usageReport struct {
	name string
	row  func(map[string]string, map[string]string) (store.M365UsageRow, bool)
}

var usageReports = []usageReport{
	{ReportActiveUsers, activeUserRow}, {ReportMailboxUsage, mailboxRow}, {ReportOneDriveUsage, oneDriveRow},
	{ReportSharePointSites, sharePointRow}, {ReportTeamsActivity, teamsRow},
}

// importedReport is one report's rows as read.
type importedReport struct {
	name string
	info ReportInfo
	rows []store.M365UsageRow
}

// importUsage reads the five usage reports (D30) and the tenant's report
// settings, stores each report under its report date (a re-import of a
// date replaces it), snapshots the licences of the day and records the
// connection's report state. Failures are warnings: the directory and
// the recommendations do not depend on them.
func importUsage(ctx context.Context, cl *Client, run *connect.Run, conn connect.Connection, snap store.DirectorySnapshot) error {
	st := previousState(ctx, run, conn)
	st.LastAttemptAt, st.ErrorKind, st.LastError = domain.Now(), "", ""
	if snap.HasSKUs {
		if err := saveLicenceSnapshot(ctx, run, conn, snap.SKUs); err != nil {
			return err
		}
	}
	settings, err := cl.ReportSettings(ctx)
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case err == nil:
		st.ConcealedSetting = settings.DisplayConcealedNames
	case !IsForbidden(err): // without ReportSettings.Read.All the rows still tell
		noteUsageError(&st, "report settings", err)
	}
	byUPN := make(map[string]string, len(snap.Users))
	for _, u := range snap.Users {
		byUPN[strings.ToLower(u.UserPrincipalName)] = u.ObjectID
	}
	var done []importedReport
	for _, rep := range usageReports {
		got, err := readUsageReport(ctx, cl, rep, byUPN)
		if ctx.Err() != nil {
			return ctx.Err()
		}
		if err != nil {
			noteUsageError(&st, rep.name, err)
			continue
		}
		done = append(done, got)
	}
	if err := saveUsage(ctx, run, conn, done, &st); err != nil {
		return err
	}
	if st.LastError != "" {
		run.Warn("Usage analytics: " + st.LastError)
	}
	return run.Store().SaveM365ReportState(ctx, st)
}

// previousState is the connection's last report state (its import date
// and concealment stay until a new import replaces them).
func previousState(ctx context.Context, run *connect.Run, conn connect.Connection) store.M365ReportState {
	st, err := run.Store().M365ReportState(ctx, conn.OrgID, conn.ID)
	if err != nil || st == nil {
		return store.M365ReportState{OrgID: conn.OrgID, ConnectionID: conn.ID}
	}
	return *st
}

func readUsageReport(ctx context.Context, cl *Client, rep usageReport, byUPN map[string]string) (importedReport, error) {
	out := importedReport{name: rep.name}
	info, err := cl.Report(ctx, rep.name, usagePeriod, func(row map[string]string) error {
		if r, ok := rep.row(row, byUPN); ok {
			out.rows = append(out.rows, r)
		}
		return nil
	})
	out.info = info
	return out, err
}

// saveUsage stores the reports read, each under its refresh date (an
// empty report under the latest date of the others, else today).
func saveUsage(ctx context.Context, run *connect.Run, conn connect.Connection, done []importedReport, st *store.M365ReportState) error {
	if len(done) == 0 {
		return nil
	}
	latest := ""
	concealed := false
	for _, d := range done {
		if !d.info.RefreshDate.IsZero() && d.info.RefreshDate.Format(time.DateOnly) > latest {
			latest = d.info.RefreshDate.Format(time.DateOnly)
		}
		concealed = concealed || d.info.Concealed
	}
	if latest == "" {
		latest = domain.Now().Format(time.DateOnly)
	}
	now := domain.Now()
	for _, d := range done {
		date := latest
		if !d.info.RefreshDate.IsZero() {
			date = d.info.RefreshDate.Format(time.DateOnly)
		}
		imp := store.M365UsageImport{OrgID: conn.OrgID, ConnectionID: conn.ID, Report: d.name, ReportDate: date,
			Period: usagePeriod, Concealed: d.info.Concealed, ImportedAt: now, Summary: m365analytics.Summarize(d.name, date, d.rows)}
		if err := run.Store().ReplaceM365Usage(ctx, imp, d.rows); err != nil {
			return fmt.Errorf("save the usage report %s: %w", d.name, err)
		}
		run.AddRows(int64(len(d.rows)))
	}
	st.LastImportAt, st.ReportDate = &now, latest
	st.ConcealedRows = concealed
	st.Concealed = st.ConcealedSetting || concealed
	return nil
}

func saveLicenceSnapshot(ctx context.Context, run *connect.Run, conn connect.Connection, skus []store.M365SKU) error {
	out := make([]store.M365LicenceSnapshot, 0, len(skus))
	for _, k := range skus {
		out = append(out, store.M365LicenceSnapshot{SkuID: k.SkuID, SkuPartNumber: k.SkuPartNumber,
			Purchased: k.PrepaidEnabled, Assigned: k.ConsumedUnits})
	}
	if err := run.Store().ReplaceM365LicenceSnapshot(ctx, conn.OrgID, conn.ID, domain.Now().Format(time.DateOnly), out); err != nil {
		return fmt.Errorf("save the licence snapshot: %w", err)
	}
	return nil
}

// noteUsageError keeps the first (most telling) error of an import and
// its kind: a refused token or a missing permission is not_authorized.
func noteUsageError(st *store.M365ReportState, what string, err error) {
	kind, msg := UsageFailed, fmt.Sprintf("could not read %s: %v", what, err)
	switch {
	case IsForbidden(err):
		kind = UsageNotAuthorized
		msg = missingPermission("Usage report "+what, "Reports.Read.All")
	case IsUnauthorized(err), isConsentError(err):
		kind = UsageNotAuthorized
		msg = fmt.Sprintf("Microsoft Graph refused Canopy's token (%v): the tenant's admin consent is missing or was revoked. "+
			"Fix: a Global Administrator grants admin consent to Canopy again (see /help/%s).", err, HelpConsent)
	}
	if st.ErrorKind == "" || (st.ErrorKind == UsageFailed && kind == UsageNotAuthorized) {
		st.ErrorKind, st.LastError = kind, msg
	}
}

// isConsentError reports a sign-in Entra ID refused (4xx): no consent,
// consent revoked, unknown tenant.
func isConsentError(err error) bool {
	var re *refusedError
	if errors.As(err, &re) {
		return true
	}
	var te *TokenError
	var af *azidentity.AuthenticationFailedError
	return errors.As(err, &te) && errors.As(te, &af) && af.RawResponse != nil &&
		af.RawResponse.StatusCode >= http.StatusBadRequest && af.RawResponse.StatusCode < http.StatusInternalServerError
}

// recordSyncFailure records, for analytics, that a sync failed before the
// usage reports could be read (a refused consent shows as not_authorized).
func recordSyncFailure(ctx context.Context, run *connect.Run, conn connect.Connection, err error) {
	if ctx.Err() != nil || err == nil {
		return
	}
	st := previousState(ctx, run, conn)
	st.LastAttemptAt, st.ErrorKind, st.LastError = domain.Now(), "", ""
	noteUsageError(&st, "the tenant", err)
	if st.ErrorKind == UsageNotAuthorized && !IsForbidden(err) {
		st.LastError = err.Error()
	}
	_ = run.Store().SaveM365ReportState(ctx, st) // the sync's own error is what counts
}

func reportDate(row map[string]string) string { return strings.TrimSpace(row["Report Refresh Date"]) }

func number(s string) int64 {
	n, _ := strconv.ParseInt(strings.TrimSpace(s), 10, 64)
	return n
}

func deleted(row map[string]string) bool { return strings.EqualFold(row["Is Deleted"], "True") }

func activeUserRow(row map[string]string, byUPN map[string]string) (store.M365UsageRow, bool) {
	upn := strings.TrimSpace(row["User Principal Name"])
	if upn == "" || deleted(row) {
		return store.M365UsageRow{}, false
	}
	var services []string
	for _, s := range []struct{ col, svc string }{{"Has Exchange License", m365analytics.ServiceExchange},
		{"Has OneDrive License", m365analytics.ServiceOneDrive}, {"Has SharePoint License", m365analytics.ServiceSharePoint},
		{"Has Teams License", m365analytics.ServiceTeams}} {
		if strings.EqualFold(row[s.col], "True") {
			services = append(services, s.svc)
		}
	}
	return store.M365UsageRow{ReportDate: reportDate(row), EntityKey: upn, ObjectID: byUPN[strings.ToLower(upn)],
		DisplayName: row["Display Name"], Services: strings.Join(services, ","), Products: row["Assigned Products"],
		ExchangeLast: row["Exchange Last Activity Date"], OneDriveLast: row["OneDrive Last Activity Date"],
		SharePointLast: row["SharePoint Last Activity Date"], TeamsLast: row["Teams Last Activity Date"],
		YammerLast: row["Yammer Last Activity Date"]}, true
}

func mailboxRow(row map[string]string, byUPN map[string]string) (store.M365UsageRow, bool) {
	upn := strings.TrimSpace(row["User Principal Name"])
	if upn == "" || deleted(row) {
		return store.M365UsageRow{}, false
	}
	return store.M365UsageRow{ReportDate: reportDate(row), EntityKey: upn, ObjectID: byUPN[strings.ToLower(upn)],
		DisplayName: row["Display Name"], LastActivity: row["Last Activity Date"], ItemCount: number(row["Item Count"]),
		StorageBytes: number(row["Storage Used (Byte)"])}, true
}

func oneDriveRow(row map[string]string, byUPN map[string]string) (store.M365UsageRow, bool) {
	upn := strings.TrimSpace(row["Owner Principal Name"])
	if upn == "" {
		upn = strings.TrimSpace(row["Site URL"])
	}
	if upn == "" || deleted(row) {
		return store.M365UsageRow{}, false
	}
	return store.M365UsageRow{ReportDate: reportDate(row), EntityKey: upn, ObjectID: byUPN[strings.ToLower(upn)],
		DisplayName: row["Owner Display Name"], Owner: row["Site URL"], LastActivity: row["Last Activity Date"],
		FileCount: number(row["File Count"]), ActiveFileCount: number(row["Active File Count"]),
		StorageBytes: number(row["Storage Used (Byte)"])}, true
}

func sharePointRow(row map[string]string, _ map[string]string) (store.M365UsageRow, bool) {
	key := strings.TrimSpace(row["Site Id"])
	if key == "" {
		key = strings.TrimSpace(row["Site URL"])
	}
	if key == "" || deleted(row) {
		return store.M365UsageRow{}, false
	}
	return store.M365UsageRow{ReportDate: reportDate(row), EntityKey: key, DisplayName: row["Site URL"],
		Owner: row["Owner Principal Name"], LastActivity: row["Last Activity Date"], FileCount: number(row["File Count"]),
		ActiveFileCount: number(row["Active File Count"]), PageViews: number(row["Page View Count"]),
		StorageBytes: number(row["Storage Used (Byte)"])}, true
}

func teamsRow(row map[string]string, byUPN map[string]string) (store.M365UsageRow, bool) {
	upn := strings.TrimSpace(row["User Principal Name"])
	if upn == "" || deleted(row) {
		return store.M365UsageRow{}, false
	}
	return store.M365UsageRow{ReportDate: reportDate(row), EntityKey: upn, ObjectID: byUPN[strings.ToLower(upn)],
		LastActivity: row["Last Activity Date"], ChatMessages: number(row["Team Chat Message Count"]) + number(row["Private Chat Message Count"]),
		Calls: number(row["Call Count"]), Meetings: number(row["Meeting Count"])}, true
}
