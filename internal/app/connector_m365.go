package app

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/canopyhq/canopy/internal/auth"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/svcaccount"
	"github.com/canopyhq/canopy/internal/svcaccount/collector"
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
	return seedDemoConnectionWith(ctx, a, orgID, connect.KindM365, demoM365Name, settings, func(sys *auth.Principal, connID string) error {
		return setDemoServiceAccount(ctx, a, sys, connID, cloud.Demo.ServiceAccount.UPN)
	})
}

// setDemoServiceAccount gives the demo connection its user-context service
// account (svc-reports, a Global Reader in the sandbox), so the mailbox
// statistics show on the analytics page. DEMO ONLY: the password is
// encrypted here, server-side, to the collector's public key; a real
// installation never sees the password in clear on the server — people
// encrypt it in their browser (or API clients on their side).
func setDemoServiceAccount(ctx context.Context, a *App, sys *auth.Principal, connID, upn string) error {
	if a.Collector == nil {
		return nil
	}
	row, err := a.Collector.ActivePublic(ctx)
	if err != nil {
		return fmt.Errorf("demo service account: %w", err)
	}
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(row.PublicJWK, &jwk); err != nil {
		return fmt.Errorf("demo service account: %w", err)
	}
	pub, ok := jwk.Key.(*rsa.PublicKey)
	if !ok {
		return fmt.Errorf("demo service account: the collector key is not RSA")
	}
	jwe, err := collector.Encrypt([]byte(sandbox.DemoPassword), pub, jwk.KeyID)
	if err != nil {
		return fmt.Errorf("demo service account: %w", err)
	}
	svc := &svcaccount.Service{Store: a.Store, Keys: a.Collector}
	_, err = svc.Set(ctx, sys, cliActor, connID, svcaccount.Input{Username: upn, PasswordJWE: jwe})
	return err
}
