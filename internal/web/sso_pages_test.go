package web

import (
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/sso"
)

func ssoSamplePages() []pageCase {
	l := sampleLayout(NavSettingsSSO)
	l.Can["settings.manage"] = true
	azure := sso.Connection{ID: "sso_az", Kind: sso.KindAzureAD, Name: "Contoso Entra ID", Enabled: true, Domains: []string{"contoso.test"},
		Settings:  json.RawMessage(`{"client_id":"app-1","tenant_id":"72f988bf-86f1-41af-91ab-2d7cd011db47","endpoint":"v2"}`),
		HasSecret: true, GroupRoles: []sso.GroupRole{{Group: "FinOps", Role: "finops"}}, JIT: true, JITRole: "viewer",
		CallbackURL: "https://canopy.test/login/callback?connection=sso_az", Claims: sso.ClaimMapping{Email: []string{"mail"}}}
	saml := sso.Connection{ID: "sso_saml", Kind: sso.KindSAML, Name: "Later SAML", Domains: []string{"saml.test"},
		Settings: json.RawMessage(`{"metadata_url":"https://idp.saml.test/md"}`)}
	ping := sso.Connection{ID: "sso_pf", Kind: sso.KindPingFederate, Name: "Ping", Domains: []string{"ping.test"}, SyncRoles: true,
		Settings:    json.RawMessage(`{"pingfederate_url":"https://pf.test:9031","binding":"post","name_id_format":"email","allow_idp_initiated":true}`),
		MetadataURL: "https://canopy.test/login/metadata?connection=sso_pf", Warnings: []string{sso.WarnIdPInitiated},
		SPCerts: []sso.SPCertificate{{Use: sso.SPKeyCurrent, SHA256: "AA:BB", NotAfter: time.Date(2036, 1, 2, 0, 0, 0, 0, time.UTC)},
			{Use: sso.SPKeyNext, SHA256: "CC:DD", NotAfter: time.Date(2036, 5, 6, 0, 0, 0, 0, time.UTC)}}}
	newForm := SSOForm{Kind: sso.KindOIDC, JITRole: "viewer"}
	newForm.fillDefaults()
	return []pageCase{
		{SSOPage{Layout: l, Connections: []sso.Connection{azure, saml}, Selected: &azure, Form: ssoFormOf(azure), Kinds: sso.Kinds,
			Roles: roleOptions(), Callback: azure.CallbackURL,
			Test: &SSOTestResult{ConnectionID: "sso_az", Identity: sso.Identity{Subject: "tid/oid", Email: "ann@contoso.test", DisplayName: "Ann Lee",
				Groups: []string{"FinOps"}}, Claims: []SSOClaim{{"email", "ann@contoso.test"}, {"groups", `["FinOps"]`}}}},
			[]string{`href="/settings/sso/sso_az"`, `Microsoft Entra ID (Azure AD)`, `contoso.test`, `id="sso-callback">https://canopy.test/login/callback?connection=sso_az`,
				`name="tenant_id" type="text" value="72f988bf-86f1-41af-91ab-2d7cd011db47"`, `FinOps = finops`, `action="/settings/sso/sso_az/test"`,
				`Test connection`, `id="sso-test-email">ann@contoso.test`, `<code>groups</code>`, `name="claim_email" type="text" value="mail"`,
				`Leave empty to keep the current one.`, `Later SAML`, `SAML 2.0`}},
		{SSOPage{Layout: l, New: true, Form: newForm, Kinds: sso.Kinds, Roles: roleOptions(),
			FormErrors: FormErrors{FieldErrors: FieldErrors{"domains": "\"x y\" is not an email domain", "issuer": "Enter the issuer URL"}}},
			[]string{`action="/settings/sso"`, `id="sso-domains-error"`, `id="sso-issuer-error"`, `placeholder="email, upn, sub"`, `Add a connection`}},
		{SSOPage{Layout: l, Connections: []sso.Connection{ping}, Selected: &ping, Form: ssoFormOf(ping), Kinds: sso.Kinds,
			Roles: roleOptions(), Metadata: ping.MetadataURL, FormErrors: FormErrors{FieldErrors: FieldErrors{"certificates": "The identity provider's certificates: no PEM"}}},
			[]string{`name="pingfederate_url" type="text" value="https://pf.test:9031"`, `<option value="post" selected>HTTP-POST</option>`,
				`<option value="email" selected>Email address</option>`, `id="sso-certificates-error"`, `aria-invalid="true"`,
				`id="sso-allow_idp_initiated" name="allow_idp_initiated" type="checkbox" value="on" aria-describedby="sso-allow_idp_initiated-warn" checked`,
				`<strong>Warning:</strong> IdP-initiated sign-in is allowed`, `name="sync_roles" type="checkbox" value="on" aria-describedby="sso-sync_roles-hint" checked`,
				`<dt data-use="next">New (published, not used yet)</dt>`, `<code>CC:DD</code>, valid until 2036-05-06`,
				`action="/settings/sso/sso_pf/sp-key/activate"`, `Activate new certificate`, `action="/settings/sso/sso_pf/test"`}},
		{SSOContinuePage{URL: "https://idp.test/authorize?a=1&b=2", Provider: "Corp IdP"},
			[]string{`content="0;url=https://idp.test/authorize?a=1&amp;b=2"`, `href="https://idp.test/authorize?a=1&amp;b=2"`, `Continue to Corp IdP`}},
		{SSOPostPage{Action: "https://idp.test/sso", Fields: []SSOPostField{{Name: "RelayState", Value: "r&1"}, {Name: "SAMLRequest", Value: "PHgvPg=="}},
			Provider: "Corp SAML", Title: "Continue to Corp SAML"},
			[]string{`action="https://idp.test/sso" id="sso-post" data-autosubmit`, `name="RelayState" value="r&amp;1"`,
				`name="SAMLRequest" value="PHgvPg=="`, `Continue to Corp SAML`}},
		{SSOSignOutPage{Title: "Signing you out", URL: "https://idp.test/logout?a=1&b=2", Provider: "Corp IdP"},
			[]string{`content="0;url=https://idp.test/logout?a=1&amp;b=2"`, `href="https://idp.test/logout?a=1&amp;b=2"`,
				`You are signed out of Canopy.`, `Continue to Corp IdP`}},
		{SSOSignOutPage{Title: "Signing you out", Action: "https://idp.test/slo", Fields: []SSOPostField{{Name: "SAMLRequest", Value: "PHgvPg=="}},
			Provider: "Corp SAML"},
			[]string{`action="https://idp.test/slo" id="sso-signout-post" data-autosubmit`, `name="SAMLRequest" value="PHgvPg=="`}},
		{SignedOutPage{Provider: "Corp IdP", Confirmed: true}, []string{`You are signed out of Canopy and of Corp IdP.`}},
		{SignedOutPage{Provider: "Corp SAML", Problem: "status"},
			[]string{`id="signed-out-problem"`, `Corp SAML did not confirm that it ended its own session (status)`}},
		{SignedOutPage{}, []string{`<p>You are signed out of Canopy.</p>`}},
	}
}
