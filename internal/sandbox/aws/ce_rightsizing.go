package awssandbox

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"
)

// rightsizingOptIn is the real refusal for accounts that have not enabled
// rightsizing recommendations in Cost Explorer's preferences.
const rightsizingOptIn = "Rightsizing EC2 recommendation is an opt-in only feature. You can enable this feature from the PAYER account’s Cost Explorer Preferences page. Normally it may take up to 24 hours in order to generate your rightsizing recommendations."

// instanceShape is an EC2 type with its on-demand rate (1e-10 USD an
// hour) and the next size down that rightsizing proposes.
type instanceShape struct {
	typ, vcpu, memory, target string
	rate                      int64
}

var shapes = map[string]instanceShape{
	"m5.2xlarge": {"m5.2xlarge", "8", "32 GiB", "m5.xlarge", 3_840_000_000},
	"m5.xlarge":  {"m5.xlarge", "4", "16 GiB", "m5.large", 1_920_000_000},
	"m5.large":   {"m5.large", "2", "8 GiB", "", 960_000_000},
	"c5.2xlarge": {"c5.2xlarge", "8", "16 GiB", "c5.xlarge", 3_400_000_000},
	"c5.xlarge":  {"c5.xlarge", "4", "8 GiB", "", 1_700_000_000},
	"r5.xlarge":  {"r5.xlarge", "4", "32 GiB", "r5.large", 2_520_000_000},
	"r5.large":   {"r5.large", "2", "16 GiB", "", 1_260_000_000},
}

var oversized = []string{"m5.2xlarge", "m5.xlarge", "c5.2xlarge", "r5.xlarge"}

type rightsizingRequest struct {
	Service       string          `json:"Service"`
	Configuration json.RawMessage `json:"Configuration,omitempty"`
	Filter        *expression     `json:"Filter,omitempty"`
	PageSize      int             `json:"PageSize,omitempty"`
	NextPageToken string          `json:"NextPageToken,omitempty"`
}

func (a *AWS) getRightsizingRecommendation(_ *caller, acc *account, body []byte) (any, *apiError) {
	if e := a.ceEnabled(acc); e != nil {
		return nil, e
	}
	a.mu.Lock()
	optedIn := acc.opts.RightsizingEnabled
	a.mu.Unlock()
	if !optedIn {
		return nil, errf(http.StatusBadRequest, "com.amazonaws.costexplorer", "AccessDeniedException", rightsizingOptIn)
	}
	var in rightsizingRequest
	if err := json.Unmarshal(body, &in); err != nil {
		return nil, errf(http.StatusBadRequest, coralNS, "SerializationException", err.Error())
	}
	if in.Service != "AmazonEC2" {
		return nil, validation("Service " + in.Service + " is not supported. Supported services: AmazonEC2")
	}
	recs, savings, current := a.rightsizing(acc)
	size := in.PageSize
	if size <= 0 {
		size = 5 // small, so that callers page
	}
	token := in.NextPageToken
	in.NextPageToken, in.PageSize = "", size
	fp, _ := json.Marshal(in)
	_, offset, e := a.resume(token, hashHex(string(fp))[:16])
	if e != nil {
		return nil, e
	}
	end := min(offset+size, len(recs))
	out := a.rightsizingPage(acc, recs[min(offset, end):end], len(recs), savings, current)
	if end < len(recs) {
		t, _ := json.Marshal(pageToken{Offset: end, Fingerprint: hashHex(string(fp))[:16], AsOf: a.clock.Now().Format(time.DateOnly)})
		out["NextPageToken"] = base64.RawURLEncoding.EncodeToString(t)
	}
	return out, nil
}

// rightsizingPage is one page of recommendations with the summary of all.
func (a *AWS) rightsizingPage(acc *account, page []map[string]any, total int, savings, current int64) map[string]any {
	now := a.clock.Now()
	return map[string]any{
		"Metadata": map[string]any{
			"RecommendationId":     sbxID(a, "rightsizing", acc.ID, now.Format(time.DateOnly)),
			"GenerationTimestamp":  now.Truncate(24 * time.Hour).Format(time.RFC3339),
			"LookbackPeriodInDays": "FOURTEEN_DAYS",
		},
		"Summary": map[string]string{
			"TotalRecommendationCount":           strconv.Itoa(total),
			"EstimatedTotalMonthlySavingsAmount": formatAmount(savings),
			"SavingsCurrencyCode":                "USD",
			"SavingsPercentage":                  percent(savings, current),
		},
		"RightsizingRecommendations": page,
		"Configuration":              map[string]any{"RecommendationTarget": "SAME_INSTANCE_FAMILY", "BenefitsConsidered": true},
	}
}

// rightsizing lists the seeded recommendations of every linked account,
// with their total monthly savings and the instances' current monthly cost.
func (a *AWS) rightsizing(acc *account) (recs []map[string]any, savings, current int64) {
	for _, linked := range acc.LinkedAccounts {
		n := 2 + a.num(3, "instances", linked)
		for i := int64(0); i < n; i++ {
			rec, saved, cost := a.rightsizingRec(linked, i)
			recs = append(recs, rec)
			savings += saved
			current += cost
		}
	}
	return recs, savings, current
}

func (a *AWS) rightsizingRec(linked string, i int64) (map[string]any, int64, int64) {
	id := fmt.Sprintf("%d", i)
	shape := shapes[oversized[a.num(uint64(len(oversized)), "shape", linked, id)]]
	monthly := shape.rate * 730
	cpu := 2 + a.num(30, "cpu", linked, id)
	current := map[string]any{
		"ResourceId": "i-0" + hashHex(string(a.hash("instance", linked, id)))[:16], "InstanceName": "app-" + id,
		"Tags": []any{}, "MonthlyCost": formatAmount(monthly), "CurrencyCode": "USD",
		"ResourceDetails":               ec2Details(shape),
		"ResourceUtilization":           map[string]any{"EC2ResourceUtilization": map[string]string{"MaxCpuUtilizationPercentage": strconv.FormatInt(cpu, 10)}},
		"OnDemandHoursInLookbackPeriod": "336", "TotalRunningHoursInLookbackPeriod": "336",
		"ReservationCoveredHoursInLookbackPeriod": "0", "SavingsPlansCoveredHoursInLookbackPeriod": "0",
	}
	rec := map[string]any{"AccountId": linked, "CurrentInstance": current}
	if a.num(4, "terminate", linked, id) == 0 {
		rec["RightsizingType"], rec["FindingReasonCodes"] = "TERMINATE", []string{"CPU_OVER_PROVISIONED"}
		rec["TerminateRecommendationDetail"] = map[string]string{"EstimatedMonthlySavings": formatAmount(monthly), "CurrencyCode": "USD"}
		return rec, monthly, monthly
	}
	target := shapes[shape.target]
	saved := monthly - target.rate*730
	rec["RightsizingType"], rec["FindingReasonCodes"] = "MODIFY", []string{"CPU_OVER_PROVISIONED", "MEMORY_OVER_PROVISIONED"}
	rec["ModifyRecommendationDetail"] = map[string]any{"TargetInstances": []any{map[string]any{
		"EstimatedMonthlyCost": formatAmount(target.rate * 730), "EstimatedMonthlySavings": formatAmount(saved),
		"CurrencyCode": "USD", "DefaultTargetInstance": true, "ResourceDetails": ec2Details(target),
		"ExpectedResourceUtilization": map[string]any{"EC2ResourceUtilization": map[string]string{"MaxCpuUtilizationPercentage": strconv.FormatInt(cpu*2, 10)}},
		"PlatformDifferences":         []string{},
	}}}
	return rec, saved, monthly
}

func ec2Details(s instanceShape) map[string]any {
	return map[string]any{"EC2ResourceDetails": map[string]string{
		"HourlyOnDemandRate": formatAmount(s.rate), "InstanceType": s.typ, "Platform": "Linux/UNIX",
		"Region": "US East (N. Virginia)", "Vcpu": s.vcpu, "Memory": s.memory,
		"NetworkPerformance": "Up to 10 Gigabit", "Storage": "EBS only",
	}}
}

// percent is part/whole × 100 with two decimals, as a string.
func percent(part, whole int64) string {
	if whole == 0 {
		return "0"
	}
	return formatDecimal(part*10000/whole, 100)
}

func sbxID(a *AWS, parts ...string) string {
	h := hashHex(string(a.hash(parts...)))
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}
