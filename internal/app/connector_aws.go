package app

import (
	"context"
	"encoding/json"

	"github.com/canopyhq/canopy/internal/connect"
	awsconn "github.com/canopyhq/canopy/internal/connect/aws"
	"github.com/canopyhq/canopy/internal/sandbox"
	awssandbox "github.com/canopyhq/canopy/internal/sandbox/aws"
)

func init() {
	awsconn.RegisterHelp()
	connectorSetups = append(connectorSetups, func(reg *connect.Registry) { reg.Register(awsconn.Connector{}) })
	demoConnections = append(demoConnections, seedAWSDemo)
}

// registerAWSDoctor gives the AWS connector the store in which its syncs
// keep their health states as doctor checks (the per-kind setups only
// see the registry).
func (a *App) registerAWSDoctor() {
	a.Connections.Connectors.Register(awsconn.Connector{Checks: a.Store})
}

// seedAWSDemo connects the sandbox's demo AWS account through its role
// (Canopy's principal from the Env assumes it with the seeded external
// ID). The account is on Basic support, so the demo shows one health
// error, "Trusted Advisor needs a Business or Enterprise support plan",
// with its Fix page.
func seedAWSDemo(ctx context.Context, a *App, cloud *sandbox.Cloud, orgID string) error {
	d := cloud.Demo.AWS
	if err := cloud.AWS.SetSupportPlan(d.AccountID, awssandbox.PlanBasic); err != nil {
		return err
	}
	settings, _ := json.Marshal(awsconn.Settings{AccountID: d.AccountID, RoleARN: d.RoleARN, ExternalID: d.ExternalID,
		Auth: awsconn.AuthRole, CERecommendations: true})
	return seedDemoConnection(ctx, a, orgID, connect.KindAWS, "Contoso AWS", settings)
}
