package web_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/optest"
	"github.com/canopyhq/canopy/internal/sso/saml/samltest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

var (
	anyForm      = regexp.MustCompile(`(?s)<form[^>]*action="([^"]*)"`)
	anyField     = regexp.MustCompile(`<input[^>]*name="([^"]+)"[^>]*value="([^"]*)"`)
	signoutLinkR = regexp.MustCompile(`href="([^"]+)" class="btn btn-primary btn-block" id="sso-signout-continue"`)
)

// pageForm reads the action and the hidden fields of an auto-posting form.
func pageForm(t *testing.T, body string) (string, url.Values) {
	t.Helper()
	m := anyForm.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no form in %s", body)
	}
	v := url.Values{}
	for _, f := range anyField.FindAllStringSubmatch(body, -1) {
		v.Set(f[1], html.UnescapeString(f[2]))
	}
	return html.UnescapeString(m[1]), v
}

// signOutPage posts the sign-out and returns the page that sends the
// browser on to the identity provider.
func signOutPage(t *testing.T, f *fixture, c *http.Client) string {
	t.Helper()
	code, body := f.do(c, http.MethodPost, "/signout", url.Values{})
	if code != http.StatusOK || !strings.Contains(body, "You are signed out of Canopy.") {
		t.Fatalf("sign-out: %d %s", code, body)
	}
	return body
}

// auditDetails lists the details of the audited events of an action.
func auditDetails(t *testing.T, st *store.Store, action string) []map[string]any {
	t.Helper()
	var out []map[string]any
	_ = st.ScanAudit(context.Background(), func(ev domain.AuditEvent) error {
		if ev.Action == action {
			d := map[string]any{}
			_ = json.Unmarshal([]byte(ev.Details), &d)
			out = append(out, d)
		}
		return nil
	})
	return out
}

func signedOutOf(t *testing.T, f *fixture, c *http.Client) {
	t.Helper()
	if code, _ := f.do(c, http.MethodGet, "/settings", nil); code != http.StatusSeeOther {
		t.Fatalf("the old session still works: %d", code)
	}
}

// OpenID Connect RP-initiated logout: sign-out ends the Canopy session and
// sends the browser to the provider's end_session_endpoint with the ID
// token, the registered post_logout_redirect_uri and a state; the provider
// ends its session and sends the browser back to the signed-out page. With
// single logout off, or a provider without end_session_endpoint, sign-out
// is local (audited with why).
func TestOIDCSingleLogout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newSSOFixture(t, db)
		f.idp.AllowedLogoutURIs = []string{f.srv.URL + "/signed-out"}
		ann := func() *http.Client {
			c := f.client("")
			if code, _, body := f.viaIdP(c, "ann@corp.test", optest.User{Subject: "idp-ann", Email: "ann@corp.test"}); code != http.StatusSeeOther {
				t.Fatalf("sign-in: %d %s", code, body)
			}
			return c
		}
		code, body := f.do(f.client("owner-a@example.com"), http.MethodGet, "/settings/sso/"+f.conn.ID, nil)
		if code != http.StatusOK || !strings.Contains(body, `id="sso-signed-out">`+f.srv.URL+`/signed-out`) {
			t.Fatalf("settings page without the sign-out URL: %d", code)
		}
		c := ann()
		m := signoutLinkR.FindStringSubmatch(signOutPage(t, f.fixture, c))
		if m == nil {
			t.Fatal("no link to the provider")
		}
		to, _ := url.Parse(html.UnescapeString(m[1]))
		q := to.Query()
		if !strings.HasPrefix(to.String(), f.idp.EndSessionURL()+"?") || q.Get("id_token_hint") == "" || q.Get("state") == "" ||
			q.Get("post_logout_redirect_uri") != f.srv.URL+"/signed-out" || q.Get("client_id") != f.idp.ClientID {
			t.Fatalf("end-session URL %s", to)
		}
		signedOutOf(t, f.fixture, c)
		back := f.follow(c, to.String())
		if got := f.idp.Ended(); len(got) != 1 || got[0] != "idp-ann" {
			t.Fatalf("provider ended %v", got)
		}
		code, body = f.do(c, http.MethodGet, back.RequestURI(), nil)
		if code != http.StatusOK || !strings.Contains(body, "You are signed out of Canopy and of Corp IdP.") {
			t.Fatalf("signed-out page: %d %s", code, body)
		}
		// The state is used once: again, the page only speaks for Canopy.
		if _, body = f.do(c, http.MethodGet, back.RequestURI(), nil); strings.Contains(body, "Corp IdP") {
			t.Fatal("signed-out state used twice")
		}

		// Single logout turned off, then a provider without end session.
		p, _ := f.svc.LoadPrincipal(context.Background(), f.users["owner-a@example.com"].ID, f.orgs["A"].ID)
		off := false
		on := true
		settings, _ := json.Marshal(sso.OIDCSettings{Issuer: f.idp.Issuer(), ClientID: f.idp.ClientID, SingleLogout: &off})
		svc := &sso.Service{Store: f.st, Vault: f.svc.Vault, BaseURL: f.srv.URL}
		if _, err := svc.UpdateConnection(context.Background(), p, audit.Actor{}, f.conn.ID, sso.Input{Name: "Corp IdP", Enabled: &on,
			Domains: []string{"corp.test"}, Settings: settings}); err != nil {
			t.Fatal(err)
		}
		c = ann()
		if code, _ := f.do(c, http.MethodPost, "/signout", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("local sign-out: %d", code)
		}
		signedOutOf(t, f.fixture, c)
		settings, _ = json.Marshal(sso.OIDCSettings{Issuer: f.idp.Issuer(), ClientID: f.idp.ClientID})
		if _, err := svc.UpdateConnection(context.Background(), p, audit.Actor{}, f.conn.ID, sso.Input{Name: "Corp IdP", Enabled: &on,
			Domains: []string{"corp.test"}, Settings: settings}); err != nil {
			t.Fatal(err)
		}
		f.idp.NoEndSession = true
		c = ann()
		if code, _ := f.do(c, http.MethodPost, "/signout", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("sign-out without end session: %d", code)
		}
		signedOutOf(t, f.fixture, c)
		if got := f.idp.Ended(); len(got) != 1 {
			t.Fatalf("provider asked again: %v", got)
		}
		outs := auditDetails(t, f.st, "user.signout")
		var sso []string
		for _, d := range outs {
			if d["method"] == "sso" {
				r, _ := d["local_only_reason"].(string)
				sso = append(sso, strings.TrimSpace(fmtBool(d["idp_asked"])+" "+r))
			}
		}
		want := []string{"true", "false single logout turned off", "false the identity provider has no end_session_endpoint"}
		if !slices.Equal(sso, want) {
			t.Fatalf("audited sign-outs %q, want %q", sso, want)
		}
	})
}

func fmtBool(v any) string {
	if b, ok := v.(bool); ok && b {
		return "true"
	}
	return "false"
}

// samlSignIn signs sam in through crewjam's IdP in a new browser.
func (f *samlFixture) samlSignIn() *http.Client {
	f.t.Helper()
	c := f.client("")
	resp, err := c.PostForm(f.srv.URL+"/signin", url.Values{"email": {"sam@saml.test"}})
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var action string
	var fields url.Values
	if m := continueRE.FindStringSubmatch(string(b)); m != nil {
		resp, err = c.Get(html.UnescapeString(m[1] + m[2]))
	} else {
		to, v := pageForm(f.t, string(b))
		resp, err = c.PostForm(to, v)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	action, fields = samlForm(f.t, resp)
	if code, _, body := f.postBack(c, action, fields); code != http.StatusSeeOther {
		f.t.Fatalf("SAML sign-in: %d %s", code, body)
	}
	return c
}

func (f *samlFixture) setBinding(binding string) {
	f.t.Helper()
	p, _ := f.svc.LoadPrincipal(context.Background(), f.users["owner-a@example.com"].ID, f.orgs["A"].ID)
	on := true
	settings, _ := json.Marshal(sso.SAMLSettings{MetadataURL: f.idp.URL + "/metadata", Binding: binding})
	if _, err := f.owner.UpdateConnection(context.Background(), p, audit.Actor{}, f.saml.ID, sso.Input{Name: "Corp SAML",
		Enabled: &on, Domains: []string{"saml.test"}, Settings: settings}); err != nil {
		f.t.Fatal(err)
	}
}

// toIdP sends the sign-out page's message to crewjam's SLO service (link
// or form) and returns the LogoutResponse it answers with: the binding's
// request to Canopy's SLO URL as (method, URL, form).
func (f *samlFixture) toIdP(c *http.Client, page string) (string, string, url.Values) {
	f.t.Helper()
	var resp *http.Response
	var err error
	if m := signoutLinkR.FindStringSubmatch(page); m != nil {
		to := html.UnescapeString(m[1])
		if !strings.HasPrefix(to, f.idp.URL+"/slo?") {
			f.t.Fatalf("LogoutRequest sent to %s", to)
		}
		resp, err = c.Get(to)
	} else {
		action, v := pageForm(f.t, page)
		if action != f.idp.URL+"/slo" || v.Get("SAMLRequest") == "" || v.Get("RelayState") == "" {
			f.t.Fatalf("LogoutRequest form %s %v", action, v)
		}
		resp, err = c.PostForm(action, v)
	}
	if err != nil {
		f.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusFound {
		return http.MethodGet, resp.Header.Get("Location"), nil
	}
	action, v := pageForm(f.t, string(b))
	if v.Get("SAMLResponse") == "" {
		f.t.Fatalf("IdP answered %d %s", resp.StatusCode, b)
	}
	return http.MethodPost, action, v
}

func (f *samlFixture) deliver(c *http.Client, method, to string, form url.Values) (int, string) {
	f.t.Helper()
	if !strings.HasPrefix(to, f.srv.URL+"/logout/callback?connection="+f.saml.ID) {
		f.t.Fatalf("sent to %s", to)
	}
	return f.do(c, method, strings.TrimPrefix(to, f.srv.URL), form)
}

// SP-initiated SAML single logout with both bindings: sign-out ends the
// Canopy session and sends a signed LogoutRequest to crewjam's IdP, which
// ends its session and answers with a signed LogoutResponse; Canopy
// validates it and says so. The same response again is refused (its
// sign-out state is used), and a response carried with the state of
// another sign-out answers the wrong request (in_response_to).
func TestSAMLSingleLogout(t *testing.T) {
	for _, binding := range []string{"redirect", "post"} {
		t.Run(binding, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, db *store.DB) {
				f, _ := newSAMLFixture(t, db)
				f.setBinding(binding)
				code, body := f.do(f.client("owner-a@example.com"), http.MethodGet, "/settings/sso/"+f.saml.ID, nil)
				if code != http.StatusOK || !strings.Contains(body, `id="sso-slo">`+f.srv.URL+`/logout/callback?connection=`+f.saml.ID) {
					t.Fatalf("settings page without the SLO URL: %d", code)
				}
				c := f.samlSignIn()
				page := signOutPage(t, f.fixture, c)
				signedOutOf(t, f.fixture, c)
				method, to, form := f.toIdP(c, page)
				if got := f.idp.LoggedOut(); len(got) != 1 || got[0] != "sam@saml.test" {
					t.Fatalf("IdP ended %v", got)
				}
				code, body = f.deliver(c, method, to, form)
				if code != http.StatusOK || !strings.Contains(body, "You are signed out of Canopy and of Corp SAML.") {
					t.Fatalf("LogoutResponse: %d %s", code, body)
				}
				code, body = f.deliver(f.client(""), method, to, form)
				if code != http.StatusBadGateway || !strings.Contains(body, "did not confirm") {
					t.Fatalf("replayed LogoutResponse: %d %s", code, body)
				}
				var reasons []string
				for _, d := range auditDetails(t, f.st, "user.sso_logout_failed") {
					reasons = append(reasons, d["reason"].(string))
				}
				if want := []string{"unknown, used or expired sign-out state"}; !slices.Equal(reasons, want) {
					t.Fatalf("audited refusals %q", reasons)
				}
				outs := auditDetails(t, f.st, "user.signout")
				if len(outs) != 1 || outs[0]["method"] != "sso" || outs[0]["idp_asked"] != true || outs[0]["connection"] != f.saml.ID {
					t.Fatalf("audited sign-out %v", outs)
				}
				if ok := auditDetails(t, f.st, "user.sso_logout"); len(ok) != 1 || ok[0]["initiated_by"] != "canopy" {
					t.Fatalf("audited logout %v", ok)
				}
				if binding != "post" {
					return
				}
				// Two sign-outs under way: A's response with B's state.
				a, b := f.samlSignIn(), f.samlSignIn()
				pageA, pageB := signOutPage(t, f.fixture, a), signOutPage(t, f.fixture, b)
				_, vb := pageForm(t, pageB)
				method, to, form = f.toIdP(a, pageA)
				form.Set("RelayState", vb.Get("RelayState"))
				if code, _ := f.deliver(a, method, to, form); code != http.StatusBadGateway {
					t.Fatalf("response of another sign-out: %d", code)
				}
				reasons = reasons[:0]
				for _, d := range auditDetails(t, f.st, "user.sso_logout_failed") {
					reasons = append(reasons, d["reason"].(string))
				}
				if len(reasons) != 2 || reasons[1] != "in_response_to" {
					t.Fatalf("audited refusals %q", reasons)
				}
			})
		})
	}
}

// IdP-initiated SAML logout: crewjam's IdP sends its signed LogoutRequest
// (redirect) through the browser; every Canopy session of that NameID from
// the connection ends (two browsers here; a password session stays), and
// Canopy answers with a signed LogoutResponse that crewjam accepts. The
// same request again, unsigned, forged, of another issuer or expired ones
// are refused and audited; a valid POST-binding request is answered with a
// form posting the LogoutResponse to the IdP.
func TestSAMLIdPInitiatedLogout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f, _ := newSAMLFixture(t, db)
		c1, c2 := f.samlSignIn(), f.samlSignIn()
		owner := f.client("owner-a@example.com")
		resp, err := c1.Get(f.idp.URL + "/logout-start")
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		toSP := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(toSP, f.srv.URL+"/logout/callback?connection="+f.saml.ID+"&SAMLRequest=") {
			t.Fatalf("IdP logout: %d %s", resp.StatusCode, toSP)
		}
		resp, err = c1.Get(toSP)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		answer := resp.Header.Get("Location")
		if resp.StatusCode != http.StatusFound || !strings.HasPrefix(answer, f.idp.URL+"/slo?SAMLResponse=") {
			t.Fatalf("Canopy's answer: %d %s", resp.StatusCode, answer)
		}
		resp, err = c1.Get(answer)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(b), "IdP logout complete") {
			t.Fatalf("crewjam did not accept the LogoutResponse: %d %s", resp.StatusCode, b)
		}
		signedOutOf(t, f.fixture, c1)
		signedOutOf(t, f.fixture, c2)
		if code, _ := f.do(owner, http.MethodGet, "/settings", nil); code != http.StatusOK {
			t.Fatalf("a password session ended too: %d", code)
		}
		ended := auditDetails(t, f.st, "user.sso_logout")
		if len(ended) != 1 || ended[0]["sessions_ended"] != float64(2) || ended[0]["initiated_by"] != "identity provider" {
			t.Fatalf("audited IdP logout %v", ended)
		}

		// Refusals.
		slo := f.srv.URL + "/logout/callback?connection=" + f.saml.ID
		other, otherCert := samltest.KeyPair(t, "forger")
		c3 := f.samlSignIn()
		valid := func() samltest.LogoutRequest { return f.idp.LogoutRequest(slo, "sam@saml.test", "") }
		unsigned := valid()
		unsigned.Key = nil
		forged := valid()
		forged.Key, forged.Cert = other, otherCert
		issuer := valid()
		issuer.Issuer = "https://evil.test/idp"
		expired := valid()
		expired.IssueInstant = time.Now().Add(-time.Hour)
		late := valid()
		late.NotOnOrAfter = time.Now().Add(-10 * time.Minute)
		replay := strings.TrimPrefix(toSP, f.srv.URL)
		for _, q := range []string{replay, "/logout/callback?connection=" + f.saml.ID + "&" + unsigned.RedirectQuery(t, ""),
			"/logout/callback?connection=" + f.saml.ID + "&" + forged.RedirectQuery(t, ""),
			"/logout/callback?connection=" + f.saml.ID + "&" + issuer.RedirectQuery(t, ""),
			"/logout/callback?connection=" + f.saml.ID + "&" + expired.RedirectQuery(t, ""),
			"/logout/callback?connection=" + f.saml.ID + "&" + late.RedirectQuery(t, "")} {
			if code, body := f.do(f.client(""), http.MethodGet, q, nil); code != http.StatusBadRequest || !strings.Contains(body, "Nobody was signed out") {
				t.Fatalf("%s: %d %s", q, code, body)
			}
		}
		if code, body := f.do(f.client(""), http.MethodPost, "/logout/callback?connection="+f.saml.ID,
			url.Values{"SAMLRequest": {forged.PostValue(t)}}); code != http.StatusBadRequest {
			t.Fatalf("forged POST: %d %s", code, body)
		}
		var reasons []string
		for _, d := range auditDetails(t, f.st, "user.sso_logout_failed") {
			reasons = append(reasons, d["reason"].(string))
		}
		want := []string{"replayed", "signature_missing", "signature_invalid", "issuer", "expired", "expired", "signature_invalid"}
		if !slices.Equal(reasons, want) {
			t.Fatalf("audited refusals %q, want %q", reasons, want)
		}
		if code, _ := f.do(c3, http.MethodGet, "/settings", nil); code != http.StatusOK {
			t.Fatalf("a refused request ended a session: %d", code)
		}

		// A valid POST-binding request ends c3's session; the answer is a
		// form posting the signed LogoutResponse to the IdP.
		code, body := f.do(f.client(""), http.MethodPost, "/logout/callback?connection="+f.saml.ID,
			url.Values{"SAMLRequest": {valid().PostValue(t)}, "RelayState": {"idp-rs"}})
		action, v := pageForm(t, body)
		if code != http.StatusOK || action != f.idp.URL+"/slo" || v.Get("SAMLResponse") == "" || v.Get("RelayState") != "idp-rs" {
			t.Fatalf("POST answer: %d %s %v", code, action, v)
		}
		signedOutOf(t, f.fixture, c3)
	})
}

// OpenID Connect front-channel logout: the provider's request with its
// issuer and the session's sid ends that session only (in the database);
// without sid, or of another issuer, it is refused and audited.
func TestOIDCFrontChannelLogout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newSSOFixture(t, db)
		signIn := func(sid string) *http.Client {
			c := f.client("")
			user := optest.User{Subject: "idp-ann", Email: "ann@corp.test", Extra: map[string]any{"sid": sid}}
			if code, _, body := f.viaIdP(c, "ann@corp.test", user); code != http.StatusSeeOther {
				t.Fatalf("sign-in: %d %s", code, body)
			}
			return c
		}
		c1, c2 := signIn("sid-1"), signIn("sid-2")
		fc := "/logout/frontchannel?connection=" + f.conn.ID
		code, body := f.do(f.client("owner-a@example.com"), http.MethodGet, "/settings/sso/"+f.conn.ID, nil)
		if code != http.StatusOK || !strings.Contains(body, `id="sso-frontchannel">`+f.srv.URL+fc) {
			t.Fatalf("settings page without the front-channel URI: %d", code)
		}
		iss := url.QueryEscape(f.idp.Issuer())
		for _, q := range []string{fc + "&iss=" + iss, fc + "&iss=https%3A%2F%2Fevil.test&sid=sid-1",
			"/logout/frontchannel?connection=sso_nope&iss=" + iss + "&sid=sid-1"} {
			if code, _ := f.do(f.client(""), http.MethodGet, q, nil); code != http.StatusBadRequest {
				t.Fatalf("%s: %d", q, code)
			}
		}
		var reasons []string
		for _, d := range auditDetails(t, f.st, "user.sso_logout_failed") {
			reasons = append(reasons, d["reason"].(string))
		}
		if want := []string{"front-channel logout without iss and sid", "wrong issuer", "unknown connection"}; !slices.Equal(reasons, want) {
			t.Fatalf("audited refusals %q", reasons)
		}
		if code, _ := f.do(f.client(""), http.MethodGet, fc+"&iss="+iss+"&sid=sid-1", nil); code != http.StatusOK {
			t.Fatalf("front-channel logout: %d", code)
		}
		signedOutOf(t, f.fixture, c1)
		if code, _ := f.do(c2, http.MethodGet, "/settings", nil); code == http.StatusSeeOther {
			t.Fatal("the session of another sid ended too")
		}
		if ended := auditDetails(t, f.st, "user.sso_logout"); len(ended) != 1 || ended[0]["sessions_ended"] != float64(1) {
			t.Fatalf("audited %v", ended)
		}
	})
}
