package sandbox_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	armruntime "github.com/Azure/azure-sdk-for-go/sdk/azcore/arm/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	sbxarm "github.com/canopyhq/canopy/internal/sandbox/arm"
)

// TestPartnerAdminLink links, reads, moves and removes a partner ID through
// an azcore ARM pipeline (armmanagementpartner is not available here).
func TestPartnerAdminLink(t *testing.T) {
	c := start(t)
	d := c.Demo
	adminConsent(t, c, d.Admin.UPN, "accept")
	o := opts(c)
	pl, err := armruntime.NewPipeline("armmanagementpartner", "v0.0.0", appCredential(t, c, d.Customer.ID, d.App.Secret), runtime.PipelineOptions{}, o.arm)
	if err != nil {
		t.Fatal(err)
	}
	call := func(method, id string) (int, map[string]any) {
		req, err := runtime.NewRequest(ctx, method, c.ARMURL+"/providers/Microsoft.ManagementPartner/partners/"+id+"?api-version=2018-02-01")
		if err != nil {
			t.Fatal(err)
		}
		resp, err := pl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var body map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&body)
		return resp.StatusCode, body
	}
	if st, body := call(http.MethodPut, "1234567"); st != 200 || body["properties"].(map[string]any)["partnerId"] != "1234567" {
		t.Fatalf("link: %d %v", st, body)
	}
	if st, body := call(http.MethodPatch, "7654321"); st != 200 || body["name"] != "7654321" {
		t.Fatalf("update: %d %v", st, body)
	}
	spID := c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	if got := c.ARM.Partner(d.Customer.ID, spID); got != "7654321" {
		t.Fatalf("linked partner = %q", got)
	}
	if st, _ := call(http.MethodDelete, "7654321"); st != 200 {
		t.Fatalf("unlink: %d", st)
	}
	if st, body := call(http.MethodGet, ""); st != 404 {
		t.Fatalf("after unlink: %d %v", st, body)
	}
	if st, _ := call(http.MethodPut, "not-an-id"); st != 400 {
		t.Fatalf("bad partner ID: %d", st)
	}
}

// TestTenantAudienceAndDisabled: a token from another tenant, a token for
// another audience, and writes to a disabled subscription are refused
// with ARM's codes; the disabled subscription still answers reads.
func TestTenantAudienceAndDisabled(t *testing.T) {
	c := start(t)
	d := c.Demo
	o := opts(c)
	home := appCredential(t, c, d.ServiceTenant.ID, d.App.Secret)
	subs, _ := armsubscriptions.NewClient(home, o.arm)
	_, err := subs.Get(ctx, d.Production.ID, nil)
	wantARMError(t, err, 401, "InvalidAuthenticationTokenTenant")

	adminConsent(t, c, d.Admin.UPN, "accept")
	spID := c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	c.ARM.Assign(spID, sbxarm.RoleOwner, "/subscriptions/"+d.Legacy.ID)
	cred := appCredential(t, c, d.Customer.ID, d.App.Secret)
	graphTok, err := cred.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	subsGraph, _ := armsubscriptions.NewClient(staticToken(graphTok.Token), o.arm)
	_, err = subsGraph.Get(ctx, d.Legacy.ID, nil)
	wantARMError(t, err, 401, "InvalidAuthenticationTokenAudience")

	subs, _ = armsubscriptions.NewClient(cred, o.arm)
	got, err := subs.Get(ctx, d.Legacy.ID, nil)
	if err != nil || *got.State != armsubscriptions.SubscriptionStateDisabled {
		t.Fatalf("disabled subscription read: %v %v", got, err)
	}
	tags, _ := armresources.NewTagsClient(d.Legacy.ID, cred, o.arm)
	_, err = tags.CreateOrUpdateAtScope(ctx, "/subscriptions/"+d.Legacy.ID, armresources.TagsResource{Properties: &armresources.Tags{Tags: map[string]*string{"a": to.Ptr("b")}}}, nil)
	wantARMError(t, err, 409, "ReadOnlyDisabledSubscription")
	c.ARM.SetState(d.Legacy.ID, sbxarm.StateEnabled)
	if _, err = tags.CreateOrUpdateAtScope(ctx, "/subscriptions/"+d.Legacy.ID, armresources.TagsResource{Properties: &armresources.Tags{Tags: map[string]*string{"a": to.Ptr("b")}}}, nil); err != nil {
		t.Fatalf("after enabling: %v", err)
	}
}

// TestDiscoveryDocuments checks what MSAL and token validators fetch.
func TestDiscoveryDocuments(t *testing.T) {
	c := start(t)
	get := func(path string) (int, map[string]any) {
		resp, err := c.CA.Client().Get(c.EntraURL + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var m map[string]any
		_ = json.NewDecoder(resp.Body).Decode(&m)
		return resp.StatusCode, m
	}
	tid := c.Demo.Customer.ID
	st, doc := get("/contoso.onmicrosoft.com/v2.0/.well-known/openid-configuration")
	if st != 200 || doc["issuer"] != c.EntraURL+"/"+tid+"/v2.0" || doc["token_endpoint"] != c.EntraURL+"/"+tid+"/oauth2/v2.0/token" {
		t.Fatalf("v2 config: %d %v", st, doc)
	}
	if st, doc = get("/common/.well-known/openid-configuration"); st != 200 || !strings.HasSuffix(doc["jwks_uri"].(string), "/common/discovery/keys") {
		t.Fatalf("v1 config: %d %v", st, doc)
	}
	if st, doc = get("/" + tid + "/discovery/v2.0/keys"); st != 200 || len(doc["keys"].([]any)) != 1 {
		t.Fatalf("keys: %d %v", st, doc)
	}
	if st, doc = get("/nosuch.onmicrosoft.com/v2.0/.well-known/openid-configuration"); st != 400 || doc["error"] != "invalid_tenant" {
		t.Fatalf("unknown tenant: %d %v", st, doc)
	}
}

// TestCodeAndRefreshGrants: PKCE is checked, a code is redeemed once, a
// refresh token gives a token for another resource and dies with the
// consent.
func TestCodeAndRefreshGrants(t *testing.T) {
	c := start(t)
	d := c.Demo
	adminConsent(t, c, d.Admin.UPN, "accept")
	code := func() (string, string) {
		verifier := strings.Repeat("v", 43)
		sum := sha256.Sum256([]byte(verifier))
		q := url.Values{"client_id": {d.App.ClientID}, "response_type": {"code"}, "redirect_uri": {redirectURI},
			"scope": {"https://management.azure.com/.default offline_access"}, "state": {"x"},
			"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
		loc, page := newBrowser(t, c, d.Admin.UPN).walk(c.EntraURL+"/"+d.Customer.ID+"/oauth2/v2.0/authorize?"+q.Encode(), "accept", nil)
		u, err := url.Parse(loc)
		if err != nil || u.Query().Get("code") == "" {
			t.Fatalf("authorize: %s %s", loc, page)
		}
		return u.Query().Get("code"), verifier
	}
	form := func(code, verifier string) url.Values {
		return url.Values{"grant_type": {"authorization_code"}, "client_id": {d.App.ClientID}, "client_secret": {d.App.Secret},
			"code": {code}, "redirect_uri": {redirectURI}, "code_verifier": {verifier}, "scope": {"https://management.azure.com/.default offline_access"}}
	}
	k, _ := code()
	if st, body := postToken(t, c, d.Customer.ID, form(k, "wrong-verifier")); st != 400 || !strings.HasPrefix(body["error_description"].(string), "AADSTS501481") {
		t.Fatalf("PKCE mismatch: %d %v", st, body)
	}
	k, v := code()
	st, body := postToken(t, c, d.Customer.ID, form(k, v))
	if st != 200 || body["refresh_token"] == nil {
		t.Fatalf("code redeem: %d %v", st, body)
	}
	if st, body := postToken(t, c, d.Customer.ID, form(k, v)); st != 400 || body["error_codes"].([]any)[0].(float64) != 54005 {
		t.Fatalf("code reuse: %d %v", st, body)
	}
	refresh := url.Values{"grant_type": {"refresh_token"}, "client_id": {d.App.ClientID}, "client_secret": {d.App.Secret},
		"refresh_token": {body["refresh_token"].(string)}, "scope": {"https://graph.microsoft.com/User.Read offline_access"}}
	st, body = postToken(t, c, d.Customer.ID, refresh)
	if st != 200 || claims(t, body["access_token"].(string))["scp"] != "User.Read" {
		t.Fatalf("refresh for Graph: %d %v", st, body)
	}
	c.Entra.RevokeConsent(d.Customer.ID, d.App.ClientID)
	refresh.Set("refresh_token", body["refresh_token"].(string))
	if st, body = postToken(t, c, d.Customer.ID, refresh); st != 400 || !strings.Contains(body["error_description"].(string), "AADSTS700016") {
		t.Fatalf("refresh after revocation: %d %v", st, body)
	}
}

// TestUserConsentAndConsentRequired: without admin consent an ordinary user
// sees a consent page for the delegated scope; once the scope is dropped
// from the grant, the refresh token gets AADSTS65001.
func TestUserConsentAndConsentRequired(t *testing.T) {
	c := start(t)
	d := c.Demo
	q := url.Values{"client_id": {d.App.ClientID}, "response_type": {"code"}, "redirect_uri": {redirectURI},
		"scope": {"https://management.azure.com/user_impersonation offline_access"}, "state": {"u"}}
	var page string
	loc, stop := newBrowser(t, c, d.Member.UPN).walk(c.EntraURL+"/common/oauth2/v2.0/authorize?"+q.Encode(), "accept", func(p string) { page = p })
	if !strings.Contains(page, "Access Azure Service Management as organization users") || strings.Contains(page, "User.Read.All") {
		t.Fatalf("user consent page: %s", page)
	}
	u, err := url.Parse(loc)
	if err != nil || u.Query().Get("code") == "" {
		t.Fatalf("authorize: %s %s", loc, stop)
	}
	st, body := postToken(t, c, "common", url.Values{"grant_type": {"authorization_code"}, "client_id": {d.App.ClientID},
		"client_secret": {d.App.Secret}, "code": {u.Query().Get("code")}, "redirect_uri": {redirectURI}})
	if st != 200 {
		t.Fatalf("redeem: %d %v", st, body)
	}
	c.Entra.IncompleteConsent(d.Customer.ID, d.App.ClientID, "https://management.azure.com/user_impersonation")
	st, body = postToken(t, c, "common", url.Values{"grant_type": {"refresh_token"}, "client_id": {d.App.ClientID},
		"client_secret": {d.App.Secret}, "refresh_token": {body["refresh_token"].(string)}, "scope": {"https://management.azure.com/user_impersonation"}})
	if st != 400 || !strings.HasPrefix(body["error_description"].(string), "AADSTS65001") {
		t.Fatalf("after the scope was dropped: %d %v", st, body)
	}
}
