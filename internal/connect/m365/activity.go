package m365

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// activityPeriod is the usage report period read: the longest Graph
// offers, so that 90 days of inactivity can be told from 180.
const activityPeriod = "D180"

// assignColumns are the report's licence assignment date columns.
var assignColumns = []string{"Exchange License Assign Date", "OneDrive License Assign Date", "SharePoint License Assign Date",
	"Skype For Business License Assign Date", "Yammer License Assign Date", "Teams License Assign Date"}

// readActivity reads the Active User Detail report and stores each
// user's last activity per service, matched to the directory's users by
// user principal name. A missing permission, a failure, or concealed
// names are warnings (the last matched activity is kept, and the
// recommendations say why inactive users were not judged).
func readActivity(ctx context.Context, cl *Client, run *connect.Run, conn connect.Connection, users []store.M365User) error {
	byUPN := make(map[string]string, len(users))
	for _, u := range users {
		byUPN[strings.ToLower(u.UserPrincipalName)] = u.ObjectID
	}
	rep := store.M365ActivityReport{OrgID: conn.OrgID, ConnectionID: conn.ID, ReadAt: domain.Now()}
	var rows []store.M365Activity
	info, err := cl.Report(ctx, ReportActiveUsers, activityPeriod, func(row map[string]string) error {
		if a, ok := activityOf(row, byUPN); ok {
			rows = append(rows, a)
		}
		return nil
	})
	switch {
	case ctx.Err() != nil:
		return ctx.Err()
	case IsForbidden(err):
		rep.Problem = missingPermission("Usage reports", "Reports.Read.All")
	case err != nil:
		rep.Problem = "Could not read the usage report: " + err.Error()
	case info.Concealed:
		rep.Concealed = true
		run.Warn("Microsoft 365 usage reports conceal user names, so usage cannot be matched to users. " +
			"Fix: in the Microsoft 365 admin center, Settings > Org settings > Reports, clear \"Display concealed user, " +
			"group, and site names in all reports\" (see /help/" + HelpConcealment + ").")
	}
	if rep.Problem != "" {
		run.Warn(rep.Problem)
	}
	if !info.RefreshDate.IsZero() {
		rep.RefreshDate = info.RefreshDate.Format(time.DateOnly)
	}
	rep.Rows = info.Rows
	if err := run.Store().SaveM365Activity(ctx, rep, rows); err != nil {
		return fmt.Errorf("save the usage report: %w", err)
	}
	return nil
}

// activityOf turns a report row into a user's activity; deleted users'
// rows are skipped.
func activityOf(row map[string]string, byUPN map[string]string) (store.M365Activity, bool) {
	upn := strings.TrimSpace(row["User Principal Name"])
	if upn == "" || strings.EqualFold(row["Is Deleted"], "True") {
		return store.M365Activity{}, false
	}
	a := store.M365Activity{UserPrincipalName: upn, ObjectID: byUPN[strings.ToLower(upn)],
		Exchange: row["Exchange Last Activity Date"], OneDrive: row["OneDrive Last Activity Date"],
		SharePoint: row["SharePoint Last Activity Date"], Skype: row["Skype For Business Last Activity Date"],
		Yammer: row["Yammer Last Activity Date"], Teams: row["Teams Last Activity Date"]}
	for _, c := range assignColumns {
		if d := row[c]; d > a.LastAssigned { // ISO dates order as text
			a.LastAssigned = d
		}
	}
	return a, true
}
