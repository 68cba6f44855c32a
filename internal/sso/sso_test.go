package sso_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/oidctest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// fixture is an organisation with an administrator, a real OpenID provider
// on loopback (mockoidc: discovery, JWKS, code flow with PKCE) and an
// enabled connection to it for the domain corp.test.
type fixture struct {
	t     *testing.T
	ctx   context.Context
	st    *store.Store
	svc   *sso.Service
	admin *auth.Principal
	idp   *oidctest.Provider
	conn  sso.Connection
	who   audit.Actor
}

// verifyAudit fails the test when the audit hash chain is broken.
func (f *fixture) verifyAudit() {
	rep, err := audit.Verify(f.ctx, f.st)
	if err != nil || !rep.OK() {
		f.t.Errorf("audit chain: %v %+v", err, rep)
	}
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	t.Helper()
	ctx := context.Background()
	st := store.New(db)
	kv, err := keyvault.NewLocal(domain.RandomBytes(keyvault.MasterKeySize))
	if err != nil {
		t.Fatal(err)
	}
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name("sso"), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	admin := domain.User{ID: domain.NewID(domain.PrefixUser), Email: "boss@corp.test", Status: domain.UserActive,
		CreatedAt: now, UpdatedAt: now}
	if err := st.CreateUser(ctx, admin); err != nil {
		t.Fatal(err)
	}
	if err := st.AddMember(ctx, org.ID, admin.ID, []domain.RoleGrant{{Role: auth.RoleAdmin}}, now); err != nil {
		t.Fatal(err)
	}
	g := []auth.Grant{{Role: auth.RoleAdmin}}
	p := &auth.Principal{User: admin, Org: org, Grants: g, Perms: auth.OrgPermissions(g)}
	idp := oidctest.New(t)
	f := &fixture{t: t, ctx: ctx, st: st, svc: &sso.Service{Store: st, Vault: kv, BaseURL: "https://canopy.test"},
		admin: p, idp: idp, who: audit.Actor{IP: "127.0.0.1", UserAgent: "test"}}
	t.Cleanup(f.verifyAudit)
	on := true
	f.conn, err = f.svc.CreateConnection(ctx, p, f.who, sso.Input{Kind: sso.KindOIDC, Name: "Corp IdP", Enabled: &on,
		Domains: []string{"Corp.TEST"}, ClientSecret: idp.ClientSecret,
		Settings: mustJSON(t, sso.OIDCSettings{Issuer: idp.Issuer(), ClientID: idp.ClientID, Scopes: []string{"email", "profile", "groups"}})})
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func mustJSON(t *testing.T, v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func (f *fixture) member(email, role string) domain.User {
	f.t.Helper()
	now := domain.Now()
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: email, Status: domain.UserActive, CreatedAt: now, UpdatedAt: now,
		PasswordHash: "$argon2id$from-before-federation", MustChangePassword: true}
	if err := f.st.CreateUser(f.ctx, u); err != nil {
		f.t.Fatal(err)
	}
	if err := f.st.AddMember(f.ctx, f.admin.Org.ID, u.ID, []domain.RoleGrant{{Role: role}}, now); err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) connection() store.SSOConnection {
	f.t.Helper()
	c, err := f.st.GetSSOConnection(f.ctx, f.admin.Org.ID, f.conn.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return c
}

// atIdP follows the authorisation URL at the provider (which signs the
// queued user in at once) and returns the query it sends back to Canopy.
func (f *fixture) atIdP(authURL string) url.Values {
	f.t.Helper()
	c := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := c.Get(authURL)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	loc, err := url.Parse(resp.Header.Get("Location"))
	if err != nil || resp.StatusCode != http.StatusFound {
		f.t.Fatalf("provider answered %d, location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	if got := loc.Scheme + "://" + loc.Host + loc.Path + "?connection=" + loc.Query().Get("connection"); got != f.svc.CallbackURL(f.conn.ID) {
		f.f("callback %q, want %q", got, f.svc.CallbackURL(f.conn.ID))
	}
	return loc.Query()
}

func (f *fixture) f(format string, args ...any) { f.t.Helper(); f.t.Errorf(format, args...) }

// complete finishes a sign-in in the browser that started it (its session
// holds the state it sends back).
func (f *fixture) complete(connectionID string, q url.Values) (*sso.Result, error) {
	return f.svc.Complete(f.ctx, connectionID, q, q.Get("state"), f.who)
}

func (f *fixture) begin(testBy string) string {
	f.t.Helper()
	u, _, err := f.svc.Begin(f.ctx, f.connection(), "", "/costs", testBy, f.who)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// signIn runs a whole sign-in of user at the provider.
func (f *fixture) signIn(user mockoidc.User) (*sso.Result, error) {
	f.t.Helper()
	f.idp.QueueUser(user)
	return f.complete(f.conn.ID, f.atIdP(f.begin("")))
}

// lastFailure returns the reason of the newest user.sso_failed entry.
func (f *fixture) lastFailure() string {
	f.t.Helper()
	var last string
	err := f.st.ScanAudit(f.ctx, func(ev domain.AuditEvent) error {
		if ev.Action == "user.sso_failed" {
			var d struct{ Reason string }
			if err := json.Unmarshal([]byte(ev.Details), &d); err != nil {
				return err
			}
			last = d.Reason
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return last
}

func refusal(t *testing.T, err error) *sso.Refusal {
	t.Helper()
	var r *sso.Refusal
	if !errors.As(err, &r) {
		t.Fatalf("err = %v, want a refusal", err)
	}
	return r
}

// tweaked is a provider user whose signed ID token is changed by edit
// (issuer, audience, expiry) and carries extra claims.
type tweaked struct {
	*mockoidc.MockUser
	edit  func(*jwt.RegisteredClaims)
	extra map[string]any
}

func (u tweaked) Claims(scope []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	if u.edit != nil {
		u.edit(base.RegisteredClaims)
	}
	c, err := u.MockUser.Claims(scope, base)
	if err != nil || u.extra == nil {
		return c, err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	m := jwt.MapClaims{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range u.extra {
		m[k] = v
	}
	return m, nil
}

func person(sub, email string, groups ...string) *mockoidc.MockUser {
	return &mockoidc.MockUser{Subject: sub, Email: email, EmailVerified: true, Groups: groups}
}

// A member of the organisation signs in at the provider: the result names
// them, the identity is linked by subject, and the next sign-in finds them
// by subject even when the provider's email changed.
func TestOIDCSignInLinksMember(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		u := f.member("ann@corp.test", auth.RoleFinOps)
		res, err := f.signIn(person("idp-ann", "Ann@Corp.test"))
		if err != nil {
			t.Fatal(err)
		}
		if res.User.ID != u.ID || res.Next != "/costs" || res.Identity.Subject != "idp-ann" {
			t.Fatalf("result user %q next %q subject %q", res.User.ID, res.Next, res.Identity.Subject)
		}
		// The password from before the domain was federated is gone.
		if got, _ := f.st.GetUser(f.ctx, u.ID); got.PasswordHash != "" || got.MustChangePassword || res.User.MustChangePassword {
			t.Fatalf("local password kept: %+v", got)
		}
		res, err = f.signIn(person("idp-ann", "ann.renamed@elsewhere.test"))
		if err != nil || res.User.ID != u.ID {
			t.Fatalf("second sign-in: %v, user %q", err, res.User.ID)
		}
	})
}

// State is single use, must exist and must belong to the connection; the
// ID token's nonce must be the one of this sign-in; every refusal is
// audited with its reason.
func TestOIDCStateAndNonce(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.member("ann@corp.test", auth.RoleViewer)
		f.idp.QueueUser(person("idp-ann", "ann@corp.test"))
		q := f.atIdP(f.begin(""))

		wrong := url.Values{"code": {q.Get("code")}, "state": {"not-the-state"}}
		if _, err := f.complete(f.conn.ID, wrong); refusal(t, err) == nil || f.lastFailure() != "unknown, used or expired state" {
			t.Fatalf("wrong state: %v, audited %q", err, f.lastFailure())
		}
		if _, err := f.complete("sso_other", q); refusal(t, err).Reason != "state belongs to another connection" {
			t.Fatalf("other connection: %v", err)
		}
		// The state was taken by the refused attempt above: replaying it fails.
		if _, err := f.complete(f.conn.ID, q); refusal(t, err).Reason != "unknown, used or expired state" {
			t.Fatalf("replayed state: %v", err)
		}

		// A state started in another browser (login CSRF) is refused.
		f.idp.QueueUser(person("idp-ann", "ann@corp.test"))
		other := f.atIdP(f.begin(""))
		if _, err := f.svc.Complete(f.ctx, f.conn.ID, other, "the-victims-own-state", f.who); refusal(t, err).Reason != "state not started in this browser" {
			t.Fatalf("unbound state: %v", err)
		}

		// Two sign-ins started; the code of the first comes back with the
		// state of the second: its PKCE verifier does not fit the code.
		f.idp.QueueUser(person("idp-ann", "ann@corp.test"))
		first := f.atIdP(f.begin(""))
		st2, _ := url.Parse(f.begin(""))
		mixed := url.Values{"code": {first.Get("code")}, "state": {st2.Query().Get("state")}}
		if _, err := f.complete(f.conn.ID, mixed); !strings.HasPrefix(refusal(t, err).Reason, "code exchange failed") {
			t.Fatalf("code of another sign-in: %v", err)
		}

		// The nonce is changed on its way to the provider: the ID token
		// carries a nonce this sign-in did not make.
		a, _ := url.Parse(f.begin(""))
		aq := a.Query()
		aq.Set("nonce", "forged-nonce")
		a.RawQuery = aq.Encode()
		f.idp.QueueUser(person("idp-ann", "ann@corp.test"))
		if _, err := f.complete(f.conn.ID, f.atIdP(a.String())); refusal(t, err).Reason != "nonce mismatch" {
			t.Fatalf("wrong nonce: %v", err)
		}
		if f.lastFailure() != "nonce mismatch" {
			t.Fatalf("audited %q", f.lastFailure())
		}

		// A good sign-in replayed: the second use of its state fails.
		f.idp.QueueUser(person("idp-ann", "ann@corp.test"))
		good := f.atIdP(f.begin(""))
		if _, err := f.complete(f.conn.ID, good); err != nil {
			t.Fatal(err)
		}
		if _, err := f.complete(f.conn.ID, good); refusal(t, err).Reason != "unknown, used or expired state" {
			t.Fatalf("replayed sign-in: %v", err)
		}
	})
}

// The authorisation request carries a PKCE S256 challenge, and the code
// is exchanged only with the verifier kept server-side: a code sent back
// under the state of another sign-in (another verifier) is refused by the
// provider.
func TestOIDCPKCE(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, _ := url.Parse(f.begin(""))
		if a.Query().Get("code_challenge_method") != "S256" || len(a.Query().Get("code_challenge")) != 43 {
			t.Fatalf("authorisation URL without S256 challenge: %s", a)
		}
		if a.Query().Get("nonce") == "" || a.Query().Get("state") == "" {
			t.Fatalf("no nonce or state: %s", a)
		}
		// The provider must check the verifier: drop the challenge and the
		// code was issued without one, so tamper instead with the challenge.
		q := a.Query()
		q.Set("code_challenge", strings.Repeat("A", 43))
		a.RawQuery = q.Encode()
		f.idp.QueueUser(person("idp-ann", "ann@corp.test"))
		back := f.atIdP(a.String())
		r := refusal(t, func() error { _, err := f.complete(f.conn.ID, back); return err }())
		if !strings.HasPrefix(r.Reason, "code exchange failed") {
			t.Fatalf("reason %q", r.Reason)
		}
	})
}

// ID tokens from the right provider but with a wrong issuer, another
// audience or already expired are refused with the reason audited.
func TestOIDCTokenChecks(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.member("ann@corp.test", auth.RoleViewer)
		cases := []struct {
			reason string
			edit   func(*jwt.RegisteredClaims)
		}{
			{"wrong issuer", func(c *jwt.RegisteredClaims) { c.Issuer = "https://evil.test" }},
			{"wrong audience", func(c *jwt.RegisteredClaims) { c.Audience = jwt.ClaimStrings{"someone-else"} }},
			{"ID token expired", func(c *jwt.RegisteredClaims) {
				c.ExpiresAt = jwt.NewNumericDate(time.Now().Add(-10 * time.Minute))
				c.IssuedAt = jwt.NewNumericDate(time.Now().Add(-20 * time.Minute))
			}},
		}
		for _, tc := range cases {
			_, err := f.signIn(tweaked{MockUser: person("idp-ann", "ann@corp.test"), edit: tc.edit})
			if r := refusal(t, err); r.Reason != tc.reason || f.lastFailure() != tc.reason {
				t.Errorf("%s: reason %q, audited %q", tc.reason, r.Reason, f.lastFailure())
			}
		}
	})
}

// Someone the provider vouches for without a Canopy account sees whom to
// ask; with just-in-time creation on, the account is created with the role
// the groups map to; an email of a domain not on the connection is refused.
func TestOIDCNotSetUpAndJIT(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		_, err := f.signIn(person("idp-new", "new@corp.test", "finance"))
		var ns *sso.NotSetUp
		if !errors.As(err, &ns) || ns.Email != "new@corp.test" || len(ns.Contacts) != 1 || ns.Contacts[0] != "boss@corp.test" {
			t.Fatalf("not set up: %v %+v", err, ns)
		}
		if f.lastFailure() != "no Canopy account" {
			t.Fatalf("audited %q", f.lastFailure())
		}

		in := sso.Input{Name: f.conn.Name, Domains: f.conn.Domains, Settings: f.conn.Settings, JIT: true,
			JITRole: auth.RoleViewer, GroupRoles: []sso.GroupRole{{Group: "Finance", Role: auth.RoleFinOps}}}
		if _, err := f.svc.UpdateConnection(f.ctx, f.admin, f.who, f.conn.ID, in); err != nil {
			t.Fatal(err)
		}
		res, err := f.signIn(person("idp-new", "new@corp.test", "finance"))
		if err != nil {
			t.Fatal(err)
		}
		m, err := f.st.GetMember(f.ctx, f.admin.Org.ID, res.User.ID)
		if err != nil || len(m.Grants) != 1 || m.Grants[0].Role != auth.RoleFinOps || m.User.PasswordHash != "" {
			t.Fatalf("member %+v, %v", m, err)
		}
		res, err = f.signIn(person("idp-other", "plain@corp.test"))
		if err != nil {
			t.Fatal(err)
		}
		if m, _ := f.st.GetMember(f.ctx, f.admin.Org.ID, res.User.ID); len(m.Grants) != 1 || m.Grants[0].Role != auth.RoleViewer {
			t.Fatalf("default role: %+v", m.Grants)
		}

		_, err = f.signIn(person("idp-x", "x@elsewhere.test"))
		if r := refusal(t, err); !strings.Contains(r.Reason, "elsewhere.test is not a domain of the connection") {
			t.Fatalf("foreign domain: %q", r.Reason)
		}
	})
}

// "Test connection" signs nobody in: it returns the claims that arrived,
// works while the connection is disabled, and is audited.
func TestOIDCTestConnection(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		off := false
		if _, err := f.svc.UpdateConnection(f.ctx, f.admin, f.who, f.conn.ID, sso.Input{Name: f.conn.Name, Enabled: &off,
			Domains: f.conn.Domains, Settings: f.conn.Settings}); err != nil {
			t.Fatal(err)
		}
		if _, _, err := f.svc.Begin(f.ctx, f.connection(), "", "", "", f.who); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("sign-in with a disabled connection: %v", err)
		}
		f.idp.QueueUser(person("idp-new", "stranger@corp.test", "ops"))
		res, err := f.complete(f.conn.ID, f.atIdP(f.begin(f.admin.User.ID)))
		if err != nil {
			t.Fatal(err)
		}
		if res.TestBy != f.admin.User.ID || res.User.ID != "" || res.Claims["email"] != "stranger@corp.test" ||
			res.Identity.Email != "stranger@corp.test" || len(res.Identity.Groups) != 1 {
			t.Fatalf("test result %+v", res)
		}
		if _, err := f.st.GetUserByEmail(f.ctx, "stranger@corp.test"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("test created an account: %v", err)
		}
	})
}

// A domain belongs to one connection across organisations; bad input is
// named; client secrets never come back; settings.manage is required.
func TestConnectionValidation(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		if f.conn.HasSecret != true || strings.Contains(string(mustJSON(t, f.conn)), f.idp.ClientSecret) {
			t.Fatalf("secret leaked or missing: %s", mustJSON(t, f.conn))
		}
		now := domain.Now()
		other := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name("other"), CreatedAt: now, UpdatedAt: now}
		if err := f.st.CreateOrg(f.ctx, other); err != nil {
			t.Fatal(err)
		}
		g := []auth.Grant{{Role: auth.RoleAdmin}}
		p2 := &auth.Principal{User: f.admin.User, Org: other, Grants: g, Perms: auth.OrgPermissions(g)}
		_, err := f.svc.CreateConnection(f.ctx, p2, f.who, sso.Input{Kind: sso.KindOIDC, Name: "Theirs", Domains: []string{"@corp.test"}})
		if domain.ErrorCode(err) != domain.CodeConflict || domain.ErrorField(err) != "domains" {
			t.Fatalf("taken domain: %v", err)
		}
		if list, _ := f.st.ListSSOConnections(f.ctx, other.ID); len(list) != 0 {
			t.Fatalf("a refused connection was kept: %+v", list)
		}
		if _, err := f.svc.Connection(f.ctx, p2, f.conn.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("other org reads the connection: %v", err)
		}
		on := true
		bad := []struct {
			field string
			in    sso.Input
		}{
			{"kind", sso.Input{Kind: "ldap", Name: "x"}},
			{"name", sso.Input{Kind: sso.KindOIDC}},
			{"domains", sso.Input{Kind: sso.KindOIDC, Name: "x", Domains: []string{"not a domain"}}},
			{"domains", sso.Input{Kind: sso.KindOIDC, Name: "x", Enabled: &on}},
			{"issuer", sso.Input{Kind: sso.KindOIDC, Name: "x", Enabled: &on, Domains: []string{"a.test"},
				Settings: json.RawMessage(`{"issuer":"http://idp.example.com","client_id":"c"}`)}},
			{"tenant_id", sso.Input{Kind: sso.KindAzureAD, Name: "x", Enabled: &on, Domains: []string{"a.test"},
				Settings: json.RawMessage(`{"tenant_id":"contoso","client_id":"c"}`)}},
			{"sign_in_url", sso.Input{Kind: sso.KindWSFed, Name: "x", Enabled: &on, Domains: []string{"a.test"}}},
			{"sign_in_url", sso.Input{Kind: sso.KindSAML, Name: "x", Enabled: &on, Domains: []string{"a.test"}}},
			{"jit_role", sso.Input{Kind: sso.KindOIDC, Name: "x", JIT: true, JITRole: auth.RoleOwner}},
			{"group_roles", sso.Input{Kind: sso.KindOIDC, Name: "x", GroupRoles: []sso.GroupRole{{Group: "g", Role: "root"}}}},
		}
		for _, b := range bad {
			if _, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, b.in); domain.ErrorField(err) != b.field {
				t.Errorf("%+v: err %v, want field %s", b.in, err, b.field)
			}
		}
		// A SAML connection can be configured (disabled) for later.
		if _, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindSAML, Name: "Later",
			Domains: []string{"saml.test"}, Settings: json.RawMessage(`{"metadata_url":"https://idp.saml.test/md"}`)}); err != nil {
			t.Fatal(err)
		}
		vg := []auth.Grant{{Role: auth.RoleViewer}}
		viewer := &auth.Principal{User: f.admin.User, Org: f.admin.Org, Grants: vg, Perms: auth.OrgPermissions(vg)}
		if _, err := f.svc.Connections(f.ctx, viewer); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("viewer lists connections: %v", err)
		}
		if err := f.svc.DeleteConnection(f.ctx, viewer, f.who, f.conn.ID); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("viewer deletes: %v", err)
		}
		if err := f.svc.DeleteConnection(f.ctx, f.admin, f.who, f.conn.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.CreateConnection(f.ctx, p2, f.who, sso.Input{Kind: sso.KindOIDC, Name: "Theirs", Domains: []string{"corp.test"}}); err != nil {
			t.Fatalf("domain free again after delete: %v", err)
		}
	})
}
