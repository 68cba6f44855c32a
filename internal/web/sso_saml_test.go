package web_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/saml/samltest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A SAML connection's SP metadata is public at /login/metadata (the
// identity provider reads it) and linked from its settings page; other
// kinds and unknown connections have none.
func TestSAMLMetadataPublished(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newSSOFixture(t, db)
		ctx := context.Background()
		idp := samltest.New(t, "sam@saml.test", "Sam", "Smith")
		p, err := f.svc.LoadPrincipal(ctx, f.users["owner-a@example.com"].ID, f.orgs["A"].ID)
		if err != nil {
			t.Fatal(err)
		}
		settings, _ := json.Marshal(sso.SAMLSettings{MetadataURL: idp.URL + "/metadata", AllowIdPInitiated: true})
		svc := &sso.Service{Store: f.st, Vault: f.svc.Vault, BaseURL: f.srv.URL}
		c, err := svc.CreateConnection(ctx, p, audit.Actor{}, sso.Input{Kind: sso.KindSAML, Name: "Corp SAML",
			Domains: []string{"saml.test"}, Settings: settings})
		if err != nil {
			t.Fatal(err)
		}
		resp, err := http.Get(f.srv.URL + "/login/metadata?connection=" + c.ID)
		if err != nil {
			t.Fatal(err)
		}
		md, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/samlmetadata+xml" ||
			!strings.Contains(string(md), `entityID="urn:canopy:`+c.ID+`"`) {
			t.Fatalf("metadata: %d %s %s", resp.StatusCode, resp.Header.Get("Content-Type"), md)
		}
		idp.Register(t, md)
		for _, id := range []string{f.conn.ID, "sso_nope"} {
			if code, _ := f.do(f.client(""), http.MethodGet, "/login/metadata?connection="+id, nil); code != http.StatusNotFound {
				t.Errorf("metadata of %s: %d", id, code)
			}
		}
		code, body := f.do(f.client("owner-a@example.com"), http.MethodGet, "/settings/sso/"+c.ID, nil)
		if code != http.StatusOK || !strings.Contains(body, `id="sso-metadata" href="`+f.srv.URL+`/login/metadata?connection=`+c.ID+`"`) ||
			!strings.Contains(body, "IdP-initiated sign-in is allowed") {
			t.Fatalf("settings page: %d %s", code, body)
		}
		// A wrong SAML setting is shown beside its own field, and what was
		// typed stays.
		for field, value := range map[string]string{"binding": "artifact", "certificates": "not a certificate",
			"metadata_url": "ftp://idp.example.com/md", "name_id_format": "kerberos"} {
			form := url.Values{"kind": {"saml"}, "name": {"Bad"}, "sign_in_url": {"https://idp.example.com/sso"},
				"certificates": {idp.CertPEM()}}
			form.Set(field, value)
			code, body = f.do(f.client("owner-a@example.com"), http.MethodPost, "/settings/sso", form)
			if code != http.StatusBadRequest || !strings.Contains(body, `id="sso-`+field+`-error"`) ||
				!strings.Contains(body, `id="sso-sign_in_url" name="sign_in_url" type="text" value="https://idp.example.com/sso"`) {
				t.Fatalf("bad %s: %d %s", field, code, body)
			}
		}
		// The form's fields make the connection's settings.
		code, _ = f.do(f.client("owner-a@example.com"), http.MethodPost, "/settings/sso", url.Values{"kind": {"pingfederate"},
			"name": {"Ping by hand"}, "pingfederate_url": {"https://pf.example.com:9031/"}, "idp_entity_id": {"pf-entity"},
			"certificates": {idp.CertPEM()}, "signature_algorithm": {"rsa-sha1"}, "binding": {"post"}, "name_id_format": {"persistent"},
			"allow_idp_initiated": {"on"}, "sync_roles": {"on"}, "group_roles": {"FinOps = finops"}, "local_sign_out": {"on"}})
		if code != http.StatusSeeOther {
			t.Fatalf("create by form: %d", code)
		}
		list, err := svc.Connections(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		var ping sso.Connection
		for _, c := range list {
			if c.Name == "Ping by hand" {
				ping = c
			}
		}
		var st sso.SAMLSettings
		_ = json.Unmarshal(ping.Settings, &st)
		if st.PingFederateURL != "https://pf.example.com:9031" || st.IdPEntityID != "pf-entity" || st.SignatureAlgorithm != "rsa-sha1" ||
			st.Binding != "post" || st.NameIDFormat != "persistent" || !st.AllowIdPInitiated || !ping.SyncRoles ||
			!strings.Contains(st.Certificates, "BEGIN CERTIFICATE") || st.SingleLogout == nil || *st.SingleLogout {
			t.Fatalf("settings from the form: %+v sync %v", st, ping.SyncRoles)
		}
		code, body = f.do(f.client("owner-a@example.com"), http.MethodGet, "/settings/sso/"+ping.ID, nil)
		if code != http.StatusOK || !strings.Contains(body, `id="sso-pingfederate_url" name="pingfederate_url" type="text" value="https://pf.example.com:9031"`) ||
			!strings.Contains(body, `<option value="post" selected>`) || !strings.Contains(body, `<option value="persistent" selected>`) ||
			!strings.Contains(body, `id="sso-sync_roles" name="sync_roles" type="checkbox" value="on" aria-describedby="sso-sync_roles-hint" checked`) ||
			!strings.Contains(body, `id="sso-local_sign_out" name="local_sign_out" type="checkbox" value="on" aria-describedby="sso-local_sign_out-hint" checked`) {
			t.Fatalf("form of the saved connection: %d %s", code, body)
		}
	})
}

// samlFixture is the SSO fixture plus a SAML identity provider (crewjam's,
// on loopback) and an enabled SAML connection of org A for saml.test, whose
// member is sam@saml.test.
type samlFixture struct {
	*ssoFixture
	idp   *samltest.IdP
	saml  sso.Connection
	owner *sso.Service
}

func newSAMLFixture(t *testing.T, db *store.DB) (*samlFixture, *auth.Principal) {
	f := &samlFixture{ssoFixture: newSSOFixture(t, db)}
	ctx := context.Background()
	f.idp = samltest.New(t, "sam@saml.test", "Sam", "Smith", "finops")
	now := domain.Now()
	sam := domain.User{ID: domain.NewID(domain.PrefixUser), Email: "sam@saml.test", Status: domain.UserActive, CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateUser(ctx, sam); err != nil {
		t.Fatal(err)
	}
	if err := f.st.AddMember(ctx, f.orgs["A"].ID, sam.ID, []domain.RoleGrant{{Role: auth.RoleViewer}}, now); err != nil {
		t.Fatal(err)
	}
	p, err := f.svc.LoadPrincipal(ctx, f.users["owner-a@example.com"].ID, f.orgs["A"].ID)
	if err != nil {
		t.Fatal(err)
	}
	f.owner = &sso.Service{Store: f.st, Vault: f.svc.Vault, BaseURL: f.srv.URL}
	on := true
	settings, _ := json.Marshal(sso.SAMLSettings{MetadataURL: f.idp.URL + "/metadata"})
	f.saml, err = f.owner.CreateConnection(ctx, p, audit.Actor{}, sso.Input{Kind: sso.KindSAML, Name: "Corp SAML", Enabled: &on,
		Domains: []string{"saml.test"}, Settings: settings})
	if err != nil {
		t.Fatal(err)
	}
	md, err := f.owner.SPMetadata(ctx, f.saml.ID)
	if err != nil {
		t.Fatal(err)
	}
	f.idp.Register(t, md)
	return f, p
}

var samlField = regexp.MustCompile(`name="(SAMLResponse|RelayState|resume)" value="([^"]*)"`)
var samlAction = regexp.MustCompile(`<form method="post" action="([^"]*)"`)

// form reads the hidden SAML fields and the action of an auto-posting form.
func samlForm(t *testing.T, resp *http.Response) (string, url.Values) {
	t.Helper()
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("no form: %d %s", resp.StatusCode, b)
	}
	v := url.Values{}
	for _, m := range samlField.FindAllStringSubmatch(string(b), -1) {
		v.Set(m[1], html.UnescapeString(m[2]))
	}
	m := samlAction.FindStringSubmatch(string(b))
	if m == nil || v.Get("SAMLResponse") == "" {
		t.Fatalf("no SAML form in %s", b)
	}
	return html.UnescapeString(m[1]), v
}

// postBack posts the identity provider's response to the callback as the
// IdP's page would, then the re-post from Canopy's own page, and returns
// the final status, location and body.
func (f *samlFixture) postBack(c *http.Client, action string, fields url.Values) (int, string, string) {
	f.t.Helper()
	if !strings.HasPrefix(action, f.srv.URL+"/login/callback?connection=") {
		f.t.Fatalf("response posted to %s", action)
	}
	resp, err := c.PostForm(action, fields)
	if err != nil {
		f.t.Fatal(err)
	}
	again, v := samlForm(f.t, resp)
	if v.Get("resume") != "1" || v.Get("SAMLResponse") != fields.Get("SAMLResponse") || !strings.HasPrefix(again, "/login/callback?connection=") {
		f.t.Fatalf("re-post page: %s %v", again, v)
	}
	resp, err = c.PostForm(f.srv.URL+again, v)
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Location"), string(b)
}

// viaSAML posts the email step and returns the IdP's response form.
func (f *samlFixture) viaSAML(c *http.Client, email string) (string, url.Values) {
	f.t.Helper()
	resp, err := c.PostForm(f.srv.URL+"/signin", url.Values{"email": {email}, "next": {"/settings"}})
	if err != nil {
		f.t.Fatal(err)
	}
	to := continueURL(f.t, resp)
	if u, _ := url.Parse(to); !strings.HasPrefix(to, f.idp.URL+"/sso?") || u.Query().Get("SAMLRequest") == "" ||
		u.Query().Get("Signature") == "" || u.Query().Get("RelayState") == "" {
		f.t.Fatalf("email step sends to %s", to)
	}
	resp, err = c.Get(to)
	if err != nil {
		f.t.Fatal(err)
	}
	return samlForm(f.t, resp)
}

func (f *samlFixture) idpInitiated() (string, url.Values) {
	f.t.Helper()
	resp, err := http.Get(f.idp.URL + "/idp-initiated")
	if err != nil {
		f.t.Fatal(err)
	}
	return samlForm(f.t, resp)
}

// ssoFailures lists the reasons of the audited refused sign-ins.
func (f *samlFixture) ssoFailures() []string {
	var out []string
	_ = f.st.ScanAudit(context.Background(), func(ev domain.AuditEvent) error {
		if ev.Action == "user.sso_failed" {
			var d struct{ Reason string }
			_ = json.Unmarshal([]byte(ev.Details), &d)
			out = append(out, d.Reason)
		}
		return nil
	})
	return out
}

// SAML sign-in over HTTP against crewjam's IdP: the email step sends a
// signed AuthnRequest, the posted response signs the member in like OIDC
// does; a replayed response, an unsolicited one (IdP-initiated off), a
// replayed unsolicited one (the database replay cache) and one signed
// with a key the connection does not trust are refused with their
// audited reasons.
func TestSAMLSignInFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f, owner := newSAMLFixture(t, db)
		ctx := context.Background()
		c := f.client("")
		action, fields := f.viaSAML(c, "Sam@saml.test")
		code, loc, body := f.postBack(c, action, fields)
		if code != http.StatusSeeOther || loc != "/settings" {
			t.Fatalf("callback: %d %q %s", code, loc, body)
		}
		if code, body := f.do(c, http.MethodGet, "/settings", nil); code != http.StatusOK || !strings.Contains(body, "Org A") {
			t.Fatalf("signed in: %d", code)
		}
		var signins []string
		_ = f.st.ScanAudit(ctx, func(ev domain.AuditEvent) error {
			if ev.Action == "user.signin" && strings.Contains(ev.Details, f.saml.ID) {
				signins = append(signins, ev.Details)
			}
			return nil
		})
		if len(signins) != 1 || !strings.Contains(signins[0], `"method":"sso"`) {
			t.Fatalf("sign-in audit %v", signins)
		}

		// The same response again, in another browser: its sign-in was
		// used, so it answers no request of this browser.
		if code, _, _ := f.postBack(f.client(""), action, fields); code != http.StatusUnauthorized {
			t.Fatalf("replayed response: %d", code)
		}
		// Unsolicited while IdP-initiated sign-in is off.
		ua, uf := f.idpInitiated()
		if code, _, _ := f.postBack(f.client(""), ua, uf); code != http.StatusUnauthorized {
			t.Fatalf("unsolicited: %d", code)
		}
		if got := f.ssoFailures(); len(got) != 2 || got[0] != "in_response_to" || got[1] != "unsolicited" {
			t.Fatalf("audited reasons %v", got)
		}

		// Allowed: an unsolicited response signs in once; the replay cache
		// in the database refuses it the second time.
		on := true
		settings, _ := json.Marshal(sso.SAMLSettings{MetadataURL: f.idp.URL + "/metadata", AllowIdPInitiated: true})
		if _, err := f.owner.UpdateConnection(ctx, owner, audit.Actor{}, f.saml.ID, sso.Input{Name: "Corp SAML", Enabled: &on,
			Domains: []string{"saml.test"}, Settings: settings}); err != nil {
			t.Fatal(err)
		}
		ua, uf = f.idpInitiated()
		if code, loc, body := f.postBack(f.client(""), ua, uf); code != http.StatusSeeOther || loc != "/" {
			t.Fatalf("IdP-initiated: %d %q %s", code, loc, body)
		}
		if code, _, _ := f.postBack(f.client(""), ua, uf); code != http.StatusUnauthorized {
			t.Fatalf("replayed IdP-initiated: %d", code)
		}
		if got := f.ssoFailures(); len(got) != 3 || got[2] != "replayed" {
			t.Fatalf("audited reasons %v", got)
		}

		// Configured by hand with a certificate the IdP does not sign with.
		_, other := samltest.KeyPair(t, "not the IdP")
		settings, _ = json.Marshal(sso.SAMLSettings{SignInURL: f.idp.URL + "/sso", Certificates: samltest.CertPEM(other)})
		if _, err := f.owner.UpdateConnection(ctx, owner, audit.Actor{}, f.saml.ID, sso.Input{Name: "Corp SAML", Enabled: &on,
			Domains: []string{"saml.test"}, Settings: settings}); err != nil {
			t.Fatal(err)
		}
		c = f.client("")
		action, fields = f.viaSAML(c, "sam@saml.test")
		if code, _, body := f.postBack(c, action, fields); code != http.StatusUnauthorized || !strings.Contains(body, "Single sign-on did not work") {
			t.Fatalf("wrong signature: %d %s", code, body)
		}
		if got := f.ssoFailures(); len(got) != 4 || got[3] != "signature_invalid" {
			t.Fatalf("audited reasons %v", got)
		}
	})
}

// The POST binding: the email step answers with a form posting the signed
// AuthnRequest to the IdP; "Test connection" of an administrator shows
// the claims of the SAML response and signs nobody in.
func TestSAMLPostBindingAndTestConnection(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f, owner := newSAMLFixture(t, db)
		ctx := context.Background()
		on := true
		settings, _ := json.Marshal(sso.SAMLSettings{MetadataURL: f.idp.URL + "/metadata", Binding: sso.SAMLBindingPost})
		if _, err := f.owner.UpdateConnection(ctx, owner, audit.Actor{}, f.saml.ID, sso.Input{Name: "Corp SAML", Enabled: &on,
			Domains: []string{"saml.test"}, Settings: settings}); err != nil {
			t.Fatal(err)
		}
		c := f.client("")
		resp, err := c.PostForm(f.srv.URL+"/signin", url.Values{"email": {"sam@saml.test"}})
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		req := regexp.MustCompile(`name="(SAMLRequest|RelayState)" value="([^"]*)"`).FindAllStringSubmatch(string(b), -1)
		if resp.StatusCode != http.StatusOK || !strings.Contains(string(b), `action="`+f.idp.URL+`/sso" id="sso-post" data-autosubmit`) || len(req) != 2 {
			t.Fatalf("email step: %d %s", resp.StatusCode, b)
		}
		form := url.Values{}
		for _, m := range req {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
		resp, err = c.PostForm(f.idp.URL+"/sso", form)
		if err != nil {
			t.Fatal(err)
		}
		action, fields := samlForm(t, resp)
		if code, loc, body := f.postBack(c, action, fields); code != http.StatusSeeOther || loc != "/" {
			t.Fatalf("callback: %d %q %s", code, loc, body)
		}

		admin := f.client("owner-a@example.com")
		resp, err = admin.PostForm(f.srv.URL+"/settings/sso/"+f.saml.ID+"/test", nil)
		if err != nil {
			t.Fatal(err)
		}
		b, _ = io.ReadAll(resp.Body)
		resp.Body.Close()
		form = url.Values{}
		for _, m := range regexp.MustCompile(`name="(SAMLRequest|RelayState)" value="([^"]*)"`).FindAllStringSubmatch(string(b), -1) {
			form.Set(m[1], html.UnescapeString(m[2]))
		}
		resp, err = admin.PostForm(f.idp.URL+"/sso", form)
		if err != nil {
			t.Fatal(err)
		}
		action, fields = samlForm(t, resp)
		code, loc, _ := f.postBack(admin, action, fields)
		if code != http.StatusSeeOther || loc != "/settings/sso/"+f.saml.ID+"/test" {
			t.Fatalf("test callback: %d %q", code, loc)
		}
		code, body := f.do(admin, http.MethodGet, loc, nil)
		if code != http.StatusOK || !strings.Contains(body, "sam@saml.test") || !strings.Contains(body, "NameID") {
			t.Fatalf("test result: %d %s", code, body)
		}
	})
}
