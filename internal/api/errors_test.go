package api_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestAuthenticationErrors(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for _, c := range f.badCredentials(t) {
			req := f.newRequest("GET", "/api/v1/me", nil)
			if c.header != "" {
				req.Header.Set("Authorization", c.header)
			}
			res := f.send(req)
			res.wantError(t, c.name, 401, domain.CodeUnauthenticated)
			if ch := res.header.Get("WWW-Authenticate"); !strings.HasPrefix(ch, "Bearer ") {
				t.Errorf("%s: WWW-Authenticate %q", c.name, ch)
			}
		}
		// A browser session cookie is no credential for the API.
		req := f.newRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Cookie", "canopy_session=anything")
		f.send(req).wantError(t, "cookie only", 401, domain.CodeUnauthenticated)
		// The scheme is case-insensitive (RFC 7235); the owner's token works.
		req = f.newRequest("GET", "/api/v1/me", nil)
		req.Header.Set("Authorization", "bearer "+f.a.ownerToken)
		f.send(req).wantStatus(t, "lower-case scheme", 200)
	})
}

// badCredentials prepares every kind of Authorization header the API must
// refuse: absent, malformed, unknown, revoked, expired, and the token of a
// member who was deactivated.
func (f *fixture) badCredentials(t *testing.T) []struct{ name, header string } {
	owner := f.principal(f.a.owner, f.a.org)
	who := owner.Actor("127.0.0.1", testUA)
	revoked, revokedTok, err := f.svc.CreateAPIToken(f.ctx, owner, "to revoke", 0, who)
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.RevokeAPIToken(f.ctx, owner, revokedTok.ID, who); err != nil {
		t.Fatal(err)
	}
	past := domain.Now().Add(-time.Minute)
	expired, _ := f.insertToken(f.a.owner.ID, f.a.org.ID, &past)
	unknown, _ := auth.NewSecretToken(auth.APITokenPrefix)
	if err := f.svc.SetMemberActive(f.ctx, owner, f.a.viewer.ID, false, who); err != nil {
		t.Fatal(err)
	}
	return []struct{ name, header string }{
		{"no header", ""},
		{"basic scheme", "Basic b3duZXI6cGFzc3dvcmQ="},
		{"bearer without token", "Bearer "},
		{"not a canopy token", "Bearer abc.def.ghi"},
		{"unknown token", "Bearer " + unknown},
		{"revoked token", "Bearer " + revoked},
		{"expired token", "Bearer " + expired},
		{"deactivated member", "Bearer " + f.a.viewerToken},
	}
}

// TestMFAPolicyAppliesToTokens: once an org requires MFA, tokens of
// members without MFA stop working there; members with MFA are unaffected.
func TestMFAPolicyAppliesToTokens(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.do("GET", "/api/v1/me", f.a.viewerToken, nil).wantStatus(t, "before policy", 200)
		res := f.do("PATCH", "/api/v1/org", f.a.ownerToken, map[string]any{"mfa_required": true})
		res.wantStatus(t, "require MFA", 200)
		if m := res.json(t); m["mfa_required"] != true || m["name"] != "Alpha Tenant" {
			t.Errorf("patch kept the name and set the policy? %v", m)
		}
		e := f.do("GET", "/api/v1/me", f.a.viewerToken, nil).wantError(t, "viewer without MFA", 403, domain.CodeForbidden)
		if !strings.Contains(e.Error.Message, "multi-factor") {
			t.Errorf("message does not explain: %q", e.Error.Message)
		}
		f.do("GET", "/api/v1/me", f.a.ownerToken, nil).wantStatus(t, "owner with MFA", 200)
	})
}

func TestRequestBodyErrors(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok := f.a.ownerToken
		e := f.do("POST", "/api/v1/tokens", tok, `{"name":"x","colour":"red"}`).wantError(t, "unknown field", 400, domain.CodeInvalid)
		if e.Error.Field != "colour" || !strings.Contains(e.Error.Message, "colour") {
			t.Errorf("unknown field not named: %+v", e.Error)
		}
		e = f.do("POST", "/api/v1/tokens", tok, `{"name":5}`).wantError(t, "wrong type", 400, domain.CodeInvalid)
		if e.Error.Field != "name" || !strings.Contains(e.Error.Message, "string") {
			t.Errorf("type error not explained: %+v", e.Error)
		}
		path := "/api/v1/users/" + f.a.viewer.ID + "/roles"
		e = f.do("PUT", path, tok, `{"roles":"admin"}`).wantError(t, "string for array", 400, domain.CodeInvalid)
		if e.Error.Field != "roles" || !strings.Contains(e.Error.Message, "array") {
			t.Errorf("type error not explained: %+v", e.Error)
		}
		big := `{"name":"` + strings.Repeat("a", 1<<20) + `"}`
		e = f.do("POST", "/api/v1/tokens", tok, big).wantError(t, "oversized", 413, domain.CodeTooLarge)
		if !strings.Contains(e.Error.Message, "1 MiB") {
			t.Errorf("size limit not named: %q", e.Error.Message)
		}
		for name, body := range map[string]string{
			"trailing object":  `{"name":"x"} {"name":"y"}`,
			"trailing garbage": `{"name":"x"}garbage`,
			"empty body":       ``,
			"whitespace body":  " \n ",
			"truncated":        `{"name":`,
			"array body":       `[]`,
			"not json":         `name=x`,
		} {
			f.do("POST", "/api/v1/tokens", tok, body).wantError(t, name, 400, domain.CodeInvalid)
		}
		f.checkContentTypes(t, tok)
	})
}

// checkContentTypes: only JSON bodies are read, and no refused request
// created anything.
func (f *fixture) checkContentTypes(t *testing.T, tok string) {
	for name, ct := range map[string]string{"text/plain": "text/plain", "form": "application/x-www-form-urlencoded", "none": ""} {
		req := f.newRequest("POST", "/api/v1/tokens", `{"name":"x"}`)
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", ct)
		f.send(req).wantError(t, "content type "+name, 415, domain.CodeInvalid)
	}
	tokens, err := f.svc.ListAPITokens(f.ctx, f.principal(f.a.owner, f.a.org))
	if err != nil || len(tokens) != 1 {
		t.Errorf("a refused request created a token: %d tokens, %v", len(tokens), err)
	}
	req := f.newRequest("POST", "/api/v1/tokens", `{"name":"with charset"}`)
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json; charset=utf-8")
	f.send(req).wantStatus(t, "JSON with charset", 201)
}

func TestUnknownRoutesAndMethods(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok := f.a.ownerToken
		f.do("GET", "/api/v1/nothing-here", tok, nil).wantError(t, "unknown route", 404, domain.CodeNotFound)
		f.do("GET", "/api/v1/users/x/y/z", "", nil).wantError(t, "unknown nested route", 404, domain.CodeNotFound)
		for _, c := range []struct{ method, path, allow string }{
			{"DELETE", "/api/v1/me", "GET"},
			{"PUT", "/api/v1/users", "GET, POST"},
			{"POST", "/api/v1/org", "GET, PATCH"},
			{"GET", "/api/v1/tokens/" + f.a.ownerTokenID, "DELETE"},
		} {
			res := f.do(c.method, c.path, tok, nil)
			res.wantError(t, c.method+" "+c.path, http.StatusMethodNotAllowed, domain.CodeInvalid)
			if got := res.header.Get("Allow"); got != c.allow {
				t.Errorf("%s %s: Allow %q, want %q", c.method, c.path, got, c.allow)
			}
		}
	})
}

// principal loads a member's principal, failing the test when refused.
func (f *fixture) principal(u domain.User, org domain.Org) *auth.Principal {
	f.t.Helper()
	p, err := f.svc.LoadPrincipal(f.ctx, u.ID, org.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	return p
}
