package awsconn

import (
	"context"
	"errors"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
)

// Probe features.
const (
	FeatureCredentials = "credentials"
	FeatureCosts       = "costs"
	FeatureTARecs      = "recommendations-trusted-advisor"
	FeatureCERecs      = "recommendations-cost-explorer"
)

// Probe states.
const (
	StatusOK       = "ok"
	StatusFailing  = "failing"
	StatusDisabled = "disabled" // switched off in Canopy: not probed
)

// Check is one feature as the connection doctor shows it: what it needs,
// whether it works right now (probed with a cheap real call) and the fix.
type Check struct {
	Feature    string
	Title      string
	Permission string
	Status     string
	Code       string // a health code, or the AWS error code
	Message    string
	FixSlug    string // a Help() page; "" when OK
}

// OK reports whether the feature works.
func (c Check) OK() bool { return c.Status == StatusOK }

// Probe checks the credentials, then each feature with one cheap call.
func (c *Client) Probe(ctx context.Context, opts RecOptions) []Check {
	checks := []Check{
		{Feature: FeatureCredentials, Title: "Sign in to AWS", Permission: "sts:GetCallerIdentity"},
		{Feature: FeatureCosts, Title: "Costs from Cost Explorer", Permission: "ce:GetCostAndUsage"},
		{Feature: FeatureTARecs, Title: "Recommendations from Trusted Advisor", Permission: "support:DescribeTrustedAdvisorChecks, support:DescribeTrustedAdvisorCheckResult"},
		{Feature: FeatureCERecs, Title: "Recommendations from Cost Explorer", Permission: "ce:GetRightsizingRecommendation, ce:GetSavingsPlansPurchaseRecommendation"},
	}
	if _, err := c.Identity(ctx); err != nil {
		for i := range checks {
			checks[i].fail(err, c.credentialsFix(err))
		}
		return checks
	}
	checks[0].Status = StatusOK
	probeCosts(&checks[1], c.probeCosts(ctx))
	probeTA(&checks[2], c.probeTA(ctx))
	if !opts.CostExplorer {
		is := newIssue(HealthCEDisabledCanopy, ceDisabledCanopyReason)
		checks[3].Status, checks[3].Code, checks[3].Message, checks[3].FixSlug = StatusDisabled, is.Code, is.Message, is.FixSlug
	} else {
		probeCE(&checks[3], c.probeCE(ctx))
	}
	return checks
}

func (ch *Check) fail(err error, fix string) {
	ch.Status, ch.Message, ch.FixSlug = StatusFailing, err.Error(), fix
	var e *Error
	if errors.As(err, &e) {
		ch.Code = e.Code
	}
}

func (ch *Check) failIssue(is HealthIssue) {
	ch.Status, ch.Code, ch.Message, ch.FixSlug = StatusFailing, is.Code, is.Message, is.FixSlug
}

// credentialsFix: a role that cannot be assumed is fixed in its trust
// policy; bad or expired keys on the user's side.
func (c *Client) credentialsFix(err error) string {
	var e *Error
	if c.cfg.RoleARN != "" && errors.As(err, &e) && e.Op == "AssumeRole" {
		return HelpRoleTrust
	}
	return HelpIAMPolicy
}

func probeCosts(ch *Check, err error) {
	var e *Error
	switch {
	case err == nil, errors.As(err, &e) && e.Code == "DataUnavailableException":
		ch.Status = StatusOK // allowed; the data just is not there yet
	case errors.Is(err, ErrNotEnabled):
		ch.fail(err, FixSlug(HealthCEDisabledAWS))
	default:
		ch.fail(err, HelpIAMPolicy)
	}
}

func probeTA(ch *Check, err error) {
	if err == nil {
		ch.Status = StatusOK
	} else if is, ok := taIssue(err); ok {
		ch.failIssue(is)
	} else {
		ch.fail(err, "")
	}
}

func probeCE(ch *Check, err error) {
	if err == nil {
		ch.Status = StatusOK
	} else if is, ok := ceIssue(err); ok {
		ch.failIssue(is)
	} else {
		ch.fail(err, "")
	}
}

// probeCosts asks for yesterday's total: one small, unpaged answer.
func (c *Client) probeCosts(ctx context.Context) error {
	today := c.cfg.Now().UTC().Truncate(24 * time.Hour)
	_, err := c.ce.GetCostAndUsage(ctx, &costexplorer.GetCostAndUsageInput{
		TimePeriod:  &types.DateInterval{Start: aws.String(today.AddDate(0, 0, -1).Format(time.DateOnly)), End: aws.String(today.Format(time.DateOnly))},
		Granularity: types.GranularityDaily, Metrics: []string{metricBilled},
	})
	return c.wrap("GetCostAndUsage", err)
}

// probeTA lists the checks and reads one cost check's result: the two
// calls the sync makes.
func (c *Client) probeTA(ctx context.Context) error {
	checks, err := c.taChecks(ctx)
	if err != nil || len(checks) == 0 {
		return err
	}
	_, err = c.taResult(ctx, checks[0].ID)
	return err
}

func (c *Client) probeCE(ctx context.Context) error {
	_, err := c.ce.GetRightsizingRecommendation(ctx, &costexplorer.GetRightsizingRecommendationInput{
		Service: aws.String("AmazonEC2"), PageSize: 1,
	})
	if err != nil {
		return c.wrap("GetRightsizingRecommendation", err)
	}
	_, err = c.savingsPlans(ctx)
	return err
}
