package sso_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/wsfed/wsfedtest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const wsfedEmail = "ada@adfs.test"

// wsfedConn creates an enabled WS-Fed connection for adfs.test.
func (f *fixture) wsfedConn(settings string) sso.Connection {
	f.t.Helper()
	on := true
	c, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindWSFed, Name: "Corp ADFS", Enabled: &on,
		Domains: []string{"adfs.test"}, Settings: json.RawMessage(settings)})
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// wsfedSignIn starts a sign-in at c, signs in at the STS and returns the
// form the STS posts back, and the state this browser holds.
func (f *fixture) wsfedSignIn(c sso.Connection) (url.Values, string) {
	f.t.Helper()
	conn, err := f.st.GetSSOConnection(f.ctx, f.admin.Org.ID, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	to, state, err := f.svc.BeginWSFed(f.ctx, conn, wsfedEmail, "/costs", "", f.who)
	if err != nil {
		f.t.Fatal(err)
	}
	u, _ := url.Parse(to)
	if q := u.Query(); q.Get("wa") != "wsignin1.0" || q.Get("wtrealm") != c.Realm || q.Get("wctx") != state ||
		q.Get("wreply") != f.svc.CallbackURL(c.ID) || q.Get("username") != wsfedEmail {
		f.t.Fatalf("sign-in URL %s", to)
	}
	posted, err := wsfedtest.SignIn(http.DefaultClient, to, wsfedEmail)
	if err != nil {
		f.t.Fatal(err)
	}
	if posted.Action != f.svc.CallbackURL(c.ID) {
		f.t.Fatalf("posted to %s", posted.Action)
	}
	return posted.Fields, state
}

func (f *fixture) wsfedRefused(c sso.Connection, form url.Values, bound, reason string) {
	f.t.Helper()
	_, err := f.svc.CompleteWSFed(f.ctx, c.ID, form, bound, f.who)
	if r := refusal(f.t, err); r.Reason != reason {
		f.t.Fatalf("reason %q, want %q", r.Reason, reason)
	}
	if got := f.lastFailure(); got != reason {
		f.t.Fatalf("audited %q, want %q", got, reason)
	}
}

func TestWSFedSignIn(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sts := wsfedtest.New(t, wsfedEmail, "Ada", "Lovelace", "finance")
		c := f.wsfedConn(`{"metadata_url":"` + sts.MetadataURL() + `"}`)
		if c.Realm != "urn:canopy:"+c.ID || c.IdPMetadata == nil || c.IdPMetadata.FetchedAt == nil || c.IdPMetadata.LastError != "" {
			t.Fatalf("view %+v %+v", c, c.IdPMetadata)
		}
		u := f.member(wsfedEmail, "viewer")

		form, state := f.wsfedSignIn(c)
		res, err := f.svc.CompleteWSFed(f.ctx, c.ID, form, state, f.who)
		if err != nil {
			t.Fatal(err)
		}
		if res.User.ID != u.ID || res.Next != "/costs" || res.Identity.Email != wsfedEmail || res.Identity.GivenName != "Ada" ||
			len(res.Identity.Groups) != 1 || res.Identity.Groups[0] != "finance" {
			t.Fatalf("result %+v", res)
		}
		// The same post again: its state was used.
		f.wsfedRefused(c, form, state, "unknown, used or expired state")
		// The same token under a fresh state: the assertion was used.
		_, state2 := f.wsfedSignIn(c)
		replay := url.Values{"wa": {"wsignin1.0"}, "wresult": {form.Get("wresult")}, "wctx": {state2}}
		f.wsfedRefused(c, replay, state2, "replayed")

		// Bound to the browser, required, and for this connection.
		form, _ = f.wsfedSignIn(c)
		f.wsfedRefused(c, form, "another browser's state", "state not started in this browser")
		form, state = f.wsfedSignIn(c)
		form.Del("wctx")
		f.wsfedRefused(c, form, state, "missing state")
		form, state = f.wsfedSignIn(c)
		f.wsfedRefused(sso.Connection{ID: f.conn.ID}, form, state, "state belongs to another connection")

		// A token for another realm, a post without wresult.
		_, state = f.wsfedSignIn(c)
		other, err := sts.Issue(sts.TokenFor("urn:canopy:other"))
		if err != nil {
			t.Fatal(err)
		}
		f.wsfedRefused(c, url.Values{"wa": {"wsignin1.0"}, "wresult": {other}, "wctx": {state}}, state, "audience")
		_, state = f.wsfedSignIn(c)
		f.wsfedRefused(c, url.Values{"wa": {"wsignin1.0"}, "wctx": {state}}, state, "malformed")

		// A connection trusting another certificate refuses the STS's tokens.
		_, otherCert := wsfedtest.KeyPair(t, "other")
		on := true
		byHand, err := f.svc.UpdateConnection(f.ctx, f.admin, f.who, c.ID, sso.Input{Name: c.Name, Enabled: &on, Domains: c.Domains,
			Settings: json.RawMessage(`{"sign_in_url":"` + sts.SignInURL() + `","certificates":` + jsonString(wsfedtest.CertPEM(otherCert)) + `}`)})
		if err != nil {
			t.Fatal(err)
		}
		if byHand.IdPMetadata != nil {
			t.Fatalf("metadata status without a metadata URL: %+v", byHand.IdPMetadata)
		}
		form, state = f.wsfedSignIn(byHand)
		f.wsfedRefused(byHand, form, state, "signature_invalid")
	})
}

// The STS rolls its signing certificate over; the hourly refresh picks the
// new metadata up and sign-in goes on with no step by an administrator. A
// refresh that fails keeps the last good metadata and shows the error.
func TestWSFedMetadataRefreshAndRollover(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sts := wsfedtest.New(t, wsfedEmail, "Ada", "Lovelace")
		var down atomic.Bool
		proxy := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if down.Load() {
				http.Error(w, "maintenance", http.StatusServiceUnavailable)
				return
			}
			res, err := http.Get(sts.MetadataURL())
			if err != nil {
				http.Error(w, err.Error(), http.StatusBadGateway)
				return
			}
			defer res.Body.Close()
			w.WriteHeader(res.StatusCode)
			_, _ = io.Copy(w, res.Body)
		}))
		t.Cleanup(proxy.Close)
		c := f.wsfedConn(`{"metadata_url":"` + proxy.URL + `/FederationMetadata.xml"}`)
		f.member(wsfedEmail, "viewer")
		signIn := func() error {
			form, state := f.wsfedSignIn(c)
			_, err := f.svc.CompleteWSFed(f.ctx, c.ID, form, state, f.who)
			return err
		}
		if err := signIn(); err != nil {
			t.Fatal(err)
		}
		first := *f.view(c.ID).IdPMetadata.FetchedAt

		// Rollover without notice: the cached metadata names only the old
		// certificate, so tokens of the new one are refused until the refresh.
		sts.Rollover(t)
		sts.SwitchSigning()
		sts.RetireOld()
		if r := refusal(t, signIn()); r.Reason != "signature_invalid" {
			t.Fatalf("before refresh: %v", r.Reason)
		}
		// The refresh job, run by River as the hourly tick would.
		runner := f.jobRunner(db)
		if err := runner.Enqueue(f.ctx, sso.RefreshMetadataArgs{}, nil); err != nil {
			t.Fatal(err)
		}
		newCert := base64.StdEncoding.EncodeToString(sts.SigningCert().Raw)
		for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
			m, err := f.st.GetSSOMetadata(f.ctx, f.admin.Org.ID, c.ID)
			if err == nil && strings.Contains(m.XML, newCert) {
				break
			}
			if time.Now().After(deadline) {
				t.Fatalf("the refresh job did not store the new metadata: %v", err)
			}
		}
		if err := signIn(); err != nil {
			t.Fatalf("after refresh: %v", err)
		}
		v := f.view(c.ID).IdPMetadata
		if v.FetchedAt.Before(first) || v.LastError != "" {
			t.Fatalf("status %+v", v)
		}

		// The provider is down: the refresh fails, the error is shown, the
		// last good metadata stays in use.
		down.Store(true)
		if _, err := f.svc.RefreshAllMetadata(f.ctx); err == nil || !strings.Contains(err.Error(), "HTTP 503") {
			t.Fatalf("refresh while down: %v", err)
		}
		v = f.view(c.ID).IdPMetadata
		if v.LastError == "" || !strings.Contains(v.LastError, "503") || v.ErrorAt == nil || v.FetchedAt == nil {
			t.Fatalf("status while down %+v", v)
		}
		if err := signIn(); err != nil {
			t.Fatalf("sign-in on the last good metadata: %v", err)
		}
		down.Store(false)
		if _, err := f.svc.RefreshAllMetadata(f.ctx); err != nil {
			t.Fatal(err)
		}
		if v = f.view(c.ID).IdPMetadata; v.LastError != "" || v.ErrorAt != nil {
			t.Fatalf("error kept after a good refresh: %+v", v)
		}
	})
}

// jobRunner works the sso jobs on the test database until the test ends.
func (f *fixture) jobRunner(db *store.DB) *jobs.Runner {
	f.t.Helper()
	if err := jobs.Migrate(f.ctx, string(db.Engine), db.W); err != nil {
		f.t.Fatal(err)
	}
	reg := jobs.NewRegistry()
	f.svc.Register(reg)
	r, err := jobs.New(string(db.Engine), db.W, jobs.Options{Registry: reg, FetchPollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(f.t.Output(), &slog.HandlerOptions{Level: slog.LevelWarn}))})
	if err != nil {
		f.t.Fatal(err)
	}
	if err := r.Start(f.ctx); err != nil {
		f.t.Fatal(err)
	}
	f.t.Cleanup(func() {
		c, cancel := context.WithTimeout(context.Background(), 10*time.Second)
		defer cancel()
		_ = r.Stop(c)
	})
	return r
}

func (f *fixture) view(id string) sso.Connection {
	f.t.Helper()
	c, err := f.svc.Connection(f.ctx, f.admin, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// A SAML connection by metadata URL is served from the same cache: its
// first save fetches the document, sign-in does not fetch it again.
func TestSAMLMetadataURLCached(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		var hits atomic.Int32
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			hits.Add(1)
			http.Error(w, "gone", http.StatusNotFound)
		}))
		t.Cleanup(srv.Close)
		c, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindSAML, Name: "SAML",
			Settings: json.RawMessage(`{"metadata_url":"` + srv.URL + `/md"}`)})
		if err != nil {
			t.Fatal(err)
		}
		if c.IdPMetadata == nil || c.IdPMetadata.FetchedAt != nil || !strings.Contains(c.IdPMetadata.LastError, "HTTP 404") || hits.Load() != 1 {
			t.Fatalf("status %+v, %d fetches", c.IdPMetadata, hits.Load())
		}
	})
}

func TestWSFedSettingsValidation(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		sts := wsfedtest.New(t, wsfedEmail, "Ada", "Lovelace")
		pem := jsonString(sts.CertPEM())
		md := sts.MetadataURL()
		for _, b := range []struct{ field, settings, secret string }{
			{"metadata_url", `{"metadata_url":"` + md + `","metadata_xml":"<x/>"}`, ""},
			{"metadata_url", `{"metadata_url":"http://adfs.example.com/FederationMetadata.xml"}`, ""},
			{"metadata_xml", `{"metadata_xml":"<EntityDescriptor/>"}`, ""},
			{"sign_in_url", `{"metadata_url":"` + md + `","sign_in_url":"https://adfs.example.com/adfs/ls/"}`, ""},
			{"certificates", `{"metadata_url":"` + md + `","certificates":` + pem + `}`, ""},
			{"certificates", `{"sign_in_url":"https://adfs.example.com/adfs/ls/","certificates":"not pem"}`, ""},
			{"certificates", `{"sign_in_url":"https://adfs.example.com/adfs/ls/"}`, ""},
			{"sign_in_url", `{"certificates":` + pem + `}`, ""},
			{"sign_in_url", `{"sign_in_url":"ftp://adfs.example.com/","certificates":` + pem + `}`, ""},
			{"realm", `{"metadata_url":"` + md + `","realm":"not a uri"}`, ""},
			{"settings", `{"wtrealm":"urn:x"}`, ""},
			{"client_secret", `{"metadata_url":"` + md + `"}`, "s3cret"},
		} {
			_, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindWSFed, Name: "x",
				Settings: json.RawMessage(b.settings), ClientSecret: b.secret})
			if domain.ErrorField(err) != b.field {
				t.Errorf("%s: err %v, want field %s", b.settings, err, b.field)
			}
		}
		// By hand, with a realm of its own; by metadata XML.
		c := f.wsfedConn(`{"sign_in_url":"` + sts.SignInURL() + `","certificates":` + pem + `,"realm":"https://canopy.test/"}`)
		if c.Realm != "https://canopy.test/" {
			t.Fatalf("realm %q", c.Realm)
		}
		res, err := http.Get(md)
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		doc, _ := io.ReadAll(res.Body)
		on := true
		if _, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindWSFed, Name: "By XML", Enabled: &on,
			Domains: []string{"xml.adfs.test"}, Settings: mustJSON(t, sso.WSFedSettings{MetadataXML: string(doc)})}); err != nil {
			t.Fatal(err)
		}
	})
}

// The cache table: an error keeps the document of the same URL, drops one
// of another URL; another organisation cannot read it; it goes with its
// connection.
func TestMetadataCacheStore(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		org, id := f.admin.Org.ID, f.conn.ID
		if err := f.st.SaveSSOMetadata(f.ctx, org, id, "https://a.test/md", "<doc/>"); err != nil {
			t.Fatal(err)
		}
		if err := f.st.SaveSSOMetadataError(f.ctx, org, id, "https://a.test/md", "HTTP 500"); err != nil {
			t.Fatal(err)
		}
		m, err := f.st.GetSSOMetadata(f.ctx, org, id)
		if err != nil || m.XML != "<doc/>" || m.FetchedAt.IsZero() || m.LastError != "HTTP 500" || m.ErrorAt.IsZero() {
			t.Fatalf("same URL: %+v %v", m, err)
		}
		if err := f.st.SaveSSOMetadataError(f.ctx, org, id, "https://b.test/md", "refused"); err != nil {
			t.Fatal(err)
		}
		if m, err = f.st.GetSSOMetadata(f.ctx, org, id); err != nil || m.XML != "" || !m.FetchedAt.IsZero() || m.URL != "https://b.test/md" {
			t.Fatalf("other URL: %+v %v", m, err)
		}
		if _, err := f.st.GetSSOMetadata(f.ctx, "org_other", id); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("other organisation: %v", err)
		}
		if err := f.svc.DeleteConnection(f.ctx, f.admin, f.who, id); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.GetSSOMetadata(f.ctx, org, id); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("after delete: %v", err)
		}
	})
}
