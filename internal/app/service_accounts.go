package app

import (
	"context"
	"fmt"

	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/svcaccount/collector"
)

// setupServiceAccounts makes the collector key holder and gives the
// Microsoft 365 connector the service accounts it decrypts when a sync
// needs one.
func (a *App) setupServiceAccounts() {
	a.Collector = &collector.Keys{Store: a.Store, Vault: a.Vault}
	a.Connections.Connectors.Register(m365.Connector{Accounts: collector.Accounts{Keys: a.Collector}})
}

// runRotateCollectorKey is "canopy admin rotate-collector-key": a new
// collector key, every stored service-account password re-encrypted to
// it, the old key retired — in one transaction, audited.
func runRotateCollectorKey(ctx context.Context, env Env, args []string) error {
	a, err := openForCLI(ctx, env, "admin rotate-collector-key", args, nil)
	if err != nil {
		return err
	}
	defer a.DB.Close()
	res, err := a.Collector.Rotate(ctx, cliActor)
	if err != nil {
		return fmt.Errorf("rotate the collector key: %w", err)
	}
	if res.OldKID == "" {
		fmt.Fprintf(env.Stdout, "Made the first collector key %s (there was none).\n", res.NewKID)
	} else {
		fmt.Fprintf(env.Stdout, "Collector key %s is now active; %s is retired.\n", res.NewKID, res.OldKID)
	}
	fmt.Fprintf(env.Stdout, "Re-encrypted %d service account password(s).\n", res.Reencrypted)
	return nil
}
