package app

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/partnercenter"
	"github.com/canopyhq/canopy/internal/sandbox"
)

func init() {
	partnercenter.RegisterHelp()
	connectorSetups = append(connectorSetups, func(reg *connect.Registry) { reg.Register(partnercenter.Connector{}) })
	demoConnections = append(demoConnections, seedPartnerCenterDemo)
}

// seedPartnerCenterDemo connects the sandbox's CSP partner: its admin
// first grants Canopy's app admin consent in the partner tenant, so that
// the app gets app-only Partner Center tokens there.
func seedPartnerCenterDemo(ctx context.Context, a *App, cloud *sandbox.Cloud, orgID string) error {
	if err := cloud.Entra.GrantAdminConsent(cloud.Demo.PartnerTenant.ID, cloud.Demo.App.ClientID, partnercenter.Scope); err != nil {
		return fmt.Errorf("partner center consent: %w", err)
	}
	settings, _ := json.Marshal(partnercenter.Settings{PartnerTenantID: cloud.Demo.PartnerTenant.ID})
	return seedDemoConnection(ctx, a, orgID, connect.KindPartnerCenter, cloud.Demo.PartnerTenant.Name, settings)
}
