package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/sandbox"
)

func init() {
	connectorSetups = append(connectorSetups, func(reg *connect.Registry) { reg.Register(m365.Connector{}) })
	demoConnections = append(demoConnections, seedM365Demo)
}

// demoM365Name is the demo organisation's Microsoft 365 connection.
const demoM365Name = "Contoso Microsoft 365"

// demoM365WriteScopes are the Graph application roles the demo tenant's
// administrator also consents to, so delegated administrators can act.
const demoM365WriteScopes = "https://graph.microsoft.com/User.ReadWrite.All https://graph.microsoft.com/LicenseAssignment.ReadWrite.All " +
	"https://graph.microsoft.com/GroupMember.ReadWrite.All"

// seedM365Demo connects the sandbox's Contoso tenant: its Global
// Administrator grants Canopy's app admin consent (on every start: the
// sandbox forgets it when the demo stops), then the connection is created
// and its first sync queued, once.
func seedM365Demo(ctx context.Context, a *App, cloud *sandbox.Cloud, orgID string) error {
	if err := cloud.Entra.GrantAdminConsent(cloud.Demo.Customer.ID, cloud.Demo.App.ClientID, m365.GraphScope); err != nil {
		return fmt.Errorf("microsoft 365 admin consent: %w", err)
	}
	// Microsoft 365 delegation's actions (reset passwords, block sign-in,
	// licences, group members) need Graph's write roles too.
	if err := cloud.Entra.GrantAdminConsent(cloud.Demo.Customer.ID, cloud.Demo.App.ClientID, demoM365WriteScopes); err != nil {
		return fmt.Errorf("microsoft 365 admin consent (write): %w", err)
	}
	settings, _ := json.Marshal(m365.Settings{TenantID: cloud.Demo.Customer.ID})
	return seedDemoConnection(ctx, a, orgID, connect.KindM365, demoM365Name, settings)
}
