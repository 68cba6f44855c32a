package app

import (
	"context"
	"fmt"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/sandbox"
)

// connectorSetups register one kind of connector each (connector_<kind>.go
// files append to it in init), so that every App gets its own registry.
var connectorSetups []func(reg *connect.Registry)

// demoConnection seeds the demo organisation's connection of one kind
// against the sandbox cloud (idempotent: a second run finds it).
type demoConnection func(ctx context.Context, a *App, cloud *sandbox.Cloud, orgID string) error

var demoConnections []demoConnection

func (a *App) registerConnectors() {
	a.Connections.Connectors = connect.NewRegistry()
	for _, setup := range connectorSetups {
		setup(a.Connections.Connectors)
	}
}

// demoQueryBudget is the demo's Cost Management budget per subscription
// and minute, on the sandbox's side and in Canopy's token buckets.
const demoQueryBudget = 240

// sandboxClouds is Canopy's configuration for the sandbox cloud: its
// endpoints, Canopy's app in its Entra ID and Canopy's AWS principal.
func sandboxClouds(c *sandbox.Cloud) config.Clouds {
	return config.Clouds{
		AzureClientID: c.Demo.App.ClientID, AzureClientSecret: c.Demo.App.Secret,
		AzureAuthority: c.EntraURL, AzureARM: c.ARMURL, Graph: c.GraphURL, ExchangeOnline: c.GraphURL, PartnerCenter: c.PartnerURL,
		AWSEndpoint: c.AWSURL, AWSAccessKeyID: c.Demo.AWS.AccessKeyID, AWSSecretKey: c.Demo.AWS.SecretAccessKey,
		AzureQueriesPerMinute: demoQueryBudget,
	}
}

// startDemoCloud starts the sandbox cloud, points the connectors at it
// and seeds the demo organisation's connections (each then syncs).
func (a *App) startDemoCloud(ctx context.Context) (*sandbox.Cloud, error) {
	cloud, err := sandbox.Start(sandbox.Options{Seed: 1, RedirectURIs: []string{a.Cfg.BaseURL + "/connections/azure/callback"}})
	if err != nil {
		return nil, fmt.Errorf("sandbox cloud: %w", err)
	}
	// The real Cost Management budget (about 4 queries a minute per
	// subscription) would make the demo's first Azure sync take minutes.
	cloud.Billing.SetQueryBudget(demoQueryBudget)
	a.seedDemoSpike(cloud)
	a.Connections.Env = connect.Env{Clouds: sandboxClouds(cloud), HTTPClient: cloud.CA.Client(), PublicURL: a.Cfg.BaseURL}
	org, _, err := a.findOrCreateOrg(ctx, demoOrgName)
	if err == nil {
		for _, seed := range demoConnections {
			if err = seed(ctx, a, cloud, org.ID); err != nil {
				break
			}
		}
		if err == nil {
			err = a.connectDemoVendors(ctx, cloud, org.ID)
		}
	}
	if err != nil {
		cloud.Close()
		return nil, fmt.Errorf("demo connections: %w", err)
	}
	return cloud, nil
}

// seedDemoConnection creates the org's connection of kind unless one
// exists, and queues its first sync.
func seedDemoConnection(ctx context.Context, a *App, orgID string, kind connect.Kind, name string, settings []byte) error {
	return seedDemoConnectionWith(ctx, a, orgID, kind, name, settings, nil)
}

// seedDemoConnectionWith is seedDemoConnection with a step (when not nil)
// that completes a new connection before its first sync is queued.
func seedDemoConnectionWith(ctx context.Context, a *App, orgID string, kind connect.Kind, name string, settings []byte,
	before func(sys *auth.Principal, connectionID string) error) error {
	sys, err := a.Auth.SystemPrincipal(ctx, orgID)
	if err != nil {
		return err
	}
	list, err := a.Connections.List(ctx, sys)
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.Kind == string(kind) {
			return nil
		}
	}
	c, err := a.Connections.Create(ctx, sys, cliActor, connect.Input{Kind: kind, Name: &name, Settings: settings})
	if err != nil {
		return err
	}
	if before != nil {
		if err := before(sys, c.ID); err != nil {
			return err
		}
	}
	_, err = a.Connections.SyncNow(ctx, sys, cliActor, c.ID)
	return err
}
