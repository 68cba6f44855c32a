package app

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/loadgen"
)

// LoadSize says how much a load run's organisation holds.
type LoadSize struct {
	Rows     int     // generated cost lines
	Days     int     // charge days they cover, ending yesterday
	Users    int     // FinOps users
	APIShare float64 // share of the users given an API token
}

// LoadSeed is what a load run's organisation holds: its users and the
// generator's exact cost totals to compare with afterwards. The fault
// suite (e2e) seeds its data with it too.
type LoadSeed struct {
	OrgID    string
	Rows     int
	From, To time.Time // charge days [From, To)
	Accounts []loadgen.Account
	billed   map[string]string // BilledCost per currency, as generated
	importID string            // the generated file's import
	// before is every stored line's total after seeding (the demo's
	// seeding adds lines of its own, e.g. marketplace charges): the run
	// must leave it unchanged.
	before map[string]costs.Measures
}

func (s *LoadSeed) apiUsers() int {
	n := 0
	for _, a := range s.Accounts {
		if a.Token != "" {
			n++
		}
	}
	return n
}

func openLoadApp(ctx context.Context, dsn, keyFile string) (*App, error) {
	cfg := config.Default()
	cfg.DB, cfg.KeyFile, cfg.JobWorkers = dsn, keyFile, 0
	if err := cfg.Finish(); err != nil {
		return nil, err
	}
	return Open(ctx, cfg, quietLogger())
}

// SeedLoad creates the organisation with the demo's exchange rates,
// size.Rows generated cost lines ending yesterday, the demo's inventory,
// allocation and budgets, and size.Users FinOps users sharing one password
// (hashed once: argon2id for each would take minutes); a share of them
// get an API token.
func SeedLoad(ctx context.Context, dsn, keyFile string, size LoadSize) (*LoadSeed, error) {
	a, err := openLoadApp(ctx, dsn, keyFile)
	if err != nil {
		return nil, err
	}
	defer a.DB.Close()
	org, err := a.Auth.CreateOrg(ctx, "Load test", "", cliActor)
	if err != nil {
		return nil, err
	}
	sys, err := a.Auth.SystemPrincipal(ctx, org.ID)
	if err != nil {
		return nil, err
	}
	now := time.Now()
	if err := a.seedDemoRates(ctx, sys, now); err != nil {
		return nil, err
	}
	s := &LoadSeed{OrgID: org.ID}
	s.To = now.UTC().Truncate(24 * time.Hour)
	s.From = s.To.AddDate(0, 0, -size.Days)
	if err := a.seedLoadCosts(ctx, s, size.Rows); err != nil {
		return nil, err
	}
	if err := a.seedDemoInventory(ctx, sys, now); err != nil {
		return nil, err
	}
	if err := a.seedDemoAllocation(ctx, sys); err != nil {
		return nil, err
	}
	// The demo's budgets include a change request by its FinOps user.
	fin := auth.NewMember{Email: "finops@example.com", Name: "Fin Ops", Roles: []string{auth.RoleFinOps}, Mode: auth.AddWithPassword}
	if _, err := a.Auth.AddMember(ctx, sys, fin, cliActor); err != nil {
		return nil, err
	}
	if err := a.seedDemoBudgets(ctx, sys); err != nil {
		return nil, err
	}
	if s.Accounts, err = a.seedLoadUsers(ctx, org.ID, size.Users, int(float64(size.Users)*size.APIShare+0.5)); err != nil {
		return nil, err
	}
	s.before, err = a.Store.Costs().Totals(ctx, org.ID, costs.TotalsFilter{})
	return s, err
}

func (a *App) seedLoadCosts(ctx context.Context, s *LoadSeed, rows int) error {
	dir, err := os.MkdirTemp("", "canopy-load-data-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "load-focus.csv")
	st, err := writeFocus(path, focusgen.Options{Rows: rows, Seed: 11, Start: s.From, Days: int(s.To.Sub(s.From).Hours() / 24)})
	if err != nil {
		return err
	}
	res, err := a.importFile(ctx, s.OrgID, path, costs.ImportMeta{FileName: "load-focus.csv", CreatedBy: cliActor.Email})
	if err != nil {
		return err
	}
	s.Rows, s.billed, s.importID = res.Rows, st.BilledCost, res.ImportID
	return nil
}

func writeFocus(path string, o focusgen.Options) (focusgen.Stats, error) {
	f, err := os.Create(path)
	if err != nil {
		return focusgen.Stats{}, err
	}
	st, err := focusgen.Generate(f, o)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return st, err
}

func (a *App) seedLoadUsers(ctx context.Context, orgID string, users, withToken int) ([]loadgen.Account, error) {
	password := auth.OneTimePassword()
	hash, err := auth.HashPassword(password)
	if err != nil {
		return nil, err
	}
	out := make([]loadgen.Account, 0, users)
	for i := range users {
		now := domain.Now()
		u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: fmt.Sprintf("load-%03d@load.test", i+1),
			Name: fmt.Sprintf("Load user %d", i+1), PasswordHash: hash, Status: domain.UserActive,
			PasswordChangedAt: &now, CreatedAt: now, UpdatedAt: now}
		if err := a.Store.CreateUser(ctx, u); err != nil {
			return nil, err
		}
		if err := a.Store.AddMember(ctx, orgID, u.ID, []domain.RoleGrant{{Role: auth.RoleFinOps}}, now); err != nil {
			return nil, err
		}
		acc := loadgen.Account{Email: u.Email, Password: password}
		// Spread evenly, so both kinds start at once and mix.
		if i*withToken/users != (i+1)*withToken/users {
			p, err := a.Auth.LoadPrincipal(ctx, u.ID, orgID)
			if err != nil {
				return nil, err
			}
			if acc.Token, _, err = a.Auth.CreateAPIToken(ctx, p, "load test", 24*time.Hour, cliActor); err != nil {
				return nil, err
			}
		}
		out = append(out, acc)
	}
	return out, nil
}

// Check compares the stored cost totals with the generator's (no line
// lost or doubled) and with every line's totals after seeding, and
// verifies the audit chain; it returns a one-line summary.
func (s *LoadSeed) Check(ctx context.Context, dsn, keyFile string) (string, error) {
	return s.CheckAdded(ctx, dsn, keyFile, nil)
}

// CheckAdded is Check after files with the given BilledCost totals per
// currency were imported on purpose: all lines must then total the
// seeded ones plus those, exactly.
func (s *LoadSeed) CheckAdded(ctx context.Context, dsn, keyFile string, added map[string]string) (string, error) {
	a, err := openLoadApp(ctx, dsn, keyFile)
	if err != nil {
		return "", err
	}
	defer a.DB.Close()
	imported, err := a.Store.Costs().Totals(ctx, s.OrgID, costs.TotalsFilter{ImportID: s.importID})
	if err != nil {
		return "", err
	}
	if err := sameTotals(imported, s.billed); err != nil {
		return "", fmt.Errorf("the generated file's lines: %w", err)
	}
	all, err := a.Store.Costs().Totals(ctx, s.OrgID, costs.TotalsFilter{})
	if err != nil {
		return "", err
	}
	want, err := addTotals(billedOf(s.before), added)
	if err != nil {
		return "", err
	}
	if err := sameTotals(all, want); err != nil {
		return "", fmt.Errorf("all lines: %w", err)
	}
	rep, err := audit.Verify(ctx, a.Store)
	if err != nil {
		return "", err
	}
	if !rep.OK() {
		return "", fmt.Errorf("audit chain broken: %d problems in %d entries", len(rep.Problems), rep.Entries)
	}
	curs := make([]string, 0, len(s.billed))
	for c := range s.billed {
		curs = append(curs, c)
	}
	sort.Strings(curs)
	summary := "all lines' totals are unchanged"
	if len(added) > 0 {
		summary = "all lines total the seeded ones plus the imported files' exactly"
	}
	return fmt.Sprintf("the generated file's BilledCost equals the generator's in %v and %s; audit chain intact (%d entries)", curs, summary, rep.Entries), nil
}

func billedOf(m map[string]costs.Measures) map[string]string {
	out := make(map[string]string, len(m))
	for c, v := range m {
		out[c] = v.Billed.String()
	}
	return out
}

func addTotals(a, b map[string]string) (map[string]string, error) {
	out := make(map[string]string, len(a))
	for c, v := range a {
		out[c] = v
	}
	for c, v := range b {
		x, _, err := apd.NewFromString(v)
		if err != nil {
			return nil, err
		}
		y := apd.New(0, 0)
		if w, ok := out[c]; ok {
			if y, _, err = apd.NewFromString(w); err != nil {
				return nil, err
			}
		}
		if _, err := apd.BaseContext.WithPrecision(40).Add(y, y, x); err != nil {
			return nil, err
		}
		out[c] = y.Text('f')
	}
	return out, nil
}

// sameTotals reports any currency whose stored billed total differs from
// the generator's.
func sameTotals(stored map[string]costs.Measures, want map[string]string) error {
	if len(stored) != len(want) {
		return fmt.Errorf("stored totals in %d currencies, generated %d", len(stored), len(want))
	}
	for cur, w := range want {
		x, _, err := apd.NewFromString(w)
		if err != nil {
			return err
		}
		got := stored[cur].Billed.String()
		y, _, err := apd.NewFromString(got)
		if err != nil {
			return err
		}
		if x.Cmp(y) != 0 {
			return fmt.Errorf("BilledCost %s: stored %s, generated %s", cur, got, w)
		}
	}
	return nil
}
