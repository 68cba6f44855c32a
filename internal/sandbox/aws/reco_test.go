package awssandbox

import (
	"strconv"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
)

func TestRightsizingRecommendationsPageAndAddUp(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", allowCE)
	ce := e.ceClient(id, secret)
	in := &costexplorer.GetRightsizingRecommendationInput{Service: aws.String("AmazonEC2"), PageSize: 3}
	var savings ratSum
	seen := map[string]bool{}
	var summary *types.RightsizingRecommendationSummary
	for pages := 1; ; pages++ {
		out, err := ce.GetRightsizingRecommendation(ctx(), in)
		if err != nil {
			t.Fatalf("page %d: %v", pages, err)
		}
		summary = out.Summary
		for _, r := range out.RightsizingRecommendations {
			if seen[*r.CurrentInstance.ResourceId] {
				t.Fatalf("%s twice", *r.CurrentInstance.ResourceId)
			}
			seen[*r.CurrentInstance.ResourceId] = true
			switch r.RightsizingType {
			case types.RightsizingTypeModify:
				savings.add(t, *r.ModifyRecommendationDetail.TargetInstances[0].EstimatedMonthlySavings)
			case types.RightsizingTypeTerminate:
				savings.add(t, *r.TerminateRecommendationDetail.EstimatedMonthlySavings)
			default:
				t.Fatalf("type %q", r.RightsizingType)
			}
		}
		if out.NextPageToken == nil {
			if pages < 2 {
				t.Fatal("expected several pages")
			}
			break
		}
		in.NextPageToken = out.NextPageToken
	}
	if n, _ := strconv.Atoi(*summary.TotalRecommendationCount); n != len(seen) {
		t.Fatalf("collected %d recommendations, summary counts %d", len(seen), n)
	}
	if !savings.equals(t, *summary.EstimatedTotalMonthlySavingsAmount) {
		t.Fatalf("savings add up to %s, summary says %s", savings.r.FloatString(2), *summary.EstimatedTotalMonthlySavingsAmount)
	}
	if err := e.aws.SetRightsizingEnabled(payer, false); err != nil {
		t.Fatal(err)
	}
	_, err := ce.GetRightsizingRecommendation(ctx(), &costexplorer.GetRightsizingRecommendationInput{Service: aws.String("AmazonEC2")})
	if code, msg := apiCode(t, err); code != "AccessDeniedException" || msg != rightsizingOptIn {
		t.Fatalf("not opted in: %s %q", code, msg)
	}
}

func TestSavingsPlansPurchaseRecommendation(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", "ce:GetSavingsPlansPurchaseRecommendation")
	ce := e.ceClient(id, secret)
	out, err := ce.GetSavingsPlansPurchaseRecommendation(ctx(), &costexplorer.GetSavingsPlansPurchaseRecommendationInput{
		SavingsPlansType: types.SupportedSavingsPlansTypeComputeSp, TermInYears: types.TermInYearsOneYear,
		PaymentOption: types.PaymentOptionNoUpfront, LookbackPeriodInDays: types.LookbackPeriodInDaysThirtyDays,
		AccountScope: types.AccountScopeLinked,
	})
	if err != nil {
		t.Fatal(err)
	}
	rec := out.SavingsPlansPurchaseRecommendation
	if len(rec.SavingsPlansPurchaseRecommendationDetails) != 3 {
		t.Fatalf("%d details, want one per linked account", len(rec.SavingsPlansPurchaseRecommendationDetails))
	}
	var commit ratSum
	for _, d := range rec.SavingsPlansPurchaseRecommendationDetails {
		commit.add(t, *d.HourlyCommitmentToPurchase)
	}
	if !commit.equals(t, *rec.SavingsPlansPurchaseRecommendationSummary.HourlyCommitmentToPurchase) || commit.r.Sign() <= 0 {
		t.Fatalf("commitments add up to %s, summary %s", commit.r.FloatString(4), *rec.SavingsPlansPurchaseRecommendationSummary.HourlyCommitmentToPurchase)
	}
	_, err = ce.GetSavingsPlansPurchaseRecommendation(ctx(), &costexplorer.GetSavingsPlansPurchaseRecommendationInput{
		SavingsPlansType: "BOGUS_SP", TermInYears: types.TermInYearsOneYear,
		PaymentOption: types.PaymentOptionNoUpfront, LookbackPeriodInDays: types.LookbackPeriodInDaysSevenDays,
	})
	if code, _ := apiCode(t, err); code != "ValidationException" {
		t.Fatalf("bad plan type: %s", code)
	}
}
