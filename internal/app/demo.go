package app

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

// Demo account. example.com is reserved for documentation (RFC 2606).
const (
	demoAdminEmail = "admin@example.com"
	demoOrgName    = "Contoso (demo)"
	demoCredsFile  = "demo-admin.txt"
)

func runDemo(ctx context.Context, env Env, args []string) error {
	dataDir, reset := "./canopy-demo", false
	cfg, err := parse(env, "demo", args, func(fs *flag.FlagSet) {
		fs.StringVar(&dataDir, "data", dataDir, "folder for the demo's SQLite database and key")
		fs.BoolVar(&reset, "reset", false, "delete the demo data and start over")
	})
	if err != nil {
		return err
	}
	if reset {
		if err := os.RemoveAll(dataDir); err != nil {
			return fmt.Errorf("reset demo data: %w", err)
		}
	}
	cfg.DB = "sqlite:" + filepath.Join(dataDir, "canopy.db")
	cfg.KeyFile = filepath.Join(dataDir, "canopy.key")
	cfg.LogText = true
	a, err := Open(ctx, cfg, newLogger(cfg, env.Stderr))
	if err != nil {
		return err
	}
	password, err := a.seedDemo(ctx, dataDir)
	if err != nil {
		a.DB.Close()
		return err
	}
	cloud, err := a.startDemoCloud(ctx)
	if err != nil {
		a.DB.Close()
		return err
	}
	defer cloud.Close()
	fmt.Fprintf(env.Stdout, "\nCanopy demo is running at %s\n  Sign in as %s with password %s\n  Data: %s (run with --reset to start over)\n\n",
		a.Cfg.BaseURL, demoAdminEmail, password, dataDir)
	return a.listenAndServe(ctx)
}

// seedDemo creates the demo organisations and users once, and returns the
// admin's password (kept in the data folder so a second run can print it).
func (a *App) seedDemo(ctx context.Context, dataDir string) (string, error) {
	credsPath := filepath.Join(dataDir, demoCredsFile)
	if b, err := os.ReadFile(credsPath); err == nil {
		return strings.TrimSpace(string(b)), nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return "", err
	}
	if _, err := a.Store.GetUserByEmail(ctx, demoAdminEmail); err == nil {
		return "(changed since the first run; see " + credsPath + ")", nil
	}
	password := auth.OneTimePassword()
	if err := a.createDemoData(ctx, password, dataDir); err != nil {
		return "", fmt.Errorf("seed demo data: %w", err)
	}
	return password, os.WriteFile(credsPath, []byte(password+"\n"), 0o600)
}

func (a *App) createDemoData(ctx context.Context, password, dataDir string) error {
	org, _, err := a.findOrCreateOrg(ctx, demoOrgName)
	if err != nil {
		return err
	}
	admin, err := a.createDemoUser(ctx, demoAdminEmail, "Avery Admin", password)
	if err != nil {
		return err
	}
	sys, err := a.Auth.SystemPrincipal(ctx, org.ID)
	if err != nil {
		return err
	}
	if err := a.Store.AddMember(ctx, org.ID, admin.ID, []domain.RoleGrant{{Role: auth.RoleOwner}}, domain.Now()); err != nil {
		return err
	}
	people := []struct{ email, name, role string }{
		{"finops@example.com", "Fin Ops", auth.RoleFinOps},
		{"buyer@example.com", "Pat Procurement", auth.RoleProcurement},
		{"viewer@example.com", "Vic Viewer", auth.RoleViewer},
	}
	for _, p := range people {
		in := auth.NewMember{Email: p.email, Name: p.name, Roles: []string{p.role}, Mode: auth.AddWithPassword}
		if _, err := a.Auth.AddMember(ctx, sys, in, cliActor); err != nil {
			return err
		}
	}
	if _, err := a.Auth.CreateOrg(ctx, "Fabrikam (demo)", admin.ID, cliActor); err != nil {
		return err
	}
	if err := a.seedDemoRates(ctx, sys, time.Now()); err != nil {
		return err
	}
	if _, err = a.importDemoCosts(ctx, org.ID, dataDir); err != nil {
		return err
	}
	if err := a.seedDemoInventory(ctx, sys, time.Now()); err != nil {
		return err
	}
	if err := a.seedDemoAllocation(ctx, sys); err != nil {
		return err
	}
	a.seedDemoChargebacks(ctx, sys, time.Now())
	if err := a.seedDemoBudgets(ctx, sys); err != nil {
		return err
	}
	if err := a.seedDemoAlerts(ctx, sys); err != nil {
		return err
	}
	return a.seedDemoMarketplace(ctx, sys, time.Now())
}

func (a *App) createDemoUser(ctx context.Context, email, name, password string) (domain.User, error) {
	hash, err := auth.HashPassword(password)
	if err != nil {
		return domain.User{}, err
	}
	now := domain.Now()
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: email, Name: name, PasswordHash: hash,
		Status: domain.UserActive, PasswordChangedAt: &now, CreatedAt: now, UpdatedAt: now}
	return u, a.Store.CreateUser(ctx, u)
}
