package awssandbox

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	v4 "github.com/aws/aws-sdk-go-v2/aws/signer/v4"
)

// supportCall sends an AWSSupport_20130415 request signed with the SDK's
// own SigV4 signer (service/support is not available here) and decodes
// the answer into out, returning the status and X-Amzn-ErrorType.
func (e *env) supportCall(t *testing.T, creds aws.Credentials, op string, in, out any) (int, string) {
	t.Helper()
	body, _ := json.Marshal(in)
	req, err := http.NewRequest(http.MethodPost, e.srv.URL+"/", bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-amz-json-1.1")
	req.Header.Set("X-Amz-Target", "AWSSupport_20130415."+op)
	sum := sha256.Sum256(body)
	if err := v4.NewSigner().SignHTTP(ctx(), creds, req, hex.EncodeToString(sum[:]), "support", "us-east-1", time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, err := e.ca.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatalf("%s: %v", op, err)
	}
	return resp.StatusCode, resp.Header.Get("X-Amzn-ErrorType")
}

type checkResult struct {
	CheckID          string         `json:"checkId"`
	Status           string         `json:"status"`
	ResourcesSummary map[string]int `json:"resourcesSummary"`
	Category         struct {
		CostOptimizing struct {
			EstimatedMonthlySavings json.Number `json:"estimatedMonthlySavings"`
		} `json:"costOptimizing"`
	} `json:"categorySpecificSummary"`
	Flagged []struct {
		Metadata []string `json:"metadata"`
		Region   string   `json:"region"`
	} `json:"flaggedResources"`
}

func TestTrustedAdvisorChecksAndResults(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", "support:DescribeTrustedAdvisor*")
	creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	var checks struct {
		Checks []struct {
			ID, Name, Category string
			Metadata           []string
		} `json:"checks"`
	}
	if st, _ := e.supportCall(t, creds, "DescribeTrustedAdvisorChecks", map[string]string{"language": "en"}, &checks); st != 200 {
		t.Fatalf("checks: %d", st)
	}
	names := map[string]string{}
	for _, c := range checks.Checks {
		names[c.ID] = c.Name
		if c.ID == "Qch7DwouX1" && c.Metadata[1] != "Instance ID" {
			t.Fatalf("EC2 check metadata %v", c.Metadata)
		}
	}
	if names["Qch7DwouX1"] != "Low Utilization Amazon EC2 Instances" || names["Z4AUBRNSmz"] != "Unassociated Elastic IP Addresses" {
		t.Fatalf("checks %v", names)
	}
	var res struct{ Result checkResult }
	if st, _ := e.supportCall(t, creds, "DescribeTrustedAdvisorCheckResult", map[string]string{"checkId": "Qch7DwouX1", "language": "en"}, &res); st != 200 {
		t.Fatalf("result: %d", st)
	}
	r := res.Result
	if len(r.Flagged) == 0 || len(r.Flagged) != r.ResourcesSummary["resourcesFlagged"] {
		t.Fatalf("%d flagged rows, summary says %d", len(r.Flagged), r.ResourcesSummary["resourcesFlagged"])
	}
	var sum ratSum
	for _, f := range r.Flagged {
		sum.add(t, strings.TrimPrefix(f.Metadata[4], "$")) // Estimated Monthly Savings
	}
	if want := r.Category.CostOptimizing.EstimatedMonthlySavings.String(); !sum.equals(t, want) {
		t.Fatalf("rows save %s, summary says %s", sum.r.FloatString(2), want)
	}
	var sums struct {
		Summaries []struct {
			CheckID             string `json:"checkId"`
			HasFlaggedResources bool   `json:"hasFlaggedResources"`
		} `json:"summaries"`
	}
	e.supportCall(t, creds, "DescribeTrustedAdvisorCheckSummaries", map[string]any{"checkIds": []string{"hjLMh88uM8", "DAvU99Dc4C", "Ti39halfu8"}}, &sums)
	if len(sums.Summaries) != 3 || !sums.Summaries[0].HasFlaggedResources {
		t.Fatalf("summaries %+v", sums.Summaries)
	}
}

func TestTrustedAdvisorRefusals(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", "support:*")
	creds := aws.Credentials{AccessKeyID: id, SecretAccessKey: secret}
	decode := func(op string) (int, string, string) {
		var raw map[string]string
		st, header := e.supportCall(t, creds, op, map[string]string{"language": "en"}, &raw)
		return st, header, raw["message"] + "|" + raw["__type"]
	}
	for _, plan := range []string{PlanBasic, PlanDeveloper} {
		if err := e.aws.SetSupportPlan(payer, plan); err != nil {
			t.Fatal(err)
		}
		st, header, body := decode("DescribeTrustedAdvisorChecks")
		if st != 400 || header != "SubscriptionRequiredException" || !strings.HasSuffix(body, "#SubscriptionRequiredException") || !strings.Contains(body, "Premium Support Subscription is required") {
			t.Fatalf("%s plan: %d %s %s", plan, st, header, body)
		}
	}
	if err := e.aws.SetSupportPlan(payer, PlanEnterprise); err != nil {
		t.Fatal(err)
	}
	if err := e.aws.SetAllowed("arn:aws:iam::"+payer+":user/canopy", "ce:*"); err != nil {
		t.Fatal(err)
	}
	st, header, body := decode("DescribeTrustedAdvisorChecks")
	if st != 400 || !strings.HasPrefix(header, "AccessDeniedException:") || !strings.Contains(body, "is not authorized to perform: support:DescribeTrustedAdvisorChecks") {
		t.Fatalf("no support permission: %d %s %s", st, header, body)
	}
	creds.SecretAccessKey = "wrong" + secret[5:]
	if _, header, _ := decode("DescribeTrustedAdvisorChecks"); !strings.HasPrefix(header, "InvalidSignatureException") {
		t.Fatalf("bad secret: %s", header)
	}
}
