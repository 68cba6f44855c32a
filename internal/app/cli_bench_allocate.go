package app

import (
	"context"
	"flag"
	"fmt"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// runBenchAllocate loads generated cost data into a scratch database,
// builds a rule set of --rules rules and --splits splits over it, and
// times a full allocation of every month, then one rule change that
// affects one month, then one that affects them all (issue 6).
func runBenchAllocate(ctx context.Context, env Env, args []string) error {
	fs := flag.NewFlagSet("canopy bench allocate", flag.ContinueOnError)
	fs.SetOutput(env.Stderr)
	fs.Usage = func() {
		fmt.Fprintln(env.Stderr, "Usage: canopy bench allocate [--postgres URL] [--rows N] [--days D] [--rules R] [--splits S] [FILE]")
		fs.PrintDefaults()
	}
	pg := fs.String("postgres", "", "PostgreSQL URL to benchmark instead of SQLite")
	rows := fs.Int("rows", 1_000_000, "generated lines when no FILE is given")
	days := fs.Int("days", 90, "charge days the generated lines cover (from 2026-01-01)")
	nRules := fs.Int("rules", 200, "allocation rules")
	nSplits := fs.Int("splits", 20, "splits (some rules send cost through them)")
	profile := fs.String("cpuprofile", "", "write a CPU profile of the full allocation to this file (go tool pprof)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if fs.NArg() > 1 || *nRules < 1 || *nSplits < 0 || *nSplits > *nRules {
		fs.Usage()
		return fmt.Errorf("at most one FILE; --rules ≥ 1; 0 ≤ --splits ≤ --rules")
	}
	b, err := openBenchDB(ctx, *pg)
	if err != nil {
		return err
	}
	defer b.cleanup()
	data, err := loadBenchData(ctx, env, b, fs.Arg(0), *rows, *days)
	if err != nil {
		return err
	}
	from, to := data.BillingPeriodStart, data.BillingPeriodEnd
	if d := data.Days; !d.from.IsZero() {
		from, to = d.from, d.to
	}
	st := store.New(b.DB)
	svc := allocation.New(st)
	g := []auth.Grant{{Role: auth.RoleOwner}}
	p := &auth.Principal{User: domain.User{ID: "usr_bench", Email: "bench@canopy.local"}, Org: b.Org, Grants: g, Perms: auth.OrgPermissions(g)}
	who := audit.Actor{Email: "bench", IP: "local", UserAgent: "canopy bench allocate"}
	rs, err := benchRuleset(ctx, svc, p, who, *nRules, *nSplits)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "engine: %s, %d lines, charge days %s to %s, %d rules, %d splits\n", b.DB.Engine, data.Rows,
		from.Format(time.DateOnly), to.AddDate(0, 0, -1).Format(time.DateOnly), len(rs.Rules), len(rs.Splits))
	last := time.Date(to.AddDate(0, 0, -1).Year(), to.AddDate(0, 0, -1).Month(), 1, 0, 0, 0, 0, time.UTC)
	rs.Rules[0].ValidFrom = &last // so that changing it affects that month only
	saved, err := svc.SaveRuleset(ctx, p, who, 0, rs, "bench")
	if err != nil {
		return err
	}
	began := time.Now()
	keys, arows, err := st.Costs().AllocationKeys(ctx, b.Org.ID, costs.Query{From: from, To: to})
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "allocation keys: %d keys, %d rows (key, day, currency), summed in %.2f s\n", len(keys), len(arows), time.Since(began).Seconds())
	stop := func() {}
	if *profile != "" {
		if stop, err = startCPUProfile(*profile); err != nil {
			return err
		}
	}
	began = time.Now()
	res, err := svc.Results(ctx, p, allocation.ResultsQuery{From: from, To: to})
	full := time.Since(began)
	stop()
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "full allocation: %d months in %.2f s (%.0f lines/s), %d group totals\n",
		monthsIn(from, to), full.Seconds(), float64(data.Rows)/full.Seconds(), len(res.Totals))
	one := saved.Version.Ruleset
	one.Rules[0].Conditions = append([]allocation.Condition{}, one.Rules[0].Conditions...)
	one.Rules[0].Conditions[0].Values = []string{"payments"}
	if err := timeChange(ctx, env, svc, p, who, one, "one rule valid from "+last.Format("2006-01")+" changed"); err != nil {
		return err
	}
	all := one
	all.Rules = append([]allocation.Rule{all.Rules[len(all.Rules)-1]}, all.Rules[:len(all.Rules)-1]...)
	return timeChange(ctx, env, svc, p, who, all, "one undated rule moved to the top")
}

func timeChange(ctx context.Context, env Env, svc *allocation.Service, p *auth.Principal, who audit.Actor, rs allocation.Ruleset, what string) error {
	began := time.Now()
	saved, err := svc.SaveRuleset(ctx, p, who, 0, rs, what)
	if err != nil {
		return err
	}
	fmt.Fprintf(env.Stdout, "%s: version %d, %d month(s) recomputed in %.2f s\n", what, saved.Version.Number, len(saved.Recomputed), time.Since(began).Seconds())
	return nil
}

func monthsIn(from, to time.Time) int {
	n := 0
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(to); m = m.AddDate(0, 1, 0) {
		n++
	}
	return n
}

// benchRuleset makes groups and a realistic rule set over the generated
// data's tags, services, regions and resource names: tag rules first,
// then services (some through splits), resource name patterns, regions.
func benchRuleset(ctx context.Context, svc *allocation.Service, p *auth.Principal, who audit.Actor, nRules, nSplits int) (allocation.Ruleset, error) {
	var groups []string
	for i := range 40 {
		g, err := svc.CreateGroup(ctx, p, who, allocation.GroupInput{Name: "Unit " + strconv.Itoa(i+1)})
		if err != nil {
			return allocation.Ruleset{}, err
		}
		groups = append(groups, g.ID)
	}
	var rs allocation.Ruleset
	for i := range nSplits {
		sp := allocation.Split{ID: "spl_bench" + strconv.Itoa(i), Name: "split " + strconv.Itoa(i+1), Method: allocation.SplitProportional}
		if i%2 == 0 {
			sp.Method = allocation.SplitFixed
		}
		for j, pct := range []string{"50", "30", "20"} {
			sp.Shares = append(sp.Shares, allocation.Share{Group: groups[(i*3+j)%len(groups)], Percent: map[bool]string{true: pct}[sp.Method == allocation.SplitFixed]})
		}
		rs.Splits = append(rs.Splits, sp)
	}
	cond := func(field, key, op string, values ...string) allocation.Condition {
		return allocation.Condition{Field: field, Key: key, Op: op, Values: values}
	}
	var conds [][]allocation.Condition
	for _, team := range []string{"platform", "data", "payments", "identity", "search", "mobile", "ml", "finance-it"} {
		for _, env := range []string{"prod", "staging", "dev", "test"} {
			conds = append(conds, []allocation.Condition{cond(allocation.FieldTag, "team", allocation.OpIn, team), cond(allocation.FieldTag, "env", allocation.OpIn, env)})
		}
	}
	for i := range 12 {
		conds = append(conds, []allocation.Condition{cond(allocation.FieldTag, "cost-center", allocation.OpIn, "CC-"+strconv.Itoa(1001+i))})
	}
	for _, app := range []string{"checkout", "catalog", "ledger", "portal", "ingest", "reporting", "auth", "notify", "search-api",
		"recommender", "billing", "crm-sync", "warehouse", "mobile-bff", "status"} {
		for _, env := range []string{"prod", "staging", "dev", "test"} {
			conds = append(conds, []allocation.Condition{cond(allocation.FieldTag, "app", allocation.OpIn, app), cond(allocation.FieldTag, "env", allocation.OpIn, env)})
		}
	}
	for _, prefix := range []string{"vm", "aks", "asp", "func", "st", "sqldb", "cosmos", "psql", "appi", "log", "kv", "vnet", "lb", "afd",
		"pip", "oai", "adf", "syn", "rsv", "evh", "i-", "db-", "tbl-", "fn-", "eks-", "nat-", "alb-", "rs-", "ep-", "q-", "fs-"} {
		conds = append(conds, []allocation.Condition{cond(allocation.FieldResourceName, "", allocation.OpMatches, prefix+"*")})
	}
	for _, cat := range []string{"Compute", "Storage", "Databases", "Networking", "Analytics", "Security", "Web", "Integration",
		"AI and Machine Learning", "Management and Governance", "Business Applications", "Identity"} {
		conds = append(conds, []allocation.Condition{cond(allocation.FieldCategory, "", allocation.OpIn, cat)})
	}
	for _, region := range []string{"westeurope", "northeurope", "uksouth", "eastus", "eastus2", "swedencentral", "us-east-1", "us-west-2",
		"eu-west-1", "eu-central-1", "eu-west-2", "ap-southeast-2"} {
		conds = append(conds, []allocation.Condition{cond(allocation.FieldRegion, "", allocation.OpIn, region)})
	}
	for i := 0; len(rs.Rules) < nRules; i++ {
		r := allocation.Rule{ID: "rul_bench" + strconv.Itoa(i), Name: "rule " + strconv.Itoa(i+1), Conditions: conds[i%len(conds)]}
		if i >= len(conds) { // more rules than shapes: narrower copies, by subscription
			r.Conditions = append(append([]allocation.Condition{}, r.Conditions...), cond(allocation.FieldSubAccount, "", allocation.OpNotIn, "sub-"+strconv.Itoa(i)))
		}
		if nSplits > 0 && i%(max(nRules/nSplits, 1)) == 0 && i/(max(nRules/nSplits, 1)) < nSplits {
			r.Split = rs.Splits[i/max(nRules/nSplits, 1)].ID
		} else {
			r.Group = groups[i%len(groups)]
		}
		rs.Rules = append(rs.Rules, r)
	}
	return rs, nil
}
