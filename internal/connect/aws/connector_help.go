package awsconn

import (
	"context"

	"github.com/canopyhq/canopy/internal/connect"
)

// Placeholders of the generic role trust page at /help/aws-role-trust; a
// connection's own values are on its AWS setup page (SetupPage).
const (
	placeholderExternalID = "<your connection's external ID>"
	placeholderPrincipal  = "<Canopy's AWS account ID>"
)

// SetupPath is the per-connection page with the role trust policy that
// names this connection's external ID and Canopy's principal.
func SetupPath(connectionID string) string { return "/connections/" + connectionID + "/aws-setup" }

// RegisterHelp registers the AWS help pages (/help/{slug}): the IAM
// policy, the generic role trust page and one fix page per health code.
func RegisterHelp() {
	for _, p := range Help(placeholderExternalID, placeholderPrincipal) {
		hp := helpPage(p)
		if p.Slug == HelpRoleTrust {
			hp.Summary = "Your connection's own external ID and Canopy's AWS account are filled in on the connection's page: Connections → your AWS connection → \"AWS setup: role trust policy\". The values below are placeholders."
		}
		connect.RegisterHelp(hp)
	}
}

func helpPage(p HelpPage) connect.HelpPage {
	hp := connect.HelpPage{Slug: p.Slug, Title: p.Title, Steps: p.Steps}
	for _, c := range p.Code {
		label := "Policy (JSON)"
		if p.Slug == HelpRoleTrust {
			label = "Trust policy (JSON)"
		} else if c.Lang == "json" {
			label = "IAM policy (JSON)"
		}
		hp.Code = append(hp.Code, connect.HelpCode{Label: label, Language: c.Lang, Text: c.Text})
	}
	return hp
}

// CanopyPrincipal is the AWS account of Canopy's own principal (the keys
// in env), which customers' roles trust. It asks STS (no permission is
// needed for GetCallerIdentity).
func CanopyPrincipal(ctx context.Context, env connect.Env) (string, error) {
	c, err := New(ctx, Config{AccessKeyID: env.Clouds.AWSAccessKeyID, SecretAccessKey: env.Clouds.AWSSecretKey,
		Endpoint: env.Clouds.AWSEndpoint, HTTPClient: env.HTTPClient})
	if err != nil {
		return "", err
	}
	id, err := c.Identity(ctx)
	return id.AccountID, err
}

// SetupPage is the role trust page of one connection: its external ID
// and Canopy's account (placeholder when STS cannot tell it now), plus
// the read-only IAM policy.
func SetupPage(ctx context.Context, env connect.Env, conn connect.Connection) connect.HelpPage {
	principal, err := CanopyPrincipal(ctx, env)
	if err != nil || principal == "" {
		principal = placeholderPrincipal
	}
	trust := helpPage(trustPage(ExternalIDFor(conn), principal))
	trust.Summary = "The values below are this connection's: external ID " + ExternalIDFor(conn) + ", trusting Canopy's AWS account " + principal + "."
	trust.Code = append(trust.Code, connect.HelpCode{Label: "IAM policy (JSON)", Language: "json", Text: IAMPolicy()})
	return trust
}
