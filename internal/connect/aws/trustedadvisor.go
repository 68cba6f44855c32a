package awsconn

import (
	"context"
	"fmt"
	"strings"
)

// taCostCategory is the Trusted Advisor category of cost checks.
const taCostCategory = "cost_optimizing"

type taCheck struct {
	ID       string   `json:"id"`
	Name     string   `json:"name"`
	Category string   `json:"category"`
	Metadata []string `json:"metadata"`
}

type taFlagged struct {
	Status       string   `json:"status"`
	Region       string   `json:"region"`
	ResourceID   string   `json:"resourceId"`
	IsSuppressed bool     `json:"isSuppressed"`
	Metadata     []string `json:"metadata"`
}

// taChecks lists the cost-optimizing checks (DescribeTrustedAdvisorChecks).
func (c *Client) taChecks(ctx context.Context) ([]taCheck, error) {
	var out struct {
		Checks []taCheck `json:"checks"`
	}
	if err := c.support.call(ctx, "DescribeTrustedAdvisorChecks", map[string]string{"language": "en"}, &out); err != nil {
		return nil, c.wrap("DescribeTrustedAdvisorChecks", err)
	}
	var cost []taCheck
	for _, ch := range out.Checks {
		if ch.Category == taCostCategory {
			cost = append(cost, ch)
		}
	}
	return cost, nil
}

func (c *Client) taResult(ctx context.Context, checkID string) ([]taFlagged, error) {
	var out struct {
		Result struct {
			FlaggedResources []taFlagged `json:"flaggedResources"`
		} `json:"result"`
	}
	in := map[string]string{"checkId": checkID, "language": "en"}
	if err := c.support.call(ctx, "DescribeTrustedAdvisorCheckResult", in, &out); err != nil {
		return nil, c.wrap("DescribeTrustedAdvisorCheckResult", err)
	}
	return out.Result.FlaggedResources, nil
}

// trustedAdvisor reads every flagged resource of the cost checks.
func (c *Client) trustedAdvisor(ctx context.Context, account string) ([]Recommendation, error) {
	checks, err := c.taChecks(ctx)
	if err != nil {
		return nil, err
	}
	var recs []Recommendation
	for _, ch := range checks {
		flagged, err := c.taResult(ctx, ch.ID)
		if err != nil {
			return nil, err
		}
		for _, f := range flagged {
			if f.IsSuppressed || f.Status == "ok" {
				continue
			}
			r, err := taRecommendation(account, ch, f)
			if err != nil {
				return nil, fmt.Errorf("aws trusted advisor, check %s: %w", ch.ID, err)
			}
			recs = append(recs, r)
		}
	}
	return recs, nil
}

func taRecommendation(account string, ch taCheck, f taFlagged) (Recommendation, error) {
	col := func(match func(string) bool) string {
		for i, h := range ch.Metadata {
			if i < len(f.Metadata) && match(h) && f.Metadata[i] != "" {
				return f.Metadata[i]
			}
		}
		return ""
	}
	savings, err := money(firstOf(
		col(func(h string) bool { return strings.HasPrefix(h, "Estimated Monthly Savings") }),
		col(func(h string) bool { return h == "Monthly Storage Cost" })))
	if err != nil {
		return Recommendation{}, err
	}
	r := Recommendation{
		Source: SourceTrustedAdvisor, ID: ch.ID + "/" + f.ResourceID, Check: ch.ID, AccountID: account,
		ResourceID: firstOf(col(func(h string) bool { return strings.HasSuffix(h, " ID") }),
			col(func(h string) bool { return strings.HasSuffix(h, " Name") }),
			col(func(h string) bool { return h == "IP Address" }), f.ResourceID),
		Region: f.Region, Title: ch.Name, Detail: taDetail(ch.Metadata, f.Metadata), EstimatedMonthlySavings: savings,
	}
	if savings != "" {
		r.Currency = "USD" // Trusted Advisor states savings in US dollars
	}
	return r, nil
}

// taDetail lists the check's columns for the resource, without the
// per-day columns of the EC2 utilisation check.
func taDetail(headers, values []string) string {
	var parts []string
	for i, h := range headers {
		if i >= len(values) || values[i] == "" || strings.HasPrefix(h, "Day ") {
			continue
		}
		parts = append(parts, h+": "+values[i])
	}
	return strings.Join(parts, "; ")
}

func firstOf(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}
