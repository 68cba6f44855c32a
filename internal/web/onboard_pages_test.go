package web

import awsconn "github.com/canopyhq/canopy/internal/connect/aws"

// onboardSamplePages are the AWS form (after a failed test, with field
// errors) and a failed admin consent.
func onboardSamplePages() []pageCase {
	setup := awsconn.RoleSetup{CanopyPrincipal: "999988887777", ExternalID: "canopy-ext-1", TrustPolicy: awsconn.TrustPolicy("999988887777", "canopy-ext-1"), IAMPolicy: awsconn.IAMPolicy()}
	return []pageCase{
		{AWSConnectPage{Layout: sampleLayout(NavConnections), Setup: setup, Tested: true,
			Form:       AWSConnectForm{Name: "Prod", AccountID: "12345", Auth: "role", Role: "CanopyReadOnly", CERecommendations: true},
			FormErrors: FormErrors{FieldErrors: FieldErrors{"account_id": "Enter the 12-digit ID of the AWS (payer) account, digits only."}},
			Checks: []CheckRow{{Feature: "Costs", Needs: "ce:GetCostAndUsage", Granted: true},
				{Feature: "Recommendations from Trusted Advisor", Needs: "support:*", Detail: "SubscriptionRequiredException", Fix: "aws-fix-support-plan"}}},
			[]string{`action="/connections/aws"`, `formaction="/connections/aws/test"`, `readonly value="canopy-ext-1"`, `sts:ExternalId`, `ce:GetCostAndUsage`,
				`id="aws-account_id-error"`, `aria-invalid="true"`, `data-granted="false"`, `href="/help/aws-fix-support-plan"`, `name="ce_recommendations" type="checkbox" value="on" checked`,
				`name="secret_access_key" type="password" value=""`, `data-copy-text=`}},
		{ConsentFailedPage{Layout: sampleLayout(NavConnections), Kind: "Microsoft 365", Anchor: "m365-h", Error: "Admin consent was not granted (access_denied)."},
			[]string{`Microsoft 365 not connected`, `access_denied`, `href="/connections#m365-h"`}},
	}
}
