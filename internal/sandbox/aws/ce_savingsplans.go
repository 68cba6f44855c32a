package awssandbox

import (
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"
)

type savingsPlansRequest struct {
	SavingsPlansType     string      `json:"SavingsPlansType"`
	TermInYears          string      `json:"TermInYears"`
	PaymentOption        string      `json:"PaymentOption"`
	LookbackPeriodInDays string      `json:"LookbackPeriodInDays"`
	AccountScope         string      `json:"AccountScope,omitempty"`
	Filter               *expression `json:"Filter,omitempty"`
	NextPageToken        string      `json:"NextPageToken,omitempty"`
}

var lookbackDays = map[string]int{"SEVEN_DAYS": 7, "THIRTY_DAYS": 30, "SIXTY_DAYS": 60}

func (in *savingsPlansRequest) validate() *apiError {
	enum := func(field, v string, set ...string) *apiError {
		if slices.Contains(set, v) {
			return nil
		}
		return validation("1 validation error detected: Value '" + v + "' at '" + field + "' failed to satisfy constraint: Member must satisfy enum value set: [" + strings.Join(set, ", ") + "]")
	}
	for _, e := range []*apiError{
		enum("savingsPlansType", in.SavingsPlansType, "COMPUTE_SP", "EC2_INSTANCE_SP", "SAGEMAKER_SP", "DATABASE_SP"),
		enum("termInYears", in.TermInYears, "ONE_YEAR", "THREE_YEARS"),
		enum("paymentOption", in.PaymentOption, "NO_UPFRONT", "PARTIAL_UPFRONT", "ALL_UPFRONT"),
		enum("lookbackPeriodInDays", in.LookbackPeriodInDays, "SEVEN_DAYS", "THIRTY_DAYS", "SIXTY_DAYS"),
		enum("accountScope", in.AccountScope, "PAYER", "LINKED"),
	} {
		if e != nil {
			return e
		}
	}
	return nil
}

func (a *AWS) getSavingsPlansPurchaseRecommendation(_ *caller, acc *account, body []byte) (any, *apiError) {
	if e := a.ceEnabled(acc); e != nil {
		return nil, e
	}
	var in savingsPlansRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errf(http.StatusBadRequest, coralNS, "SerializationException", err.Error())
	}
	if in.AccountScope == "" {
		in.AccountScope = "PAYER"
	}
	if e := in.validate(); e != nil {
		return nil, e
	}
	now := a.clock.Now()
	details, summary := a.savingsPlanDetails(acc, &in, now.Truncate(24*time.Hour))
	rec := map[string]any{
		"AccountScope": in.AccountScope, "SavingsPlansType": in.SavingsPlansType, "TermInYears": in.TermInYears,
		"PaymentOption": in.PaymentOption, "LookbackPeriodInDays": in.LookbackPeriodInDays,
		"SavingsPlansPurchaseRecommendationDetails": details,
	}
	if summary != nil {
		rec["SavingsPlansPurchaseRecommendationSummary"] = summary
	}
	return map[string]any{
		"Metadata": map[string]string{
			"RecommendationId":    sbxID(a, "savingsplans", acc.ID, in.SavingsPlansType, in.TermInYears, in.PaymentOption, in.LookbackPeriodInDays, now.Format(time.DateOnly)),
			"GenerationTimestamp": now.Truncate(24 * time.Hour).Format(time.RFC3339),
			"AdditionalMetadata":  "",
		},
		"SavingsPlansPurchaseRecommendation": rec,
	}, nil
}

// discount is the seeded Savings Plans rate off on-demand, per mille.
func discount(in *savingsPlansRequest) int64 {
	d := map[string]int64{"ONE_YEAR": 280, "THREE_YEARS": 460}[in.TermInYears]
	if in.SavingsPlansType == "EC2_INSTANCE_SP" {
		d += 70
	}
	return d + map[string]int64{"NO_UPFRONT": 0, "PARTIAL_UPFRONT": 20, "ALL_UPFRONT": 30}[in.PaymentOption]
}

// savingsPlanDetails recommends committing to 70 % of the lookback's
// average hourly EC2 compute spend, per linked account (LINKED) or for
// the payer.
func (a *AWS) savingsPlanDetails(acc *account, in *savingsPlansRequest, today time.Time) ([]map[string]string, map[string]string) {
	if in.SavingsPlansType == "SAGEMAKER_SP" || in.SavingsPlansType == "DATABASE_SP" {
		return []map[string]string{}, nil
	}
	spend := a.computeSpend(acc, today.AddDate(0, 0, -lookbackDays[in.LookbackPeriodInDays]), today)
	scopes := acc.LinkedAccounts
	if in.AccountScope == "PAYER" {
		var total int64
		for _, v := range spend {
			total += v
		}
		spend, scopes = map[string]int64{acc.ID: total}, []string{acc.ID}
	}
	hours := int64(lookbackDays[in.LookbackPeriodInDays] * 24)
	var details []map[string]string
	var sumCommit, sumSaved, sumOnDemand int64
	for _, id := range scopes {
		hourly := spend[id] / hours
		commit := hourly * 70 / 100
		covered := commit * 1000 / (1000 - discount(in)) // on-demand spend the commitment covers
		saved := (covered - commit) * 730
		sumCommit, sumSaved, sumOnDemand = sumCommit+commit, sumSaved+saved, sumOnDemand+hourly*730
		details = append(details, map[string]string{
			"AccountId": id, "CurrencyCode": "USD", "HourlyCommitmentToPurchase": formatAmount(commit),
			"CurrentAverageHourlyOnDemandSpend": formatAmount(hourly), "EstimatedMonthlySavingsAmount": formatAmount(saved),
			"EstimatedSavingsPercentage": percent(saved, hourly*730), "EstimatedAverageUtilization": "100",
			"EstimatedSPCost": formatAmount(commit * 730), "UpfrontCost": "0",
			"RecommendationDetailId": sbxID(a, "spdetail", id, in.SavingsPlansType, in.TermInYears),
		})
	}
	return details, map[string]string{
		"CurrencyCode": "USD", "HourlyCommitmentToPurchase": formatAmount(sumCommit),
		"EstimatedMonthlySavingsAmount": formatAmount(sumSaved), "CurrentOnDemandSpend": formatAmount(sumOnDemand),
		"EstimatedSavingsPercentage": percent(sumSaved, sumOnDemand), "TotalRecommendationCount": strconv.Itoa(len(details)),
		"DailyCommitmentToPurchase": formatAmount(sumCommit * 24),
	}
}

// computeSpend sums EC2 compute and Lambda cost per linked account over [from, to).
func (a *AWS) computeSpend(acc *account, from, to time.Time) map[string]int64 {
	a.mu.Lock()
	lines := a.seriesFor(acc)
	a.mu.Unlock()
	out := map[string]int64{}
	for i := range lines {
		s := &lines[i]
		if s.service != "Amazon Elastic Compute Cloud - Compute" && s.service != "AWS Lambda" {
			continue
		}
		for d := from; d.Before(to); d = d.AddDate(0, 0, 1) {
			out[s.account] += a.dailyCost(s, d, to)
		}
	}
	return out
}
