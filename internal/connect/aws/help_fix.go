package awsconn

// fixPages explain what to do in AWS (or in Canopy) for each health code.
func fixPages() []HelpPage {
	return []HelpPage{
		{Slug: FixSlug(HealthTAAccessDenied), Title: healthTitles[HealthTAAccessDenied], Steps: []string{
			"AWS refused Canopy's Trusted Advisor requests: the IAM policy of Canopy's role or user does not allow them.",
			"In IAM, open the CanopyReadOnly policy (or the policy attached to Canopy's role or user).",
			"Make sure it allows support:DescribeTrustedAdvisorChecks, support:DescribeTrustedAdvisorCheckResult and support:DescribeTrustedAdvisorCheckSummaries, as in the policy below.",
			"Save; IAM changes apply within a minute. Run the connection doctor again to check.",
		}, Code: []CodeBlock{{Lang: "json", Text: IAMPolicy()}}},
		{Slug: FixSlug(HealthCEAccessDenied), Title: healthTitles[HealthCEAccessDenied], Steps: []string{
			"AWS refused Canopy's Cost Explorer recommendation requests: the IAM policy of Canopy's role or user does not allow them.",
			"In IAM, open the CanopyReadOnly policy (or the policy attached to Canopy's role or user).",
			"Make sure it allows ce:GetRightsizingRecommendation and ce:GetSavingsPlansPurchaseRecommendation, as in the policy below.",
			"If your organisation uses service control policies, check that none denies these actions for the account.",
			"Save and run the connection doctor again.",
		}, Code: []CodeBlock{{Lang: "json", Text: IAMPolicy()}}},
		{Slug: FixSlug(HealthTASupportPlan), Title: healthTitles[HealthTASupportPlan], Steps: []string{
			"The Trusted Advisor API (AWS Support API) is only open to accounts with a Business, Enterprise On-Ramp or Enterprise support plan; on Basic or Developer support AWS answers SubscriptionRequiredException.",
			"To read Trusted Advisor's cost checks, upgrade the support plan: AWS console → Support → Support plans → Change plan (needs the account's root user or a user allowed to manage support plans).",
			"Without an upgrade, Canopy still shows Cost Explorer's recommendations; this message stays as information.",
		}},
		{Slug: FixSlug(HealthCEDisabledCanopy), Title: healthTitles[HealthCEDisabledCanopy], Steps: []string{
			"This connection does not read Cost Explorer's rightsizing and Savings Plans recommendations, because the option is off in Canopy.",
			"AWS charges for Cost Explorer API requests (USD 0.01 each), which is why the option is yours to turn on.",
			"To turn it on: Connections → this AWS connection → Settings → tick \"Read Cost Explorer recommendations\" and save. The next sync reads them.",
		}},
		{Slug: FixSlug(HealthCEDisabledAWS), Title: healthTitles[HealthCEDisabledAWS], Steps: []string{
			"Cost Explorer told Canopy that its recommendations are not enabled for this account.",
			"If Cost Explorer itself was never opened: sign in to the management (payer) account, open Billing and Cost Management → Cost Explorer once and choose \"Launch Cost Explorer\". Data appears within 24 hours.",
			"Rightsizing recommendations are opt-in: in the management account, open Cost Explorer → Preferences (Cost Management preferences), tick \"Receive Amazon EC2 resource recommendations\" and save.",
			"AWS needs up to 24 hours to produce the first recommendations; Canopy's next daily sync picks them up.",
		}},
	}
}
