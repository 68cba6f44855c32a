package awsconn

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	awssandbox "github.com/canopyhq/canopy/internal/sandbox/aws"
)

func TestProbeAllGranted(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	for _, ch := range c.Probe(ctx(), RecOptions{CostExplorer: true}) {
		if !ch.OK() || ch.Permission == "" || ch.FixSlug != "" {
			t.Fatalf("check %+v", ch)
		}
	}
}

func TestProbeNamesWhatIsMissingAndTheFix(t *testing.T) {
	e := newEnv(t)
	c, user := e.userClient(t, "ce:GetCostAndUsage")
	_ = e.aws.SetSupportPlan(payer, awssandbox.PlanDeveloper)
	checks := c.Probe(ctx(), RecOptions{CostExplorer: true})
	want := map[string][2]string{ // feature → status, fix
		FeatureCredentials: {StatusOK, ""},
		FeatureCosts:       {StatusOK, ""},
		FeatureTARecs:      {StatusFailing, FixSlug(HealthTAAccessDenied)}, // IAM is checked before the plan
		FeatureCERecs:      {StatusFailing, FixSlug(HealthCEAccessDenied)},
	}
	for _, ch := range checks {
		if w := want[ch.Feature]; ch.Status != w[0] || ch.FixSlug != w[1] {
			t.Fatalf("%s: %+v, want %v", ch.Feature, ch, w)
		}
	}
	_ = e.aws.SetAllowed(user, allowAll...)
	_ = e.aws.SetRightsizingEnabled(payer, false)
	checks = c.Probe(ctx(), RecOptions{})
	if ch := checks[2]; ch.Code != HealthTASupportPlan || ch.FixSlug != FixSlug(HealthTASupportPlan) {
		t.Fatalf("TA check %+v", ch)
	}
	if ch := checks[3]; ch.Status != StatusDisabled || ch.Code != HealthCEDisabledCanopy {
		t.Fatalf("CE check %+v", ch)
	}
	if ch := c.Probe(ctx(), RecOptions{CostExplorer: true})[3]; ch.Code != HealthCEDisabledAWS {
		t.Fatalf("CE check %+v", ch)
	}
	_ = e.aws.SetAllowed(user, "support:*")
	if ch := c.Probe(ctx(), RecOptions{})[1]; ch.OK() || ch.FixSlug != HelpIAMPolicy || ch.Code != "AccessDeniedException" {
		t.Fatalf("costs check %+v", ch)
	}
}

func TestProbeWithBadKeysFailsEveryFeature(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", allowAll...)
	c := e.client(t, e.config(id, "x"+secret[1:]))
	for _, ch := range c.Probe(ctx(), RecOptions{CostExplorer: true}) {
		if ch.OK() || ch.FixSlug != HelpIAMPolicy || !strings.Contains(ch.Message, "access key") {
			t.Fatalf("check %+v", ch)
		}
		noSecret(t, fmt.Sprintf("%+v", ch), secret, "x"+secret[1:])
	}
}

func TestHelpPages(t *testing.T) {
	pages := Help(extID, canopyAcc)
	var policy struct {
		Statement []struct {
			Effect, Resource string
			Action           []string
		}
	}
	page, ok := HelpFor(extID, canopyAcc, HelpIAMPolicy)
	if !ok || json.Unmarshal([]byte(page.Code[0].Text), &policy) != nil || len(policy.Statement) != 1 {
		t.Fatalf("policy page %+v", page)
	}
	if st := policy.Statement[0]; st.Effect != "Allow" || !slices.Equal(st.Action, PolicyActions) {
		t.Fatalf("statement %+v", st)
	}
	for _, a := range PolicyActions {
		if !strings.HasPrefix(a, "ce:Get") && !strings.HasPrefix(a, "support:Describe") && a != "sts:GetCallerIdentity" {
			t.Fatalf("action %s is not read-only", a)
		}
	}
	var trust struct {
		Statement []struct {
			Principal map[string]string
			Action    string
			Condition map[string]map[string]string
		}
	}
	page, _ = HelpFor(extID, canopyAcc, HelpRoleTrust)
	if err := json.Unmarshal([]byte(page.Code[0].Text), &trust); err != nil {
		t.Fatal(err)
	}
	st := trust.Statement[0]
	if st.Principal["AWS"] != "arn:aws:iam::"+canopyAcc+":root" || st.Action != "sts:AssumeRole" || st.Condition["StringEquals"]["sts:ExternalId"] != extID {
		t.Fatalf("trust statement %+v", st)
	}
	for _, code := range HealthCodes() {
		p, ok := HelpFor(extID, canopyAcc, FixSlug(code))
		if !ok || p.Title != healthTitles[code] || len(p.Steps) < 2 {
			t.Fatalf("fix page for %s: %+v", code, p)
		}
	}
	if len(pages) != 2+len(HealthCodes()) {
		t.Fatalf("%d pages", len(pages))
	}
}
