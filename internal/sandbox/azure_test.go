package sandbox_test

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armresources"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"

	sbxarm "github.com/canopyhq/canopy/internal/sandbox/arm"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

var ctx = context.Background()

func wantARMError(t *testing.T, err error, status int, code string) {
	t.Helper()
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != status || re.ErrorCode != code {
		t.Fatalf("want %d %s, got %v", status, code, err)
	}
}

func listSubscriptions(t *testing.T, cred azcore.TokenCredential, o *sandboxOpts) ([]string, error) {
	t.Helper()
	client, err := armsubscriptions.NewClient(cred, o.arm)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for p := client.NewListPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return names, err
		}
		for _, s := range page.Value {
			names = append(names, *s.DisplayName+"="+string(*s.State))
		}
	}
	return names, nil
}

// TestOnboardingThroughTheSDKs walks Canopy's Azure onboarding: admin
// consent, a delegated token for the Owner, a Reader assignment for the
// service principal where the user is Owner (refused where the user is
// Reader, and on the disabled subscription), then the service principal's
// own client-credentials token lists what it was given.
func TestOnboardingThroughTheSDKs(t *testing.T) {
	c := start(t)
	d := c.Demo
	got, _ := adminConsent(t, c, d.Admin.UPN, "accept")
	if got.Get("admin_consent") != "True" || got.Get("tenant") != d.Customer.ID || got.Get("state") != "st-123" {
		t.Fatalf("admin consent redirect: %v", got)
	}
	spID := c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	if spID == "" {
		t.Fatal("no service principal after admin consent")
	}
	tok := delegatedToken(t, c, d.Admin.UPN)
	at := tok["access_token"].(string)
	cl := claims(t, at)
	if cl["scp"] != "user_impersonation" || cl["aud"] != "https://management.azure.com/" || cl["idtyp"] != "user" || cl["upn"] != d.Admin.UPN || cl["tid"] != d.Customer.ID {
		t.Fatalf("delegated claims: %v", cl)
	}
	if idt := claims(t, tok["id_token"].(string)); idt["nonce"] != "n-1" || idt["aud"] != d.App.ClientID {
		t.Fatalf("id_token claims: %v", idt)
	}
	o := opts(c)
	user := staticToken(at)
	names, err := listSubscriptions(t, user, o)
	if err != nil || len(names) != 3 {
		t.Fatalf("the admin's subscriptions: %v %v", names, err)
	}
	assign := func(sub string) error {
		ra, _ := armauthorization.NewRoleAssignmentsClient(sub, user, o.arm)
		_, err := ra.Create(ctx, "/subscriptions/"+sub, "11111111-2222-4333-8444-"+strings.ReplaceAll(sub, "-", "")[:12], armauthorization.RoleAssignmentCreateParameters{
			Properties: &armauthorization.RoleAssignmentProperties{
				RoleDefinitionID: to.Ptr("/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + sbxarm.RoleReader),
				PrincipalID:      to.Ptr(spID), PrincipalType: to.Ptr(armauthorization.PrincipalTypeServicePrincipal)}}, nil)
		return err
	}
	if err := assign(d.Production.ID); err != nil {
		t.Fatalf("Owner assigns Reader: %v", err)
	}
	wantARMError(t, assign(d.Production.ID), 409, "RoleAssignmentExists")
	wantARMError(t, assign(d.Development.ID), 403, "AuthorizationFailed")
	wantARMError(t, assign(d.Legacy.ID), 409, "ReadOnlyDisabledSubscription")

	app := appCredential(t, c, d.Customer.ID, d.App.Secret)
	names, err = listSubscriptions(t, app, o)
	if err != nil || len(names) != 1 || names[0] != "Contoso Production=Enabled" {
		t.Fatalf("the service principal's subscriptions: %v %v", names, err)
	}
	// The app token carries the Graph roles granted by admin consent.
	gt, err := app.GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	if roles := claims(t, gt.Token)["roles"]; !strings.Contains(strings.Join(toStrings(roles), " "), "User.Read.All") {
		t.Fatalf("graph roles = %v", roles)
	}
}

func toStrings(v any) []string {
	var out []string
	if l, ok := v.([]any); ok {
		for _, x := range l {
			out = append(out, x.(string))
		}
	}
	return out
}

// TestRoleAssignmentErrorsAndListing covers PrincipalNotFound, the role
// definition filter, listing by principal and deletion.
func TestRoleAssignmentErrorsAndListing(t *testing.T) {
	c := start(t)
	d := c.Demo
	adminConsent(t, c, d.Admin.UPN, "accept")
	user := staticToken(delegatedToken(t, c, d.Admin.UPN)["access_token"].(string))
	o := opts(c)
	sub := d.Production.ID
	ra, _ := armauthorization.NewRoleAssignmentsClient(sub, user, o.arm)
	create := func(name, principal string) error {
		_, err := ra.Create(ctx, "/subscriptions/"+sub, name, armauthorization.RoleAssignmentCreateParameters{Properties: &armauthorization.RoleAssignmentProperties{
			RoleDefinitionID: to.Ptr("/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + sbxarm.RoleTagContributor),
			PrincipalID:      to.Ptr(principal)}}, nil)
		return err
	}
	wantARMError(t, create("0b5a6a38-8d1e-4f27-9d3d-5a8f3c2b1e01", "5f0c2c0e-0000-4000-8000-000000000000"), 400, "PrincipalNotFound")
	spID := c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	if err := create("0b5a6a38-8d1e-4f27-9d3d-5a8f3c2b1e02", spID); err != nil {
		t.Fatal(err)
	}
	var found int
	for p := ra.NewListForScopePager("/subscriptions/"+sub, &armauthorization.RoleAssignmentsClientListForScopeOptions{Filter: to.Ptr("principalId eq '" + spID + "'")}); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for _, a := range page.Value {
			if *a.Properties.PrincipalType != armauthorization.PrincipalTypeServicePrincipal || !strings.HasSuffix(*a.Properties.RoleDefinitionID, sbxarm.RoleTagContributor) {
				t.Fatalf("assignment %+v", *a.Properties)
			}
			found++
		}
	}
	if found != 1 {
		t.Fatalf("assignments of the service principal: %d", found)
	}
	defs, _ := armauthorization.NewRoleDefinitionsClient(user, o.arm)
	page, err := defs.NewListPager("/subscriptions/"+sub, &armauthorization.RoleDefinitionsClientListOptions{Filter: to.Ptr("roleName eq 'Reader'")}).NextPage(ctx)
	if err != nil || len(page.Value) != 1 || *page.Value[0].Name != sbxarm.RoleReader {
		t.Fatalf("role definitions: %v %v", page.Value, err)
	}
	if _, err := ra.Delete(ctx, "/subscriptions/"+sub, "0b5a6a38-8d1e-4f27-9d3d-5a8f3c2b1e02", nil); err != nil {
		t.Fatal(err)
	}
	_, err = ra.Get(ctx, "/subscriptions/"+sub, "0b5a6a38-8d1e-4f27-9d3d-5a8f3c2b1e02", nil)
	wantARMError(t, err, 404, "RoleAssignmentNotFound")
	perms, _ := armauthorization.NewPermissionsClient(sub, user, o.arm)
	pp, err := perms.NewListForResourceGroupPager(c.ARM.ResourceGroups(sub)[0].Name, nil).NextPage(ctx)
	if err != nil || len(pp.Value) != 1 || *pp.Value[0].Actions[0] != "*" {
		t.Fatalf("permissions of the Owner: %v %v", pp.Value, err)
	}
}

// TestTagsThroughTagsClient merges, replaces and deletes tags with Tag
// Contributor, and is refused with Reader only.
func TestTagsThroughTagsClient(t *testing.T) {
	c := start(t)
	d := c.Demo
	adminConsent(t, c, d.Admin.UPN, "accept")
	spID := c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	c.ARM.Assign(spID, sbxarm.RoleReader, "/subscriptions/"+d.Production.ID)
	c.ARM.Assign(spID, sbxarm.RoleTagContributor, "/subscriptions/"+d.Production.ID)
	c.ARM.Assign(spID, sbxarm.RoleReader, "/subscriptions/"+d.Development.ID)
	o := opts(c)
	cred := appCredential(t, c, d.Customer.ID, d.App.Secret)
	res := c.ARM.Resources(d.Production.ID)[0]
	tags, _ := armresources.NewTagsClient(d.Production.ID, cred, o.arm)
	patch := func(op armresources.TagsPatchOperation, m map[string]*string) map[string]*string {
		r, err := tags.UpdateAtScope(ctx, res.ID, armresources.TagsPatchResource{Operation: to.Ptr(op), Properties: &armresources.Tags{Tags: m}}, nil)
		if err != nil {
			t.Fatalf("%s: %v", op, err)
		}
		return r.Properties.Tags
	}
	got := patch(armresources.TagsPatchOperationMerge, map[string]*string{"canopy-team": to.Ptr("finops")})
	if got["canopy-team"] == nil || len(got) != len(res.Tags)+1 {
		t.Fatalf("after merge: %v (before %v)", got, res.Tags)
	}
	got = patch(armresources.TagsPatchOperationReplace, map[string]*string{"a": to.Ptr("1"), "b": to.Ptr("2")})
	if len(got) != 2 {
		t.Fatalf("after replace: %v", got)
	}
	got = patch(armresources.TagsPatchOperationDelete, map[string]*string{"a": to.Ptr("1")})
	if len(got) != 1 || *got["b"] != "2" {
		t.Fatalf("after delete: %v", got)
	}
	if _, err := tags.DeleteAtScope(ctx, res.ID, nil); err != nil {
		t.Fatal(err)
	}
	if r, err := tags.GetAtScope(ctx, res.ID, nil); err != nil || len(r.Properties.Tags) != 0 {
		t.Fatalf("after delete at scope: %v %v", r.Properties, err)
	}
	dev := c.ARM.Resources(d.Development.ID)[0]
	_, err := tags.UpdateAtScope(ctx, dev.ID, armresources.TagsPatchResource{Operation: to.Ptr(armresources.TagsPatchOperationMerge),
		Properties: &armresources.Tags{Tags: map[string]*string{"x": to.Ptr("y")}}}, nil)
	wantARMError(t, err, 403, "AuthorizationFailed")
	if !strings.Contains(err.Error(), "Microsoft.Resources/tags/write") {
		t.Fatalf("the refusal names the action: %v", err)
	}
	// Resources page through nextLink (page size 2 in these tests).
	rc, _ := armresources.NewClient(d.Production.ID, cred, o.arm)
	n := 0
	for p := rc.NewListPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			t.Fatal(err)
		}
		n += len(page.Value)
	}
	if n != len(c.ARM.Resources(d.Production.ID)) {
		t.Fatalf("paged %d resources, want %d", n, len(c.ARM.Resources(d.Production.ID)))
	}
}

// TestExpiredToken: after the sandbox clock passes the token's hour ARM
// answers 401 ExpiredAuthenticationToken; a credential then gets a new
// token whose hour starts at the new time.
func TestExpiredToken(t *testing.T) {
	c := start(t)
	d := c.Demo
	adminConsent(t, c, d.Admin.UPN, "accept")
	c.ARM.Assign(c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID), sbxarm.RoleReader, "/subscriptions/"+d.Production.ID)
	o := opts(c)
	if _, err := listSubscriptions(t, appCredential(t, c, d.Customer.ID, d.App.Secret), o); err != nil {
		t.Fatal(err)
	}
	tok, err := appCredential(t, c, d.Customer.ID, d.App.Secret).GetToken(ctx, policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com/.default"}})
	if err != nil {
		t.Fatal(err)
	}
	c.Clock.Advance(61 * time.Minute)
	_, err = listSubscriptions(t, staticToken(tok.Token), o)
	wantARMError(t, err, 401, "ExpiredAuthenticationToken")
	names, err := listSubscriptions(t, appCredential(t, c, d.Customer.ID, d.App.Secret), o)
	if err != nil || len(names) != 1 {
		t.Fatalf("with a fresh token: %v %v", names, err)
	}
}

// TestRevokedAndIncompleteConsent: the token endpoint refuses a revoked
// app with AADSTS700016 (named in azidentity's error), an incomplete
// consent yields tokens without the dropped roles, and a bad secret is
// AADSTS7000215.
func TestRevokedAndIncompleteConsent(t *testing.T) {
	c := start(t)
	d := c.Demo
	adminConsent(t, c, d.Admin.UPN, "accept")
	graph := policy.TokenRequestOptions{Scopes: []string{"https://graph.microsoft.com/.default"}}
	c.Entra.IncompleteConsent(d.Customer.ID, d.App.ClientID, "Reports.Read.All")
	tok, err := appCredential(t, c, d.Customer.ID, d.App.Secret).GetToken(ctx, graph)
	if err != nil {
		t.Fatal(err)
	}
	if roles := strings.Join(toStrings(claims(t, tok.Token)["roles"]), " "); strings.Contains(roles, "Reports.Read.All") || !strings.Contains(roles, "User.Read.All") {
		t.Fatalf("roles after incomplete consent: %s", roles)
	}
	_, err = appCredential(t, c, d.Customer.ID, "wrong").GetToken(ctx, graph)
	var af *azidentity.AuthenticationFailedError
	if !errors.As(err, &af) || !strings.Contains(err.Error(), "AADSTS7000215") {
		t.Fatalf("bad secret: %v", err)
	}
	c.Entra.RevokeConsent(d.Customer.ID, d.App.ClientID)
	_, err = appCredential(t, c, d.Customer.ID, d.App.Secret).GetToken(ctx, graph)
	if !errors.As(err, &af) || !strings.Contains(err.Error(), "AADSTS700016") {
		t.Fatalf("revoked consent: %v", err)
	}
}

// TestAdminConsentPage: the page lists the permissions by name and
// description; Cancel redirects with access_denied/AADSTS65004; a user who
// is not an admin gets AADSTS90094.
func TestAdminConsentPage(t *testing.T) {
	c := start(t)
	d := c.Demo
	got, page := adminConsent(t, c, d.Admin.UPN, "cancel")
	for _, want := range []string{"Read all users&#39; full profiles", "User.Read.All", "Access Azure Service Management as organization users", "user_impersonation", "Read all usage reports", "Canopy"} {
		if !strings.Contains(page, want) {
			t.Fatalf("consent page lacks %q:\n%s", want, page)
		}
	}
	if got.Get("error") != "access_denied" || !strings.HasPrefix(got.Get("error_description"), "AADSTS65004") || got.Get("state") != "st-123" {
		t.Fatalf("cancel redirect: %v", got)
	}
	if len(c.Entra.Consents(d.Customer.ID)) != 0 {
		t.Fatal("cancel granted something")
	}
	got, page = adminConsent(t, c, d.Member.UPN, "accept")
	if got != nil || !strings.Contains(page, "AADSTS90094") {
		t.Fatalf("non-admin: %v %s", got, page)
	}
}

// TestForgedTokenAndMissingAPIVersion: a token signed by another key is
// refused; a request without api-version is a 400.
func TestForgedTokenAndMissingAPIVersion(t *testing.T) {
	c := start(t)
	other, _ := sbx.NewIssuer(c.Clock)
	forged, _ := other.Sign(sbx.Claims{"aud": "https://management.azure.com/", "tid": c.Demo.Customer.ID, "oid": c.Demo.Admin.ObjectID,
		"exp": c.Clock.Now().Add(time.Hour).Unix()})
	_, err := listSubscriptions(t, staticToken(forged), opts(c))
	wantARMError(t, err, 401, "InvalidAuthenticationToken")
	req, _ := http.NewRequest(http.MethodGet, c.ARMURL+"/subscriptions", nil)
	req.Header.Set("Authorization", "Bearer "+forged)
	resp, err := c.CA.Client().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 400 {
		t.Fatalf("missing api-version: %d", resp.StatusCode)
	}
}

// TestConditionalAccessBlocksAppSignIns: while a conditional-access policy
// of the customer's tenant applies to Canopy's app, client-credentials
// sign-ins get AADSTS53003 (named in azidentity's error); other tenants and
// the app's sign-ins after the policy is lifted are not affected.
func TestConditionalAccessBlocksAppSignIns(t *testing.T) {
	c := start(t)
	d := c.Demo
	adminConsent(t, c, d.Admin.UPN, "accept")
	arm := policy.TokenRequestOptions{Scopes: []string{"https://management.azure.com/.default"}}
	c.Entra.BlockByConditionalAccess(d.Customer.ID, d.App.ClientID, true)
	_, err := appCredential(t, c, d.Customer.ID, d.App.Secret).GetToken(ctx, arm)
	var af *azidentity.AuthenticationFailedError
	if !errors.As(err, &af) || !strings.Contains(err.Error(), "AADSTS53003") || !strings.Contains(err.Error(), "Conditional Access") {
		t.Fatalf("blocked sign-in: %v", err)
	}
	if _, err := appCredential(t, c, d.ServiceTenant.ID, d.App.Secret).GetToken(ctx, arm); err != nil {
		t.Fatalf("the policy of one tenant blocks another: %v", err)
	}
	c.Entra.BlockByConditionalAccess(d.Customer.ID, d.App.ClientID, false)
	if _, err := appCredential(t, c, d.Customer.ID, d.App.Secret).GetToken(ctx, arm); err != nil {
		t.Fatalf("after the exclusion: %v", err)
	}
}
