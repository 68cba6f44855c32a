package web_test

import (
	"html"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/sso/wsfed/wsfedtest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// signIn signs wes in through the STS in a new browser.
func (f *wsfedFixture) signIn() *http.Client {
	f.t.Helper()
	c := f.client("")
	if code, loc, body := f.postToken(c, f.atSTS(c, "wes@adfs.test")); code != http.StatusSeeOther || loc != "/settings" {
		f.t.Fatalf("sign-in: %d %q %s", code, loc, body)
	}
	if code, _ := f.do(c, http.MethodGet, "/settings", nil); code != http.StatusOK {
		f.t.Fatalf("not signed in: %d", code)
	}
	return c
}

func (f *wsfedFixture) stillSignedIn(c *http.Client) {
	f.t.Helper()
	if code, _ := f.do(c, http.MethodGet, "/settings", nil); code != http.StatusOK {
		f.t.Fatalf("the session ended: %d", code)
	}
}

// WS-Federation sign-out: Canopy's sign-out sends a wsignout1.0 request
// to the STS with the signed-out page as wreply; the STS (like ADFS) loads
// Canopy's reply URL with wsignoutcleanup1.0 in a frame and goes back to
// wreply. A cleanup arriving while the person is still signed in to Canopy
// (sign-out started at the STS or at another relying party) ends that
// browser's person's sessions of the connection, in the database, and
// nobody else's.
func TestWSFedSingleLogout(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newWSFedFixture(t, db)
		admin := f.client("owner-a@example.com")
		code, body := f.do(admin, http.MethodGet, "/settings/sso/"+f.connID, nil)
		if code != http.StatusOK || !strings.Contains(body, `id="sso-signed-out">`+f.srv.URL+`/signed-out`) ||
			!strings.Contains(body, `id="sso-local_sign_out"`) {
			t.Fatalf("settings page without the sign-out URL or option: %d", code)
		}

		// Sign-out started in Canopy.
		c := f.signIn()
		m := signoutLinkR.FindStringSubmatch(signOutPage(t, f.fixture, c))
		if m == nil {
			t.Fatal("no link to the STS")
		}
		to, _ := url.Parse(html.UnescapeString(m[1]))
		q := to.Query()
		if !strings.HasPrefix(to.String(), f.sts.SignInURL()+"?") || q.Get("wa") != "wsignout1.0" ||
			q.Get("wtrealm") != "urn:canopy:"+f.connID || !strings.HasPrefix(q.Get("wreply"), f.srv.URL+"/signed-out?state=") {
			t.Fatalf("sign-out URL %s", to)
		}
		signedOutOf(t, f.fixture, c)
		out, err := wsfedtest.SignOut(c, to.String())
		if err != nil {
			t.Fatal(err)
		}
		cleanup := f.srv.URL + "/login/callback?connection=" + f.connID + "&wa=wsignoutcleanup1.0"
		if len(out.Cleanups) != 1 || out.Cleanups[0] != cleanup || out.Answers[0] != http.StatusOK || out.Reply != q.Get("wreply") {
			t.Fatalf("STS sign-out %+v", out)
		}
		reply, _ := url.Parse(out.Reply)
		code, body = f.do(c, http.MethodGet, reply.RequestURI(), nil)
		if code != http.StatusOK || !strings.Contains(body, "You are signed out of Canopy and of Corp ADFS.") {
			t.Fatalf("signed-out page: %d %s", code, body)
		}
		outs := auditDetails(t, f.st, "user.signout")
		if last := outs[len(outs)-1]; last["method"] != "sso" || last["connection"] != f.connID || last["idp_asked"] != true {
			t.Fatalf("sign-out audit %v", last)
		}

		// Sign-out started at the STS (or another relying party): both of
		// wes's browsers end, the owner's password session does not.
		c1, c2 := f.signIn(), f.signIn()
		out, err = wsfedtest.SignOut(c1, f.sts.SignInURL()+"?wa=wsignout1.0&wreply="+url.QueryEscape("https://elsewhere.test/"))
		if err != nil || len(out.Answers) != 1 || out.Answers[0] != http.StatusOK {
			t.Fatalf("STS sign-out %+v %v", out, err)
		}
		signedOutOf(t, f.fixture, c1)
		signedOutOf(t, f.fixture, c2)
		f.stillSignedIn(admin)
		ended := auditDetails(t, f.st, "user.sso_logout")
		if len(ended) != 1 || ended[0]["initiated_by"] != "identity provider (wsignoutcleanup1.0)" || ended[0]["sessions_ended"] != float64(2) {
			t.Fatalf("sso_logout audit %v", ended)
		}

		// The answer is an image (ADFS loads it in a frame or an image).
		resp, err := f.client("").Get(cleanup)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "image/gif" {
			t.Fatalf("cleanup answer %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		// A password session is left alone.
		if code, _ := f.do(admin, http.MethodGet, "/login/callback?connection="+f.connID+"&wa=wsignoutcleanup1.0", nil); code != http.StatusOK {
			t.Fatalf("cleanup with a password session: %d", code)
		}
		f.stillSignedIn(admin)

		// A cleanup for another connection ends nothing and is audited.
		c = f.signIn()
		resp, err = admin.PostForm(f.srv.URL+"/settings/sso", url.Values{"kind": {"wsfed"}, "name": {"Other ADFS"},
			"domains": {"other-adfs.test"}, "metadata_url": {f.sts.MetadataURL()}, "jit_role": {"viewer"}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		other := strings.TrimPrefix(resp.Header.Get("Location"), "/settings/sso/")
		if code, _ := f.do(c, http.MethodGet, "/logout/callback?connection="+other+"&wa=wsignoutcleanup1.0", nil); code != http.StatusBadRequest {
			t.Fatalf("cleanup of another connection: %d", code)
		}
		if code, _ := f.do(c, http.MethodGet, "/logout/callback?connection=sso_nope&wa=wsignoutcleanup1.0", nil); code != http.StatusBadRequest {
			t.Fatalf("cleanup of an unknown connection: %d", code)
		}
		f.stillSignedIn(c)
		failed := auditDetails(t, f.st, "user.sso_logout_failed")
		if len(failed) != 2 || failed[0]["reason"] != "the browser's session was not signed in through this connection" ||
			failed[1]["reason"] != "unknown connection" {
			t.Fatalf("refusals audited %v", failed)
		}

		// wsignout1.0 sent to Canopy's sign-out URL by the STS: the
		// session ends and the signed-out page names the STS.
		code, body = f.do(c, http.MethodGet, "/logout/callback?connection="+f.connID+"&wa=wsignout1.0&wreply=https%3A%2F%2Fevil.test%2F", nil)
		if code != http.StatusOK || !strings.Contains(body, "You are signed out of Canopy and of Corp ADFS.") || strings.Contains(body, "evil.test") {
			t.Fatalf("wsignout1.0: %d %s", code, body)
		}
		signedOutOf(t, f.fixture, c)

		// Single logout turned off in the form: sign-out stays in Canopy.
		if code, body := f.do(admin, http.MethodPost, "/settings/sso/"+f.connID, url.Values{"kind": {"wsfed"}, "name": {"Corp ADFS"},
			"domains": {"adfs.test"}, "metadata_url": {f.sts.MetadataURL()}, "enabled": {"on"}, "jit_role": {"viewer"},
			"local_sign_out": {"on"}}); code != http.StatusSeeOther {
			t.Fatalf("turn single logout off: %d %s", code, body)
		}
		if _, body := f.do(admin, http.MethodGet, "/settings/sso/"+f.connID, nil); !strings.Contains(body, `name="local_sign_out" type="checkbox" value="on" aria-describedby="sso-local_sign_out-hint" checked`) {
			t.Fatal("the option is not shown as checked")
		}
		c = f.signIn()
		before := f.sts.SignOuts()
		if code, _ := f.do(c, http.MethodPost, "/signout", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("local sign-out: %d", code)
		}
		signedOutOf(t, f.fixture, c)
		outs = auditDetails(t, f.st, "user.signout")
		if last := outs[len(outs)-1]; last["idp_asked"] != false || last["local_only_reason"] != "single logout turned off" || f.sts.SignOuts() != before {
			t.Fatalf("local sign-out audit %v", last)
		}
	})
}
