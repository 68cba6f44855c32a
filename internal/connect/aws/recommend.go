package awsconn

import (
	"context"
	"fmt"
	"strings"

	"github.com/cockroachdb/apd/v3"
)

// Recommendation sources.
const (
	SourceTrustedAdvisor   = "trusted-advisor"
	SourceCERightsizing    = "cost-explorer-rightsizing"
	SourceCESavingsPlans   = "cost-explorer-savings-plans"
	ceDisabledCanopyReason = "Cost Explorer recommendations are switched off in this connection's settings in Canopy."
)

// Recommendation is one way to save money that AWS proposes.
type Recommendation struct {
	Source     string
	ID         string // stable across syncs for the same finding
	Check      string // Trusted Advisor check ID, rightsizing type (MODIFY|TERMINATE) or Savings Plans type
	AccountID  string
	ResourceID string
	Region     string
	Title      string
	Detail     string
	// EstimatedMonthlySavings is an exact decimal ("" when AWS gives none).
	EstimatedMonthlySavings string
	Currency                string
}

// RecOptions are the connection's recommendation settings in Canopy.
type RecOptions struct {
	// CostExplorer reads rightsizing and Savings Plans recommendations
	// (Cost Explorer API calls are billed by AWS, so it is a choice).
	CostExplorer bool
}

// Recommendations reads Trusted Advisor's cost-optimizing checks and,
// when opts.CostExplorer, Cost Explorer's rightsizing and Savings Plans
// recommendations. Refusals that are health states come back as issues
// (with whatever the other sources gave); any other failure is an error.
func (c *Client) Recommendations(ctx context.Context, opts RecOptions) ([]Recommendation, []HealthIssue, error) {
	res, err := c.ReadRecommendations(ctx, opts)
	return res.Recs, res.Issues, err
}

// RecResult is what ReadRecommendations read: the recommendations, the
// health issues, and the sources read completely (a source refused or
// switched off is not among them, so its stored findings must be kept).
type RecResult struct {
	Recs   []Recommendation
	Issues []HealthIssue
	Read   []string
}

// ReadRecommendations is Recommendations with the sources it read.
func (c *Client) ReadRecommendations(ctx context.Context, opts RecOptions) (RecResult, error) {
	id, err := c.Identity(ctx)
	if err != nil {
		return RecResult{}, err
	}
	var res RecResult
	ta, err := c.trustedAdvisor(ctx, id.AccountID)
	if is, ok := taIssue(err); ok {
		res.Issues = append(res.Issues, is)
	} else if err != nil {
		return RecResult{}, err
	} else {
		res.Read = append(res.Read, SourceTrustedAdvisor)
	}
	res.Recs = append(res.Recs, ta...)
	if !opts.CostExplorer {
		res.Issues = append(res.Issues, newIssue(HealthCEDisabledCanopy, ceDisabledCanopyReason))
		return res, nil
	}
	for _, src := range []struct {
		name string
		read func(context.Context) ([]Recommendation, error)
	}{{SourceCERightsizing, c.rightsizing}, {SourceCESavingsPlans, c.savingsPlans}} {
		got, err := src.read(ctx)
		if is, ok := ceIssue(err); ok {
			res.Issues = addIssue(res.Issues, is)
		} else if err != nil {
			return RecResult{}, err
		} else {
			res.Read = append(res.Read, src.name)
		}
		res.Recs = append(res.Recs, got...)
	}
	return res, nil
}

// money normalises an amount AWS sent as text ("$1,234.50", "12.3") to
// an exact decimal string; "" stays "".
func money(s string) (string, error) {
	s = strings.NewReplacer("$", "", ",", "").Replace(strings.TrimSpace(s))
	if s == "" {
		return "", nil
	}
	d, _, err := apd.NewFromString(s)
	if err != nil || d.Form != apd.Finite {
		return "", fmt.Errorf("amount %q is not a decimal number", s)
	}
	return d.Text('f'), nil
}
