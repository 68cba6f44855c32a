package sso_test

import (
	"encoding/base64"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A sign-in carries what logout needs (the ID token sealed, never in
// clear); the recorded session gives RP-initiated logout its
// id_token_hint; a test sign-in records nothing; the connection's deletion
// forgets the sessions' logout data.
func TestOIDCLogoutData(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ann := f.member("ann@corp.test", "viewer")
		res, err := f.signIn(person("idp-ann", "ann@corp.test"))
		if err != nil {
			t.Fatal(err)
		}
		l := res.Logout
		if l.ConnectionID != f.conn.ID || l.Subject != "idp-ann" || l.SealedIDToken == "" || strings.Contains(l.SealedIDToken, "eyJ") {
			t.Fatalf("logout data %+v", l)
		}
		if err := f.svc.RecordSession(f.ctx, "hash-1", f.admin.Org.ID, ann.ID, l); err != nil {
			t.Fatal(err)
		}
		x, err := f.st.GetSSOSession(f.ctx, "hash-1")
		if err != nil || x.UserID != ann.ID || x.SealedIDToken != l.SealedIDToken {
			t.Fatalf("recorded %+v %v", x, err)
		}
		out, reason, err := f.svc.BeginLogout(f.ctx, x)
		if err != nil || out == nil || reason != "" {
			t.Fatalf("logout: %+v %q %v", out, reason, err)
		}
		u, _ := url.Parse(out.RedirectURL)
		parts := strings.Split(u.Query().Get("id_token_hint"), ".")
		if !strings.HasPrefix(out.RedirectURL, f.idp.EndSessionURL+"?") || len(parts) != 3 || out.Provider != "Corp IdP" {
			t.Fatalf("end-session URL %s", out.RedirectURL)
		}
		payload, _ := base64.RawURLEncoding.DecodeString(parts[1])
		var claims struct {
			Sub string
			Aud []string
		}
		if err := json.Unmarshal(payload, &claims); err != nil || claims.Sub != "idp-ann" || len(claims.Aud) != 1 || claims.Aud[0] != f.idp.ClientID {
			t.Fatalf("id_token_hint claims %s", payload)
		}
		if got := u.Query().Get("post_logout_redirect_uri"); got != "https://canopy.test/signed-out" {
			t.Fatalf("post_logout_redirect_uri %q", got)
		}
		if v, _ := f.svc.Connection(f.ctx, f.admin, f.conn.ID); v.SignedOutURL != "https://canopy.test/signed-out" || v.SLOURL != "" {
			t.Fatalf("view %q %q", v.SignedOutURL, v.SLOURL)
		}
		// The state comes back once, naming the provider.
		if name, err := f.svc.FinishOIDCLogout(f.ctx, u.Query().Get("state")); err != nil || name != "Corp IdP" {
			t.Fatalf("finish: %q %v", name, err)
		}
		if name, _ := f.svc.FinishOIDCLogout(f.ctx, u.Query().Get("state")); name != "" {
			t.Fatal("state used twice")
		}

		f.idp.QueueUser(person("idp-boss", "boss@corp.test"))
		test, err := f.complete(f.conn.ID, f.atIdP(f.begin(f.admin.User.ID)))
		if err != nil || test.Logout.SealedIDToken != "" {
			t.Fatalf("test sign-in logout data %+v %v", test, err)
		}
		if err := f.svc.DeleteConnection(f.ctx, f.admin, f.who, f.conn.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.GetSSOSession(f.ctx, "hash-1"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("after deletion: %v", err)
		}
	})
}

// IdP-initiated logout ends the sessions of one subject of one connection,
// of the given session indexes when any.
func TestEndSSOSessions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ann := f.member("ann@corp.test", "viewer")
		for _, s := range []struct{ hash, subject, index string }{{"h1", "ann", "i1"}, {"h2", "ann", "i2"}, {"h3", "bob", "i1"}} {
			if err := f.svc.RecordSession(f.ctx, s.hash, f.admin.Org.ID, ann.ID, sso.SessionLogout{ConnectionID: f.conn.ID,
				Subject: s.subject, SessionIndex: s.index}); err != nil {
				t.Fatal(err)
			}
		}
		ended, err := f.st.EndSSOSessions(f.ctx, f.conn.ID, "ann", []string{"i1"})
		if err != nil || len(ended) != 1 || ended[0].TokenHash != "h1" {
			t.Fatalf("by index: %+v %v", ended, err)
		}
		ended, err = f.st.EndSSOSessions(f.ctx, "sso_other", "ann", nil)
		if err != nil || len(ended) != 0 {
			t.Fatalf("other connection: %+v %v", ended, err)
		}
		ended, err = f.st.EndSSOSessions(f.ctx, f.conn.ID, "ann", nil)
		if err != nil || len(ended) != 1 || ended[0].TokenHash != "h2" {
			t.Fatalf("all of ann: %+v %v", ended, err)
		}
		if _, err := f.st.GetSSOSession(f.ctx, "h3"); err != nil {
			t.Fatalf("bob's session: %v", err)
		}
	})
}

// single_logout is a setting of every kind (false: sign out of Canopy
// only); SAML connections show their SLO URL.
func TestSingleLogoutSetting(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindSAML, Name: "Corp SAML",
			Settings: json.RawMessage(`{"single_logout":false}`)})
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(c.Settings), `"single_logout":false`) || c.SLOURL != "https://canopy.test/logout/callback?connection="+c.ID ||
			c.SignedOutURL != "" {
			t.Fatalf("SAML view %s %q %q", c.Settings, c.SLOURL, c.SignedOutURL)
		}
		off := false
		v, err := f.svc.UpdateConnection(f.ctx, f.admin, f.who, f.conn.ID, sso.Input{Name: "Corp IdP", Domains: []string{"corp.test"},
			Settings: mustJSON(t, sso.OIDCSettings{Issuer: f.idp.Issuer(), ClientID: f.idp.ClientID, SingleLogout: &off})})
		if err != nil || !strings.Contains(string(v.Settings), `"single_logout":false`) {
			t.Fatalf("OIDC settings %s %v", v.Settings, err)
		}
		ann := f.member("ann@corp.test", "viewer")
		_ = f.svc.RecordSession(f.ctx, "h1", f.admin.Org.ID, ann.ID, sso.SessionLogout{ConnectionID: f.conn.ID, Subject: "s"})
		x, _ := f.st.GetSSOSession(f.ctx, "h1")
		if out, reason, err := f.svc.BeginLogout(f.ctx, x); out != nil || reason != "single logout turned off" || err != nil {
			t.Fatalf("turned off: %+v %q %v", out, reason, err)
		}
	})
}
