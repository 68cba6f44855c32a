package azbilling

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/cloud"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/costmanagement/armcostmanagement/v2"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

const (
	tenantID = "11111111-1111-4111-8111-111111111111"
	subA     = "aaaaaaaa-0000-4000-8000-000000000001"
	subB     = "bbbbbbbb-0000-4000-8000-000000000002"
	armAud   = "https://management.azure.com"
)

// testAuth verifies tokens from the test's issuer and grants roles from a
// map: object ID -> scope -> role name ("Reader", "Reservations Reader").
type testAuth struct {
	is    *sbx.Issuer
	roles map[string]map[string]string
}

func (a *testAuth) Check(r *http.Request, scope, action string) (sbx.Claims, *sbx.AuthError) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	if !ok {
		return nil, &sbx.AuthError{Status: 401, Code: "AuthenticationFailed", Message: "Authentication failed. The 'Authorization' header is missing."}
	}
	c, err := a.is.Verify(tok, armAud)
	if err != nil {
		return nil, &sbx.AuthError{Status: 401, Code: "InvalidAuthenticationToken", Message: err.Error()}
	}
	oid := c.String("oid")
	for s, role := range a.roles[oid] {
		if strings.HasPrefix(strings.ToLower(scope), strings.ToLower(s)) && grants(role, action) {
			return c, nil
		}
	}
	return nil, &sbx.AuthError{Status: 403, Code: "AuthorizationFailed", Message: "The client '" + oid + "' with object id '" + oid +
		"' does not have authorization to perform action '" + action + "' over scope '" + scope + "' or the scope is invalid."}
}

func grants(role, action string) bool {
	switch role {
	case "Reader":
		return strings.HasSuffix(strings.ToLower(action), "/read")
	case "Reservations Reader":
		return strings.HasPrefix(strings.ToLower(action), "microsoft.capacity/") && strings.HasSuffix(strings.ToLower(action), "/read")
	}
	return false
}

type staticCred string

func (c staticCred) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	return azcore.AccessToken{Token: string(c), ExpiresOn: time.Now().Add(time.Hour)}, nil
}

func fixture() StaticSource {
	rid := func(sub, rg, typ, name string) string {
		return "/subscriptions/" + sub + "/resourceGroups/" + rg + "/providers/" + typ + "/" + name
	}
	res := func(sub, rg, typ, name, sku string, tags map[string]string) Resource {
		return Resource{ID: rid(sub, rg, typ, name), Name: name, Type: typ, Location: "westeurope", ResourceGroup: rg, Tags: tags, SKU: sku}
	}
	vm := "Microsoft.Compute/virtualMachines"
	return StaticSource{
		Subs: []Subscription{
			{ID: subA, TenantID: tenantID, DisplayName: "Production", BillingCurrency: "USD"},
			{ID: subB, TenantID: tenantID, DisplayName: "Research", BillingCurrency: "EUR"},
		},
		Res: map[string][]Resource{
			subA: {
				res(subA, "prod", vm, "vm-web-1", "Standard_D2s_v3", map[string]string{"env": "prod", "costcenter": "100"}),
				res(subA, "prod", vm, "vm-batch-1", "Standard_D4s_v3", map[string]string{"env": "batch"}),
				res(subA, "prod", "Microsoft.Compute/disks", "disk-web-1", "", map[string]string{"env": "prod"}),
				res(subA, "prod", "Microsoft.Storage/storageAccounts", "stprod1", "", nil),
				res(subA, "prod", "Microsoft.Network/virtualNetworks", "vnet-prod", "", nil),
				res(subA, "dev", vm, "vm-dev-1", "Standard_D2s_v3", map[string]string{"env": "dev"}),
				res(subA, "dev", "Microsoft.Sql/servers/databases", "sqldev/db1", "", map[string]string{"env": "dev"}),
				res(subA, "dev", "Microsoft.Compute/disks", "disk-old", "", nil),
			},
			subB: {
				res(subB, "lab", vm, "vm-lab-1", "Standard_E4s_v3", map[string]string{"env": "lab"}),
				res(subB, "lab", "Microsoft.Network/publicIPAddresses", "pip-lab", "", nil),
			},
		},
	}
}

// env is one billing server with its clock, issuer and roles.
type env struct {
	b     *Billing
	clock *sbx.Clock
	is    *sbx.Issuer
	auth  *testAuth
	ca    *sbx.CA
	url   string
}

var now = time.Date(2026, 11, 20, 10, 0, 0, 0, time.UTC)

func newEnv(t *testing.T) *env {
	t.Helper()
	clock := &sbx.Clock{}
	clock.Set(now)
	is, err := sbx.NewIssuer(clock)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := sbx.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	auth := &testAuth{is: is, roles: map[string]map[string]string{
		"reader":  {"/subscriptions/" + subA: "Reader"},
		"resread": {"/providers/Microsoft.Capacity": "Reservations Reader"},
	}}
	b := New(Options{Seed: 42, Clock: clock, Auth: auth, Resources: fixture()})
	srv, err := sbx.Serve(ca, sbx.NewFaults(), "azbilling", sbx.WriteARMError, b.Handler())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	return &env{b: b, clock: clock, is: is, auth: auth, ca: ca, url: srv.URL}
}

func (e *env) token(t *testing.T, oid string) staticCred {
	tok, err := e.is.Sign(sbx.Claims{"aud": armAud, "oid": oid, "tid": tenantID, "exp": e.clock.Now().Add(time.Hour).Unix()})
	if err != nil {
		t.Fatal(err)
	}
	return staticCred(tok)
}

func (e *env) armOptions() *arm.ClientOptions {
	return &arm.ClientOptions{ClientOptions: azcore.ClientOptions{
		Cloud: cloud.Configuration{ActiveDirectoryAuthorityHost: "https://login.invalid/",
			Services: map[cloud.ServiceName]cloud.ServiceConfiguration{
				cloud.ResourceManager: {Endpoint: e.url, Audience: armAud}}},
		Transport: e.ca.Client(),
		Retry:     policy.RetryOptions{MaxRetries: -1},
	}, DisableRPRegistration: true}
}

func (e *env) queryClient(t *testing.T, oid string) *armcostmanagement.QueryClient {
	c, err := armcostmanagement.NewQueryClient(e.token(t, oid), e.armOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (e *env) armClient(t *testing.T, oid string) *arm.Client {
	c, err := arm.NewClient("azbillingtest", "v0.0.1", e.token(t, oid), e.armOptions())
	if err != nil {
		t.Fatal(err)
	}
	return c
}
