package awsconn

import (
	"context"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
)

// rightsizing reads every page of EC2 rightsizing recommendations.
func (c *Client) rightsizing(ctx context.Context) ([]Recommendation, error) {
	in := &costexplorer.GetRightsizingRecommendationInput{
		Service:       aws.String("AmazonEC2"),
		Configuration: &types.RightsizingRecommendationConfiguration{RecommendationTarget: types.RecommendationTargetSameInstanceFamily, BenefitsConsidered: true},
	}
	var recs []Recommendation
	for page := 1; ; page++ {
		out, err := c.ce.GetRightsizingRecommendation(ctx, in)
		if err != nil {
			return nil, c.wrap("GetRightsizingRecommendation", err)
		}
		for _, r := range out.RightsizingRecommendations {
			rec, err := rightsizingRec(r)
			if err != nil {
				return nil, fmt.Errorf("aws rightsizing: %w", err)
			}
			recs = append(recs, rec)
		}
		if aws.ToString(out.NextPageToken) == "" {
			return recs, nil
		}
		if page == maxPages || aws.ToString(out.NextPageToken) == aws.ToString(in.NextPageToken) {
			return nil, fmt.Errorf("aws rightsizing: Cost Explorer keeps answering with more pages; stopped")
		}
		in.NextPageToken = out.NextPageToken
	}
}

func rightsizingRec(r types.RightsizingRecommendation) (Recommendation, error) {
	cur := r.CurrentInstance
	if cur == nil {
		return Recommendation{}, fmt.Errorf("a recommendation has no current instance")
	}
	rec := Recommendation{
		Source: SourceCERightsizing, Check: string(r.RightsizingType), AccountID: aws.ToString(r.AccountId),
		ResourceID: aws.ToString(cur.ResourceId), Currency: aws.ToString(cur.CurrencyCode),
	}
	rec.ID = "rightsizing/" + rec.AccountID + "/" + rec.ResourceID
	from := ""
	if d := cur.ResourceDetails; d != nil && d.EC2ResourceDetails != nil {
		rec.Region, from = aws.ToString(d.EC2ResourceDetails.Region), aws.ToString(d.EC2ResourceDetails.InstanceType)
	}
	var savings string
	switch {
	case r.TerminateRecommendationDetail != nil:
		t := r.TerminateRecommendationDetail
		rec.Title = "Terminate idle EC2 instance " + firstOf(aws.ToString(cur.InstanceName), rec.ResourceID)
		savings, rec.Currency = aws.ToString(t.EstimatedMonthlySavings), firstOf(aws.ToString(t.CurrencyCode), rec.Currency)
	case r.ModifyRecommendationDetail != nil:
		to, s, cc := modifyTarget(r.ModifyRecommendationDetail)
		rec.Title = "Downsize EC2 instance " + firstOf(aws.ToString(cur.InstanceName), rec.ResourceID) + " from " + from + " to " + to
		savings, rec.Currency = s, firstOf(cc, rec.Currency)
	}
	rec.Detail = rightsizingDetail(r, from)
	var err error
	rec.EstimatedMonthlySavings, err = money(savings)
	return rec, err
}

// modifyTarget is the default target instance: its type, savings, currency.
func modifyTarget(m *types.ModifyRecommendationDetail) (string, string, string) {
	for i, t := range m.TargetInstances {
		if t.DefaultTargetInstance || i == len(m.TargetInstances)-1 {
			typ := ""
			if t.ResourceDetails != nil && t.ResourceDetails.EC2ResourceDetails != nil {
				typ = aws.ToString(t.ResourceDetails.EC2ResourceDetails.InstanceType)
			}
			return typ, aws.ToString(t.EstimatedMonthlySavings), aws.ToString(t.CurrencyCode)
		}
	}
	return "", "", ""
}

func rightsizingDetail(r types.RightsizingRecommendation, from string) string {
	parts := []string{"Current type: " + from, "Monthly cost: " + aws.ToString(r.CurrentInstance.MonthlyCost)}
	if u := r.CurrentInstance.ResourceUtilization; u != nil && u.EC2ResourceUtilization != nil {
		parts = append(parts, "Max CPU: "+aws.ToString(u.EC2ResourceUtilization.MaxCpuUtilizationPercentage)+"%")
	}
	if len(r.FindingReasonCodes) > 0 {
		codes := make([]string, len(r.FindingReasonCodes))
		for i, f := range r.FindingReasonCodes {
			codes[i] = string(f)
		}
		parts = append(parts, "Findings: "+strings.Join(codes, ", "))
	}
	return strings.Join(parts, "; ")
}

// savingsPlans reads the payer-level recommendation for a one-year,
// no-upfront Compute Savings Plan over the last 30 days of usage.
func (c *Client) savingsPlans(ctx context.Context) ([]Recommendation, error) {
	in := &costexplorer.GetSavingsPlansPurchaseRecommendationInput{
		SavingsPlansType: types.SupportedSavingsPlansTypeComputeSp, TermInYears: types.TermInYearsOneYear,
		PaymentOption: types.PaymentOptionNoUpfront, LookbackPeriodInDays: types.LookbackPeriodInDaysThirtyDays,
		AccountScope: types.AccountScopePayer,
	}
	var recs []Recommendation
	for page := 1; ; page++ {
		out, err := c.ce.GetSavingsPlansPurchaseRecommendation(ctx, in)
		if err != nil {
			return nil, c.wrap("GetSavingsPlansPurchaseRecommendation", err)
		}
		if sp := out.SavingsPlansPurchaseRecommendation; sp != nil {
			for _, d := range sp.SavingsPlansPurchaseRecommendationDetails {
				rec, err := savingsPlanRec(in, d)
				if err != nil {
					return nil, fmt.Errorf("aws savings plans: %w", err)
				}
				recs = append(recs, rec)
			}
		}
		if aws.ToString(out.NextPageToken) == "" {
			return recs, nil
		}
		if page == maxPages || aws.ToString(out.NextPageToken) == aws.ToString(in.NextPageToken) {
			return nil, fmt.Errorf("aws savings plans: Cost Explorer keeps answering with more pages; stopped")
		}
		in.NextPageToken = out.NextPageToken
	}
}

func savingsPlanRec(in *costexplorer.GetSavingsPlansPurchaseRecommendationInput, d types.SavingsPlansPurchaseRecommendationDetail) (Recommendation, error) {
	savings, err := money(aws.ToString(d.EstimatedMonthlySavingsAmount))
	if err != nil {
		return Recommendation{}, err
	}
	account := aws.ToString(d.AccountId)
	return Recommendation{
		// Keyed by what is recommended, not by AWS's detail ID, which changes
		// each time AWS recomputes the recommendation: the same advice stays
		// one recommendation (with its status) across syncs.
		Source: SourceCESavingsPlans, ID: "savings-plans/" + string(in.SavingsPlansType) + "/" + string(in.TermInYears) + "/" + string(in.PaymentOption) + "/" + account,
		Check: string(in.SavingsPlansType), AccountID: account,
		Title: "Buy a 1-year Compute Savings Plan (no upfront)",
		Detail: fmt.Sprintf("Commit %s %s an hour; current on-demand spend %s an hour; estimated savings %s%%",
			aws.ToString(d.HourlyCommitmentToPurchase), aws.ToString(d.CurrencyCode),
			aws.ToString(d.CurrentAverageHourlyOnDemandSpend), aws.ToString(d.EstimatedSavingsPercentage)),
		EstimatedMonthlySavings: savings, Currency: aws.ToString(d.CurrencyCode),
	}, nil
}
