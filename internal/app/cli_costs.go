package app

import (
	"context"
	"flag"
	"fmt"
	"maps"
	"slices"
	"text/tabwriter"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/store"
)

// runCostsMonths lists the months of cost facts (PostgreSQL partitions).
func runCostsMonths(ctx context.Context, env Env, args []string) error {
	a, err := openForCLI(ctx, env, "costs months", args, nil)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	ms, err := a.Store.Costs().Months(ctx)
	if err != nil {
		return fmt.Errorf("%s", describe(err))
	}
	tw := tabwriter.NewWriter(env.Stdout, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "MONTH\tLINES\tSIZE\tSTATE")
	for _, m := range ms {
		state := "attached"
		if m.Archived {
			state = "archived (detached, not read)"
		}
		fmt.Fprintf(tw, "%s\t%d\t%.1f MiB\t%s\n", m.Month.Format("2006-01"), m.Lines, float64(m.Bytes)/(1<<20), state)
	}
	return tw.Flush()
}

// runCostsDropMonth drops (or archives) one month of cost facts, for
// every organisation or one, and records it in each organisation's audit
// log (and, for every organisation, the instance's).
func runCostsDropMonth(ctx context.Context, env Env, args []string) error {
	var month, org string
	var archive bool
	a, err := openForCLI(ctx, env, "costs drop-month", args, func(fs *flag.FlagSet) {
		fs.StringVar(&month, "month", "", "the month to drop, YYYY-MM (required)")
		fs.StringVar(&org, "org", "", "only this organisation's facts (ID or name); default: every organisation's, by dropping the month's partitions")
		fs.BoolVar(&archive, "archive", false, "detach the month's partitions and keep them as tables <table>_aYYYYMM (pg_dump them, then DROP) instead of dropping them; not with --org")
	})
	if err != nil {
		return err
	}
	defer a.DB.Close()
	m, err := store.ParseMonth(month)
	if err != nil {
		return fmt.Errorf("--month: %s", describe(err))
	}
	orgID := ""
	if org != "" {
		if archive {
			return fmt.Errorf("--archive detaches a month of every organisation; it does not go with --org")
		}
		o, err := a.Auth.FindOrg(ctx, org)
		if err != nil {
			return fmt.Errorf("--org %s: %s", org, describe(err))
		}
		orgID = o.ID
	}
	res, err := a.Store.Costs().DropMonth(ctx, m, orgID, archive)
	if err != nil {
		return fmt.Errorf("%s", describe(err))
	}
	return a.reportDrop(ctx, env, res, orgID)
}

// reportDrop audits a dropped month and prints what went.
func (a *App) reportDrop(ctx context.Context, env Env, res store.DropMonthResult, orgID string) error {
	action, mode := "costs.month_drop", "drop"
	if res.Archived {
		action, mode = "costs.month_archive", "archive"
	}
	if orgID != "" {
		mode = "organisation"
	}
	mo := res.Month.Format("2006-01")
	orgs := slices.Sorted(maps.Keys(res.Lines))
	if orgID != "" && !slices.Contains(orgs, orgID) {
		orgs = append(orgs, orgID)
	}
	var total int64
	for _, o := range orgs {
		total += res.Lines[o]
		err := audit.Record(ctx, a.Store, cliActor, audit.Entry{OrgID: o, Action: action, TargetType: "cost_month", TargetID: mo,
			Details: map[string]any{"month": mo, "lines": res.Lines[o], "mode": mode}})
		if err != nil {
			return fmt.Errorf("month %s dropped, but the audit entry failed: %w", mo, err)
		}
	}
	if orgID == "" {
		err := audit.Record(ctx, a.Store, cliActor, audit.Entry{Action: action, TargetType: "cost_month", TargetID: mo,
			Details: map[string]any{"month": mo, "lines": total, "organisations": len(orgs), "mode": mode}})
		if err != nil {
			return fmt.Errorf("month %s dropped, but the audit entry failed: %w", mo, err)
		}
	}
	verb := "Dropped"
	if res.Archived {
		verb = "Archived (detached as cost_*_a" + res.Month.Format("200601") + ")"
	}
	fmt.Fprintf(env.Stdout, "%s %s: %d cost lines of %d organisation(s).\n", verb, mo, total, len(orgs))
	return nil
}
