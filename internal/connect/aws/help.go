package awsconn

import (
	"encoding/json"
	"regexp"
)

// Help page slugs besides the fix pages (FixSlug of each health code).
const (
	HelpIAMPolicy = "aws-iam-policy"
	HelpRoleTrust = "aws-role-trust"
)

// HelpPage is in-product help for a step the customer does in AWS; the
// web layer renders it.
type HelpPage struct {
	Slug  string
	Title string
	Steps []string
	Code  []CodeBlock
}

// CodeBlock is text to copy, e.g. a policy document.
type CodeBlock struct {
	Lang string
	Text string
}

// PolicyActions are the read-only actions Canopy needs, and no more.
var PolicyActions = []string{
	"ce:GetCostAndUsage",
	"ce:GetDimensionValues",
	"ce:GetTags",
	"ce:GetRightsizingRecommendation",
	"ce:GetSavingsPlansPurchaseRecommendation",
	"support:DescribeTrustedAdvisorChecks",
	"support:DescribeTrustedAdvisorCheckResult",
	"support:DescribeTrustedAdvisorCheckSummaries",
	"sts:GetCallerIdentity",
}

type policyStatement struct {
	Sid       string         `json:"Sid"`
	Effect    string         `json:"Effect"`
	Principal map[string]any `json:"Principal,omitempty"`
	Action    any            `json:"Action"`
	Resource  string         `json:"Resource,omitempty"`
	Condition map[string]any `json:"Condition,omitempty"`
}

type policyDocument struct {
	Version   string            `json:"Version"`
	Statement []policyStatement `json:"Statement"`
}

func policyJSON(d policyDocument) string {
	b, _ := json.MarshalIndent(d, "", "  ")
	return string(b)
}

// IAMPolicy is the read-only permissions policy to attach to Canopy's
// IAM user or role.
func IAMPolicy() string {
	return policyJSON(policyDocument{Version: "2012-10-17", Statement: []policyStatement{{
		Sid: "CanopyReadOnly", Effect: "Allow", Action: PolicyActions, Resource: "*",
	}}})
}

var accountIDRE = regexp.MustCompile(`^[0-9]{12}$`)

// TrustPolicy lets Canopy's AWS account assume the role, only with the
// connection's external ID. canopyPrincipal is Canopy's 12-digit account
// ID (its root, so Canopy's own IAM roles decide who acts) or an ARN.
func TrustPolicy(canopyPrincipal, externalID string) string {
	principal := canopyPrincipal
	if accountIDRE.MatchString(principal) {
		principal = "arn:aws:iam::" + principal + ":root"
	}
	return policyJSON(policyDocument{Version: "2012-10-17", Statement: []policyStatement{{
		Sid: "CanopyAssumeRole", Effect: "Allow", Principal: map[string]any{"AWS": principal}, Action: "sts:AssumeRole",
		Condition: map[string]any{"StringEquals": map[string]string{"sts:ExternalId": externalID}},
	}}})
}

// Help returns every AWS help page for a connection with this external
// ID, trusting Canopy's account (or principal ARN).
func Help(externalID, canopyPrincipal string) []HelpPage {
	pages := []HelpPage{policyPage(), trustPage(externalID, canopyPrincipal)}
	return append(pages, fixPages()...)
}

// HelpFor returns the page with slug, if there is one.
func HelpFor(externalID, canopyPrincipal, slug string) (HelpPage, bool) {
	for _, p := range Help(externalID, canopyPrincipal) {
		if p.Slug == slug {
			return p, true
		}
	}
	return HelpPage{}, false
}

func policyPage() HelpPage {
	return HelpPage{Slug: HelpIAMPolicy, Title: "Give Canopy read-only access to your AWS costs",
		Steps: []string{
			"Sign in to the AWS Management Console of the management (payer) account with a user that may manage IAM.",
			"Open IAM → Policies → Create policy, choose the JSON tab and paste the policy below.",
			"Name it CanopyReadOnly and create it.",
			"Attach it to the role Canopy assumes (recommended; see the role trust page) or to a dedicated IAM user whose access key you give Canopy.",
			"The policy only reads: Canopy cannot change anything in your account.",
		},
		Code: []CodeBlock{{Lang: "json", Text: IAMPolicy()}},
	}
}

func trustPage(externalID, canopyPrincipal string) HelpPage {
	return HelpPage{Slug: HelpRoleTrust, Title: "Create the role Canopy assumes",
		Steps: []string{
			"In IAM → Roles → Create role, choose \"AWS account\", then \"Another AWS account\" and enter Canopy's account ID " + canopyPrincipal + ".",
			"Tick \"Require external ID\" and enter " + externalID + " exactly: it proves that the request comes from your Canopy connection.",
			"Attach the CanopyReadOnly policy, name the role (for example CanopyReadOnly) and create it.",
			"Check the role's Trust relationships tab: it must match the document below.",
			"Copy the role's ARN into the connection in Canopy.",
		},
		Code: []CodeBlock{{Lang: "json", Text: TrustPolicy(canopyPrincipal, externalID)}},
	}
}
