package sandbox_test

import (
	"bytes"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	azarm "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/costmanagement/armcostmanagement/v2"
	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/credentials/stscreds"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	cetypes "github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/aws/aws-sdk-go-v2/service/sts"

	"github.com/canopyhq/canopy/internal/sandbox"
	sbxarm "github.com/canopyhq/canopy/internal/sandbox/arm"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// TestEveryServiceAnswers makes one real SDK call to each service Start
// serves: Entra (azidentity), ARM and Cost Management (armcostmanagement),
// reservations (azcore pipeline), Graph and Partner Center (azcore
// pipeline), AWS (STS AssumeRole + Cost Explorer) and the fault controls.
func TestEveryServiceAnswers(t *testing.T) {
	c := start(t)
	d := c.Demo
	c.Clock.Set(time.Now())
	if got, _ := adminConsent(t, c, d.Admin.UPN, "accept"); got.Get("admin_consent") != "True" {
		t.Fatalf("admin consent: %v", got)
	}
	sp := c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	c.ARM.Assign(sp, sbxarm.RoleReader, "/subscriptions/"+d.Production.ID)
	c.ARM.Assign(sp, sbxarm.RoleReservationsReader, "/providers/Microsoft.Capacity")
	cred := appCredential(t, c, d.Customer.ID, d.App.Secret)

	t.Run("cost management", func(t *testing.T) { costQuery(t, c, cred) })
	t.Run("reservations", func(t *testing.T) {
		body := armGet(t, c, cred, "/providers/Microsoft.Capacity/reservationOrders?api-version=2022-11-01")
		if !strings.Contains(body, "reservationOrders") {
			t.Fatalf("reservation orders: %s", body)
		}
	})
	t.Run("graph", func(t *testing.T) {
		body := rawGet(t, c, cred, "https://graph.microsoft.com/.default", c.GraphURL+"/v1.0/users?$top=5")
		if n := strings.Count(body, "userPrincipalName"); n != 5 {
			t.Fatalf("graph users page has %d users: %s", n, body)
		}
	})
	t.Run("partner center", func(t *testing.T) { partnerInvoices(t, c) })
	t.Run("aws", func(t *testing.T) { awsCosts(t, c) })
	t.Run("fault controls", func(t *testing.T) { faultControls(t, c) })
}

func costQuery(t *testing.T, c *sandbox.Cloud, cred azcore.TokenCredential) {
	qc, err := armcostmanagement.NewQueryClient(cred, opts(c).arm)
	if err != nil {
		t.Fatal(err)
	}
	from := time.Now().UTC().AddDate(0, 0, -10).Truncate(24 * time.Hour)
	def := armcostmanagement.QueryDefinition{
		Type: to.Ptr(armcostmanagement.ExportTypeActualCost), Timeframe: to.Ptr(armcostmanagement.TimeframeTypeCustom),
		TimePeriod: &armcostmanagement.QueryTimePeriod{From: to.Ptr(from), To: to.Ptr(from.AddDate(0, 0, 5))},
		Dataset: &armcostmanagement.QueryDataset{Granularity: to.Ptr(armcostmanagement.GranularityTypeDaily),
			Aggregation: map[string]*armcostmanagement.QueryAggregation{"totalCost": {Name: to.Ptr("Cost"), Function: to.Ptr(armcostmanagement.FunctionTypeSum)}}},
	}
	res, err := qc.Usage(ctx, "/subscriptions/"+c.Demo.Production.ID, def, nil)
	if err != nil {
		t.Fatal(err)
	}
	if res.Properties == nil || len(res.Properties.Rows) == 0 {
		t.Fatal("no cost rows")
	}
}

// armGet sends a GET through an ARM pipeline (azcore/arm.Client).
func armGet(t *testing.T, c *sandbox.Cloud, cred azcore.TokenCredential, pathAndQuery string) string {
	t.Helper()
	cl, err := azarm.NewClient("sandboxtest", "v0.0.1", cred, opts(c).arm)
	if err != nil {
		t.Fatal(err)
	}
	return send(t, cl.Pipeline(), c.ARMURL+pathAndQuery)
}

// rawGet sends a GET with a bearer token for scope through a plain azcore
// pipeline (Graph and Partner Center have no Go SDK in the module set).
func rawGet(t *testing.T, c *sandbox.Cloud, cred azcore.TokenCredential, scope, url string) string {
	t.Helper()
	pl := runtime.NewPipeline("sandboxtest", "v0.0.1", runtime.PipelineOptions{
		PerRetry: []policy.Policy{runtime.NewBearerTokenPolicy(cred, []string{scope}, nil)},
	}, &policy.ClientOptions{Transport: c.CA.Client(), Retry: policy.RetryOptions{MaxRetries: -1}})
	return send(t, pl, url)
}

func send(t *testing.T, pl runtime.Pipeline, url string) string {
	t.Helper()
	req, err := runtime.NewRequest(ctx, http.MethodGet, url)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := pl.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := runtime.Payload(resp)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s %v", url, resp.StatusCode, body, err)
	}
	return string(body)
}

// partnerInvoices lists the partner's invoices with a Partner Center
// token (minted by the sandbox's issuer, as Entra would issue it).
func partnerInvoices(t *testing.T, c *sandbox.Cloud) {
	now := c.Clock.Now()
	tok, err := c.Issuer.Sign(sbx.Claims{"aud": "https://api.partnercenter.microsoft.com", "tid": c.Demo.PartnerTenant.ID,
		"oid": c.Demo.PartnerAdmin.ObjectID, "scp": "user_impersonation", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	body := rawGet(t, c, staticToken(tok), "https://api.partnercenter.microsoft.com/.default", c.PartnerURL+"/v1/invoices")
	if !strings.Contains(body, `"totalCount"`) || len(c.Partner.Invoices(c.Demo.PartnerTenant.ID)) == 0 {
		t.Fatalf("invoices: %s", body)
	}
}

// awsCosts assumes the customer's read-only role as Canopy's user and
// reads a month of costs.
func awsCosts(t *testing.T, c *sandbox.Cloud) {
	a := c.Demo.AWS
	cfg := aws.Config{Region: "us-east-1", HTTPClient: c.CA.Client(), BaseEndpoint: aws.String(c.AWSURL),
		Credentials: credentials.NewStaticCredentialsProvider(a.AccessKeyID, a.SecretAccessKey, "")}
	role := stscreds.NewAssumeRoleProvider(sts.NewFromConfig(cfg), a.RoleARN, func(o *stscreds.AssumeRoleOptions) {
		o.ExternalID = aws.String(a.ExternalID)
	})
	cfg.Credentials = aws.NewCredentialsCache(role)
	end := c.Clock.Now().UTC().Truncate(24 * time.Hour)
	out, err := costexplorer.NewFromConfig(cfg).GetCostAndUsage(ctx, &costexplorer.GetCostAndUsageInput{
		Granularity: cetypes.GranularityMonthly, Metrics: []string{"UnblendedCost"},
		TimePeriod: &cetypes.DateInterval{Start: aws.String(end.AddDate(0, -1, 0).Format(time.DateOnly)), End: aws.String(end.Format(time.DateOnly))},
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(out.ResultsByTime) == 0 {
		t.Fatal("no cost results")
	}
}

// faultControls adds a fault over HTTP and reads a request count back.
func faultControls(t *testing.T, c *sandbox.Cloud) {
	hc := c.CA.Client()
	in, _ := json.Marshal(map[string]any{"service": "graph", "fault": map[string]any{"status": 503, "times": 1}})
	resp, err := hc.Post(c.FaultsURL, "application/json", bytes.NewReader(in))
	if err != nil || resp.StatusCode != http.StatusNoContent {
		t.Fatalf("add fault: %v %v", resp, err)
	}
	resp.Body.Close()
	c.Faults.Clear("graph")
	resp, err = hc.Get(c.FaultsURL + "?service=graph")
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("count: %v %v", resp, err)
	}
	var out struct{ Count int }
	_ = json.NewDecoder(resp.Body).Decode(&out)
	resp.Body.Close()
	if out.Count == 0 {
		t.Fatalf("graph request count = %d", out.Count)
	}
}
