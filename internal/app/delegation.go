package app

import (
	"context"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/store"
)

// registerDelegation sets up Microsoft 365 automatic remediation: after
// each Microsoft 365 directory sync, a job remediates the deviations of
// the OUs whose configuration policy asks for it.
func (a *App) registerDelegation(reg *jobs.Registry) {
	a.Delegation = delegation.New(a.Store)
	a.Delegation.Tenants = func(_ context.Context, conn store.Connection) (m365.Tenant, error) {
		return m365.Connector{}.TenantFor(a.Connections.Env, conn.Settings)
	}
	jobs.Register(reg, a.Delegation.Worker())
}

// afterDirectorySync queues the automatic remediation of a Microsoft 365
// connection that has an OU asking for it.
func (a *App) afterDirectorySync(ctx context.Context, c connect.Connection) {
	if c.Kind != string(connect.KindM365) {
		return
	}
	on, err := a.Delegation.HasAutoRemediation(ctx, c.OrgID, c.ID)
	if err != nil {
		a.Log.Warn("automatic remediation: read the OUs", "connection", c.ID, "err", err)
		return
	}
	if !on {
		return
	}
	if err := a.Jobs.Enqueue(ctx, delegation.AutoRemediateArgs{OrgID: c.OrgID, ConnectionID: c.ID}, nil); err != nil {
		a.Log.Warn("automatic remediation: queue", "connection", c.ID, "err", err)
	}
}
