package awsconn

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/cockroachdb/apd/v3"

	awssandbox "github.com/canopyhq/canopy/internal/sandbox/aws"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

func bySource(recs []Recommendation) map[string]int {
	n := map[string]int{}
	for _, r := range recs {
		n[r.Source]++
	}
	return n
}

func issueCodes(issues []HealthIssue) []string {
	var codes []string
	for _, is := range issues {
		codes = append(codes, is.Code)
	}
	return codes
}

func TestRecommendationsFromAllSources(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	recs, issues, err := c.Recommendations(ctx(), RecOptions{CostExplorer: true})
	if err != nil || len(issues) != 0 {
		t.Fatalf("err %v, issues %+v", err, issues)
	}
	n := bySource(recs)
	if n[SourceTrustedAdvisor] == 0 || n[SourceCERightsizing] == 0 || n[SourceCESavingsPlans] == 0 {
		t.Fatalf("recommendations by source: %v", n)
	}
	ids := map[string]bool{}
	for _, r := range recs {
		if ids[r.ID] || r.AccountID == "" || r.Title == "" || r.ResourceID == "" && r.Source != SourceCESavingsPlans {
			t.Fatalf("recommendation %+v (duplicate ID or missing fields)", r)
		}
		ids[r.ID] = true
		if r.EstimatedMonthlySavings != "" {
			if _, _, err := apd.NewFromString(r.EstimatedMonthlySavings); err != nil || r.Currency != "USD" {
				t.Fatalf("savings %q %q", r.EstimatedMonthlySavings, r.Currency)
			}
		}
	}
	// Every rightsizing page was read (the sandbox pages by 5).
	if e.aws.Requests("GetRightsizingRecommendation") < 2 {
		t.Fatal("rightsizing was not paged")
	}
}

// Each health state comes from the matching sandbox setting, and only it.
func TestHealthStates(t *testing.T) {
	user := "arn:aws:iam::" + payer + ":user/canopy"
	without := func(drop ...string) []string {
		return slices.DeleteFunc(slices.Clone(allowAll), func(a string) bool { return slices.Contains(drop, a) })
	}
	cases := []struct {
		code  string
		setup func(e *env)
		opts  RecOptions
		still string // a source that must still deliver
	}{
		{HealthTASupportPlan, func(e *env) { _ = e.aws.SetSupportPlan(payer, awssandbox.PlanBasic) }, RecOptions{CostExplorer: true}, SourceCERightsizing},
		{HealthTAAccessDenied, func(e *env) {
			_ = e.aws.SetAllowed(user, without("support:DescribeTrustedAdvisorChecks", "support:DescribeTrustedAdvisorCheckResult", "support:DescribeTrustedAdvisorCheckSummaries")...)
		}, RecOptions{CostExplorer: true}, SourceCESavingsPlans},
		{HealthCEAccessDenied, func(e *env) { _ = e.aws.SetAllowed(user, without("ce:GetRightsizingRecommendation")...) },
			RecOptions{CostExplorer: true}, SourceTrustedAdvisor},
		{HealthCEDisabledAWS, func(e *env) { _ = e.aws.SetRightsizingEnabled(payer, false) }, RecOptions{CostExplorer: true}, SourceCESavingsPlans},
		{HealthCEDisabledCanopy, func(*env) {}, RecOptions{CostExplorer: false}, SourceTrustedAdvisor},
	}
	for _, tc := range cases {
		t.Run(tc.code, func(t *testing.T) {
			e := newEnv(t)
			c, _ := e.userClient(t, allowAll...)
			tc.setup(e)
			recs, issues, err := c.Recommendations(ctx(), tc.opts)
			if err != nil {
				t.Fatal(err)
			}
			if got := issueCodes(issues); !slices.Equal(got, []string{tc.code}) {
				t.Fatalf("issues %v, want [%s]", got, tc.code)
			}
			is := issues[0]
			if is.Title != healthTitles[tc.code] || is.Message == "" || is.FixSlug != FixSlug(tc.code) {
				t.Fatalf("issue %+v", is)
			}
			if _, ok := HelpFor(extID, canopyAcc, is.FixSlug); !ok {
				t.Fatalf("no help page %s", is.FixSlug)
			}
			if bySource(recs)[tc.still] == 0 {
				t.Fatalf("no %s recommendations beside the issue", tc.still)
			}
		})
	}
}

func TestCostExplorerOffInCanopyMakesNoCostExplorerCalls(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	if _, _, err := c.Recommendations(ctx(), RecOptions{}); err != nil {
		t.Fatal(err)
	}
	if n := e.aws.Requests("GetRightsizingRecommendation") + e.aws.Requests("GetSavingsPlansPurchaseRecommendation"); n != 0 {
		t.Fatalf("%d Cost Explorer recommendation calls with the option off", n)
	}
}

func TestCostExplorerNeverOpenedIsDisabledInAWS(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	_ = e.aws.SetCostExplorerEnabled(payer, false)
	_, issues, err := c.Recommendations(ctx(), RecOptions{CostExplorer: true})
	if err != nil || !slices.Equal(issueCodes(issues), []string{HealthCEDisabledAWS}) {
		t.Fatalf("err %v issues %v", err, issueCodes(issues))
	}
}

func TestTrustedAdvisorThrottlingStormIsBounded(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	e.aws.Throttle("DescribeTrustedAdvisorChecks", 1000)
	_, _, err := c.Recommendations(ctx(), RecOptions{CostExplorer: true})
	ae := wantKind(t, err, ErrThrottled)
	if ae.Code != "ThrottlingException" || ae.Op != "DescribeTrustedAdvisorChecks" {
		t.Fatalf("%+v", ae)
	}
	if n := e.aws.Requests("DescribeTrustedAdvisorChecks"); n != maxAttempts {
		t.Fatalf("%d requests in a throttling storm, want %d", n, maxAttempts)
	}
	e.aws.Throttle("DescribeTrustedAdvisorChecks", 2)
	if _, _, err := c.Recommendations(ctx(), RecOptions{}); err != nil {
		t.Fatalf("a short burst was not ridden out: %v", err)
	}
}

func TestAssumeRoleThrottlingStormIsBounded(t *testing.T) {
	e := newEnv(t)
	c, _, _ := e.roleClient(t, extID, allowAll...)
	e.aws.Throttle("AssumeRole", 1000)
	_, err := c.Identity(ctx())
	wantKind(t, err, ErrThrottled)
	if n := e.aws.Requests("AssumeRole"); n != maxAttempts {
		t.Fatalf("%d AssumeRole requests, want %d", n, maxAttempts)
	}
}

func TestServerErrorsAreErrorsNotHealthStates(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	if _, err := c.Identity(ctx()); err != nil {
		t.Fatal(err)
	}
	e.faults.Add("aws", sbxStatus(500))
	_, issues, err := c.Recommendations(ctx(), RecOptions{CostExplorer: true})
	e.faults.Clear("aws")
	if err == nil || len(issues) != 0 {
		t.Fatalf("err %v issues %v", err, issues)
	}
	t.Log(fmt.Sprint(err))
}

func TestTruncatedTrustedAdvisorAnswerIsAnError(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	e.faults.Add("aws", sbx.Fault{Truncate: 100, Times: 1})
	recs, err := c.trustedAdvisor(ctx(), payer)
	if err == nil || len(recs) != 0 {
		t.Fatalf("recs %d, err %v", len(recs), err)
	}
	if !strings.Contains(err.Error(), "cut off or malformed") {
		t.Fatalf("error %v", err)
	}
	if n := e.aws.Requests("DescribeTrustedAdvisorChecks"); n != 1 {
		t.Fatalf("%d requests; a cut answer is not retried", n)
	}
}

// An STS server error in a body the SDK cannot decode (a proxy's page, or
// the sandbox's JSON where STS speaks XML) is still a server error: worth
// another try, as a decoded 5xx is. A 4xx the SDK cannot decode is not.
func TestUndecodableServerErrorIsTransient(t *testing.T) {
	e := newEnv(t)
	c, _, _ := e.roleClient(t, extID, allowAll...)
	for _, tc := range []struct {
		status    int
		transient bool
	}{{503, true}, {500, true}, {400, false}} {
		e.faults.Add("aws", sbxStatus(tc.status))
		_, err := c.Identity(ctx())
		e.faults.Clear("aws")
		if err == nil {
			t.Fatalf("%d from STS: no error", tc.status)
		}
		if got := transient(err); got != tc.transient {
			t.Errorf("%d from STS: transient %v, want %v (%v)", tc.status, got, tc.transient, err)
		}
		if want := fmt.Sprintf("AWS answered HTTP %d in a form that could not be read", tc.status); !strings.Contains(err.Error(), want) {
			t.Errorf("%d from STS: %q does not say %q", tc.status, err, want)
		}
	}
}
