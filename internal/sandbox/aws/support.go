package awssandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"time"
)

// support is the AWSSupport_20130415 target's Trusted Advisor operations.
func (a *AWS) support() jsonService {
	return jsonService{
		iamPrefix: "support",
		throttle:  func() *apiError { return supportError("ThrottlingException", "Rate exceeded") },
		ops: map[string]jsonOp{
			"DescribeTrustedAdvisorChecks":         a.describeChecks,
			"DescribeTrustedAdvisorCheckResult":    a.describeCheckResult,
			"DescribeTrustedAdvisorCheckSummaries": a.describeCheckSummaries,
		},
	}
}

// premium refuses accounts without a Business or Enterprise support plan.
func (a *AWS) premium(acc *account) *apiError {
	a.mu.Lock()
	plan := acc.opts.SupportPlan
	a.mu.Unlock()
	if plan != PlanBusiness && plan != PlanEnterprise {
		return supportError("SubscriptionRequiredException", "Amazon Web Services Premium Support Subscription is required to use this service.")
	}
	return nil
}

type supportRequest struct {
	Language string   `json:"language"`
	CheckID  string   `json:"checkId"`
	CheckIDs []string `json:"checkIds"`
}

func (a *AWS) parseSupport(acc *account, body []byte) (*supportRequest, *apiError) {
	if e := a.premium(acc); e != nil {
		return nil, e
	}
	var in supportRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errf(http.StatusBadRequest, coralNS, "SerializationException", err.Error())
	}
	return &in, nil
}

func (a *AWS) describeChecks(_ *caller, acc *account, body []byte) (any, *apiError) {
	in, e := a.parseSupport(acc, body)
	if e != nil {
		return nil, e
	}
	if in.Language != "en" && in.Language != "ja" && in.Language != "" {
		return nil, supportError("InternalServerError", "Language "+in.Language+" is not supported")
	}
	checks := make([]map[string]any, 0, len(taChecks))
	for _, c := range taChecks {
		checks = append(checks, map[string]any{"id": c.id, "name": c.name, "description": c.description, "category": "cost_optimizing", "metadata": c.metadata})
	}
	return map[string]any{"checks": checks}, nil
}

func (a *AWS) describeCheckResult(_ *caller, acc *account, body []byte) (any, *apiError) {
	in, e := a.parseSupport(acc, body)
	if e != nil {
		return nil, e
	}
	c := findCheck(in.CheckID)
	if c == nil {
		return nil, supportError("InvalidParameterValueException", fmt.Sprintf("Check ID %q is not valid.", in.CheckID))
	}
	res, flagged := a.checkResult(acc, c)
	res["flaggedResources"] = flagged
	return map[string]any{"result": res}, nil
}

func (a *AWS) describeCheckSummaries(_ *caller, acc *account, body []byte) (any, *apiError) {
	in, e := a.parseSupport(acc, body)
	if e != nil {
		return nil, e
	}
	summaries := []map[string]any{}
	for _, id := range in.CheckIDs {
		c := findCheck(id)
		if c == nil {
			return nil, supportError("InvalidParameterValueException", fmt.Sprintf("Check ID %q is not valid.", id))
		}
		s, flagged := a.checkResult(acc, c)
		s["hasFlaggedResources"] = len(flagged) > 0
		summaries = append(summaries, s)
	}
	return map[string]any{"summaries": summaries}, nil
}

// checkResult is a check's summary for the account and its flagged rows,
// seeded per account; the check ran at 06:00 UTC today.
func (a *AWS) checkResult(acc *account, c *taCheck) (map[string]any, []map[string]any) {
	n := int(a.num(4, "ta", acc.ID, c.id)) + 1
	flagged := make([]map[string]any, 0, n)
	var savings int64
	for i := 0; i < n; i++ {
		region, cents, meta := c.row(a, acc.ID, fmt.Sprint(i))
		savings += cents
		flagged = append(flagged, map[string]any{
			"status": "warning", "region": region, "isSuppressed": false, "metadata": meta,
			"resourceId": hashHex(string(a.hash("ta-resource", acc.ID, c.id, fmt.Sprint(i))))[:43],
		})
	}
	processed := n + int(a.num(20, "ta-processed", acc.ID, c.id))
	ran := a.clock.Now().Truncate(24 * time.Hour).Add(6 * time.Hour)
	if ran.After(a.clock.Now()) {
		ran = ran.AddDate(0, 0, -1)
	}
	return map[string]any{
		"checkId": c.id, "timestamp": ran.Format("2006-01-02T15:04:05Z"), "status": "warning",
		"resourcesSummary": map[string]int{"resourcesProcessed": processed, "resourcesFlagged": n, "resourcesIgnored": 0, "resourcesSuppressed": 0},
		"categorySpecificSummary": map[string]any{"costOptimizing": map[string]any{
			"estimatedMonthlySavings": centsNumber(savings), "estimatedPercentMonthlySavings": json.Number("0.1"),
		}},
	}, flagged
}
