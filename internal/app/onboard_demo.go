package app

import (
	"context"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/sandbox"
)

func init() { demoConnections = append(demoConnections, registerConsentRedirects) }

// registerConsentRedirects registers the Microsoft 365 and Partner Center
// consent callbacks on the sandbox's Canopy app, so a demo user can
// connect those kinds through the browser too (the sandbox starts with
// Azure's callback only).
func registerConsentRedirects(_ context.Context, a *App, cloud *sandbox.Cloud, _ string) error {
	for _, k := range []connect.Kind{connect.KindM365, connect.KindPartnerCenter} {
		cloud.Entra.AddRedirectURI(cloud.Demo.App.ClientID, a.Cfg.BaseURL+connect.ConsentCallbackPath(k))
	}
	return nil
}
