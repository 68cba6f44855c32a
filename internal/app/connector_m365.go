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

// seedM365Demo connects the sandbox's Contoso tenant: its Global
// Administrator grants Canopy's app admin consent (as a customer would,
// through Entra's consent page), then the connection is created and its
// first sync queued. A second run finds the connection and does nothing.
func seedM365Demo(ctx context.Context, a *App, cloud *sandbox.Cloud, orgID string) error {
	sys, err := a.Auth.SystemPrincipal(ctx, orgID)
	if err != nil {
		return err
	}
	list, err := a.Connections.List(ctx, sys)
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.Kind == string(connect.KindM365) {
			return nil
		}
	}
	if err := cloud.Entra.GrantAdminConsent(cloud.Demo.Customer.ID, cloud.Demo.App.ClientID, m365.GraphScope); err != nil {
		return fmt.Errorf("microsoft 365 admin consent: %w", err)
	}
	name := demoM365Name
	settings, _ := json.Marshal(m365.Settings{TenantID: cloud.Demo.Customer.ID})
	c, err := a.Connections.Create(ctx, sys, cliActor, connect.Input{Kind: connect.KindM365, Name: &name, Settings: settings})
	if err != nil {
		return err
	}
	_, err = a.Connections.SyncNow(ctx, sys, cliActor, c.ID)
	return err
}
