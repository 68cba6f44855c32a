package awssandbox

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
)

func day(t time.Time) *string { return aws.String(t.Format(time.DateOnly)) }

func (e *env) today() time.Time { return e.clock.Now().Truncate(24 * time.Hour) }

func byServiceAndAccount(start, end time.Time) *costexplorer.GetCostAndUsageInput {
	return &costexplorer.GetCostAndUsageInput{
		TimePeriod:  &types.DateInterval{Start: day(start), End: day(end)},
		Granularity: types.GranularityDaily,
		Metrics:     []string{"UnblendedCost", "BlendedCost"},
		GroupBy: []types.GroupDefinition{
			{Type: types.GroupDefinitionTypeDimension, Key: aws.String("SERVICE")},
			{Type: types.GroupDefinitionTypeDimension, Key: aws.String("LINKED_ACCOUNT")},
		},
	}
}

func TestCostAndUsagePagesAddUpToTheSeededTotal(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", allowCE)
	ce := e.ceClient(id, secret)
	start, end := e.today().AddDate(0, 0, -20), e.today()
	in := byServiceAndAccount(start, end)
	seen := map[string]bool{}
	var unblended, blended ratSum
	pages, linkedNamed := 0, false
	for {
		out, err := ce.GetCostAndUsage(ctx(), in)
		if err != nil {
			t.Fatalf("page %d: %v", pages+1, err)
		}
		pages++
		for _, r := range out.ResultsByTime {
			for _, g := range r.Groups {
				k := *r.TimePeriod.Start + "|" + strings.Join(g.Keys, "|")
				if seen[k] {
					t.Fatalf("group %s delivered twice", k)
				}
				seen[k] = true
				if u := g.Metrics["UnblendedCost"]; *u.Unit != "USD" {
					t.Fatalf("unit %q", *u.Unit)
				}
				unblended.add(t, *g.Metrics["UnblendedCost"].Amount)
				blended.add(t, *g.Metrics["BlendedCost"].Amount)
			}
		}
		for _, d := range out.DimensionValueAttributes {
			linkedNamed = linkedNamed || strings.HasPrefix(d.Attributes["description"], "Acme")
		}
		if out.NextPageToken == nil {
			break
		}
		in.NextPageToken = out.NextPageToken
	}
	if pages < 3 {
		t.Fatalf("only %d pages; the test wants to see paging", pages)
	}
	if !linkedNamed {
		t.Fatal("no DimensionValueAttributes naming the linked accounts")
	}
	if want := e.aws.TotalCost(payer, "UnblendedCost", start, end); !unblended.equals(t, want) {
		t.Fatalf("pages add up to %s, seeded total is %s", unblended.r.FloatString(10), want)
	}
	if want := e.aws.TotalCost(payer, "BlendedCost", start, end); !blended.equals(t, want) {
		t.Fatalf("blended pages add up to %s, seeded total is %s", blended.r.FloatString(10), want)
	}
}

func TestCostAndUsageFilterMonthlyAndEstimated(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", allowCE)
	ce := e.ceClient(id, secret)
	monthStart := time.Date(e.today().Year(), e.today().Month(), 1, 0, 0, 0, 0, time.UTC)
	out, err := ce.GetCostAndUsage(ctx(), &costexplorer.GetCostAndUsageInput{
		TimePeriod:  &types.DateInterval{Start: day(monthStart.AddDate(0, -3, 0)), End: day(e.today().AddDate(0, 0, 1))},
		Granularity: types.GranularityMonthly,
		Metrics:     []string{"UnblendedCost", "UsageQuantity"},
		GroupBy:     []types.GroupDefinition{{Type: types.GroupDefinitionTypeTag, Key: aws.String("Environment")}},
		Filter: &types.Expression{And: []types.Expression{
			{Dimensions: &types.DimensionValues{Key: types.DimensionService, Values: []string{"Amazon Elastic Compute Cloud - Compute"}}},
			{Not: &types.Expression{Dimensions: &types.DimensionValues{Key: types.DimensionRegion, Values: []string{"eu-west-1"}}}},
		}},
	})
	if err != nil {
		t.Fatal(err)
	}
	n := len(out.ResultsByTime)
	if n < 4 || out.ResultsByTime[0].Estimated || !out.ResultsByTime[n-1].Estimated {
		t.Fatalf("%d monthly results; first estimated=%v, last estimated=%v", n, out.ResultsByTime[0].Estimated, out.ResultsByTime[n-1].Estimated)
	}
	for _, g := range out.ResultsByTime[0].Groups {
		if !strings.HasPrefix(g.Keys[0], "Environment$") {
			t.Fatalf("tag group key %q", g.Keys[0])
		}
		if u := *g.Metrics["UsageQuantity"].Unit; u != "Hrs" {
			t.Fatalf("EC2 compute usage unit %q", u)
		}
	}
}

// Billing data is late: the last two days' figures change from one day
// to the next, older days stay put.
func TestRecentDaysAreRevised(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", allowCE)
	ce := e.ceClient(id, secret)
	end := e.today()
	daily := func() map[string]string {
		out, err := ce.GetCostAndUsage(ctx(), &costexplorer.GetCostAndUsageInput{
			TimePeriod: &types.DateInterval{Start: day(end.AddDate(0, 0, -5)), End: day(end)}, Granularity: types.GranularityDaily, Metrics: []string{"UnblendedCost"},
		})
		if err != nil {
			t.Fatal(err)
		}
		m := map[string]string{}
		for _, r := range out.ResultsByTime {
			m[*r.TimePeriod.Start] = *r.Total["UnblendedCost"].Amount
		}
		return m
	}
	before := daily()
	e.clock.Advance(24 * time.Hour)
	after := daily()
	for i := 1; i <= 5; i++ {
		d := end.AddDate(0, 0, -i).Format(time.DateOnly)
		if changed := before[d] != after[d]; changed != (i <= 2) {
			t.Fatalf("day -%d: %s then %s (revised=%v)", i, before[d], after[d], changed)
		}
	}
}

func TestCostExplorerErrors(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", allowCE)
	ce := e.ceClient(id, secret)
	today := e.today()
	call := func(in *costexplorer.GetCostAndUsageInput) error {
		_, err := ce.GetCostAndUsage(ctx(), in)
		return err
	}
	var bill *types.BillExpirationException
	if err := call(byServiceAndAccount(today.AddDate(0, -14, 0), today)); !errors.As(err, &bill) {
		t.Fatalf("14 months back: %v", err)
	}
	var unavailable *types.DataUnavailableException
	if err := call(byServiceAndAccount(today.AddDate(0, 0, 2), today.AddDate(0, 0, 5))); !errors.As(err, &unavailable) {
		t.Fatalf("future period: %v", err)
	}
	three := byServiceAndAccount(today.AddDate(0, 0, -3), today)
	three.GroupBy = append(three.GroupBy, types.GroupDefinition{Type: types.GroupDefinitionTypeDimension, Key: aws.String("REGION")})
	if code, _ := apiCode(t, call(three)); code != "ValidationException" {
		t.Fatalf("three GroupBy: %s", code)
	}
	first, err := ce.GetCostAndUsage(ctx(), byServiceAndAccount(today.AddDate(0, 0, -10), today))
	if err != nil || first.NextPageToken == nil {
		t.Fatalf("first page: %v", err)
	}
	changed := byServiceAndAccount(today.AddDate(0, 0, -10), today)
	changed.Metrics, changed.NextPageToken = []string{"AmortizedCost"}, first.NextPageToken
	var reqChanged *types.RequestChangedException
	if err := call(changed); !errors.As(err, &reqChanged) {
		t.Fatalf("token with other parameters: %v", err)
	}
	bogus := byServiceAndAccount(today.AddDate(0, 0, -10), today)
	bogus.NextPageToken = aws.String("not-a-token")
	var badToken *types.InvalidNextTokenException
	if err := call(bogus); !errors.As(err, &badToken) {
		t.Fatalf("bogus token: %v", err)
	}
	if err := e.aws.SetCostExplorerEnabled(payer, false); err != nil {
		t.Fatal(err)
	}
	code, msg := apiCode(t, call(byServiceAndAccount(today.AddDate(0, 0, -3), today)))
	if code != "AccessDeniedException" || msg != "User not enabled for cost explorer access" {
		t.Fatalf("Cost Explorer disabled: %s %q", code, msg)
	}
}

func TestCostExplorerAuthentication(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", allowCE)
	in := byServiceAndAccount(e.today().AddDate(0, 0, -2), e.today())
	cases := []struct{ id, secret, code string }{
		{"AKIAUNKNOWNUNKNOWN00", secret, "UnrecognizedClientException"},
		{id, secret[:39] + "x", "InvalidSignatureException"},
	}
	for _, c := range cases {
		_, err := e.ceClient(c.id, c.secret).GetCostAndUsage(ctx(), in)
		if code, _ := apiCode(t, err); code != c.code {
			t.Fatalf("%s: got %s", c.code, code)
		}
	}
	other, otherSecret := e.aws.AddUser(payer, "billing-viewer", "support:*")
	_, err := e.ceClient(other, otherSecret).GetCostAndUsage(ctx(), in)
	code, msg := apiCode(t, err)
	want := "User: arn:aws:iam::" + payer + ":user/billing-viewer is not authorized to perform: ce:GetCostAndUsage on resource: arn:aws:ce:us-east-1:" + payer + ":/GetCostAndUsage"
	if code != "AccessDeniedException" || !strings.HasPrefix(msg, want) {
		t.Fatalf("no ce permission: %s %q", code, msg)
	}
}

// Throttling: LimitExceededException is one of the SDK's retryable
// throttle codes; the standard retryer gives up after its 3 attempts.
func TestThrottlingRetriesAreBounded(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", allowCE)
	ce := e.ceClient(id, secret)
	in := byServiceAndAccount(e.today().AddDate(0, 0, -2), e.today())
	e.aws.Throttle("GetCostAndUsage", 1000)
	var limit *types.LimitExceededException
	if _, err := ce.GetCostAndUsage(ctx(), in); !errors.As(err, &limit) {
		t.Fatalf("storm: %v", err)
	}
	if n := e.aws.Requests("GetCostAndUsage"); n != 3 {
		t.Fatalf("the SDK sent %d requests in a throttling storm, want 3", n)
	}
	e.aws.Throttle("GetCostAndUsage", 1)
	if _, err := ce.GetCostAndUsage(ctx(), in); err != nil {
		t.Fatalf("one throttle then success: %v", err)
	}
	// Two more: the throttled one and its retry. On a loaded machine the
	// SDK may also retry once at the transport level (a kept-alive
	// connection closed under it), which the sandbox counts too.
	if n := e.aws.Requests("GetCostAndUsage"); n != 5 && n != 6 {
		t.Fatalf("requests = %d, want 5 (or 6 after a transport retry)", n)
	}
	e.faults.ResetCounts()
	e.faults.Add("aws", sbxFault(429, 0))
	_, err := ce.GetCostAndUsage(ctx(), in)
	if code, _ := apiCode(t, err); code != "ThrottlingException" {
		t.Fatalf("429 storm: %s", code)
	}
	if n := e.faults.Count("aws", "/"); n != 3 {
		t.Fatalf("fault storm: %d requests, want 3", n)
	}
	e.faults.Clear("aws")
	e.faults.Add("aws", sbxFault(503, 1))
	if _, err := ce.GetCostAndUsage(ctx(), in); err != nil {
		t.Fatalf("one 503 then success: %v", err)
	}
}

// A half-written page is a client error, never a silently short result.
func TestTruncatedPageIsAnError(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", allowCE)
	e.faults.Add("aws", sbxTruncate(200))
	out, err := e.ceClient(id, secret).GetCostAndUsage(ctx(), byServiceAndAccount(e.today().AddDate(0, 0, -5), e.today()))
	if err == nil {
		t.Fatalf("truncated page accepted with %d results", len(out.ResultsByTime))
	}
}
