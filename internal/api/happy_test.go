package api_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// JSON shapes as a client reads them.
type userJSON struct {
	ID         string   `json:"id"`
	Email      string   `json:"email"`
	Name       string   `json:"name"`
	Status     string   `json:"status"`
	Roles      []string `json:"roles"`
	MFAEnabled bool     `json:"mfa_enabled"`
	CreatedAt  string   `json:"created_at"`
}

type tokenJSON struct {
	ID        string  `json:"id"`
	Name      string  `json:"name"`
	Prefix    string  `json:"prefix"`
	Active    bool    `json:"active"`
	ExpiresAt *string `json:"expires_at"`
	RevokedAt *string `json:"revoked_at"`
	Token     string  `json:"token"`
}

type auditJSON struct {
	Action     string         `json:"action"`
	ActorID    string         `json:"actor_id"`
	TargetID   string         `json:"target_id"`
	IP         string         `json:"ip"`
	UserAgent  string         `json:"user_agent"`
	At         string         `json:"at"`
	Details    map[string]any `json:"details"`
	Hash       string         `json:"hash"`
	PrevHash   string         `json:"prev_hash"`
	TargetType string         `json:"target_type"`
}

type listJSON[T any] struct {
	Items      []T    `json:"items"`
	NextCursor string `json:"next_cursor"`
}

// TestHappyPaths walks the API as an administrator would, then checks
// that the audit log shows every change with the client's address.
func TestHappyPaths(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.checkMe(t)
		f.checkOrg(t)
		pat := f.checkAddUsers(t)
		f.checkMemberChanges(t, pat)
		f.checkSessions(t)
		f.checkTokens(t)
		f.checkAudit(t)
	})
}

func (f *fixture) checkMe(t *testing.T) {
	var me struct {
		User        userJSON `json:"user"`
		Org         struct{ ID, Name string }
		Roles       []string `json:"roles"`
		Permissions []string `json:"permissions"`
		TokenID     string   `json:"token_id"`
	}
	res := f.do("GET", "/api/v1/me", f.a.ownerToken, nil)
	res.wantStatus(t, "me", 200)
	res.decode(t, &me)
	if me.User.ID != f.a.owner.ID || me.Org.ID != f.a.org.ID || me.TokenID != f.a.ownerTokenID ||
		!slices.Equal(me.Roles, []string{"owner"}) || !slices.Contains(me.Permissions, "users.manage") {
		t.Errorf("me: %+v", me)
	}
	checkTime(t, "me.user.created_at", me.User.CreatedAt)
	res = f.do("GET", "/api/v1/me", f.a.viewerToken, nil)
	res.decode(t, &me)
	if slices.Contains(me.Permissions, "users.read") || !slices.Equal(me.Roles, []string{"viewer"}) {
		t.Errorf("viewer me: %+v", me)
	}
}

func (f *fixture) checkOrg(t *testing.T) {
	var orgs listJSON[struct{ ID, Name string }]
	f.do("GET", "/api/v1/orgs", f.a.ownerToken, nil).decode(t, &orgs)
	if len(orgs.Items) != 1 || orgs.Items[0].ID != f.a.org.ID {
		t.Errorf("orgs: %+v", orgs)
	}
	res := f.do("PATCH", "/api/v1/org", f.a.ownerToken, map[string]any{"name": "  Alpha Renamed "})
	res.wantStatus(t, "patch org", 200)
	var org struct {
		Name        string `json:"name"`
		MFARequired bool   `json:"mfa_required"`
		UpdatedAt   string `json:"updated_at"`
	}
	f.do("GET", "/api/v1/org", f.a.ownerToken, nil).decode(t, &org)
	if org.Name != "Alpha Renamed" || org.MFARequired {
		t.Errorf("org after patch: %+v", org)
	}
	checkTime(t, "org.updated_at", org.UpdatedAt)
	f.do("PATCH", "/api/v1/org", f.a.ownerToken, `{}`).wantError(t, "empty patch", 400, domain.CodeInvalid)
	e := f.do("PATCH", "/api/v1/org", f.a.ownerToken, `{"name":""}`).wantError(t, "blank name", 400, domain.CodeInvalid)
	if e.Error.Field != "name" {
		t.Errorf("blank name: field %q", e.Error.Field)
	}
	var roles listJSON[struct {
		Key         string   `json:"key"`
		Permissions []string `json:"permissions"`
	}]
	f.do("GET", "/api/v1/roles", f.a.viewerToken, nil).decode(t, &roles)
	if len(roles.Items) != len(auth.Roles()) || roles.Items[0].Key != auth.RoleOwner || len(roles.Items[0].Permissions) == 0 {
		t.Errorf("roles: %+v", roles)
	}
	var perms listJSON[struct{ Key, Description string }]
	f.do("GET", "/api/v1/permissions", f.a.viewerToken, nil).decode(t, &perms)
	if len(perms.Items) != len(auth.AllPermissions()) || perms.Items[0].Description == "" {
		t.Errorf("permissions: %+v", perms)
	}
}

// checkAddUsers invites one person and creates another with a one-time
// password, returning the latter's ID.
func (f *fixture) checkAddUsers(t *testing.T) string {
	var created struct {
		User            userJSON `json:"user"`
		Existing        bool     `json:"existing"`
		OneTimePassword string   `json:"one_time_password"`
	}
	body := map[string]any{"email": "Iris@Alpha.test", "name": "Iris", "roles": []string{"viewer"}, "mode": "invite"}
	res := f.do("POST", "/api/v1/users", f.a.ownerToken, body)
	res.wantStatus(t, "invite", 201)
	res.decode(t, &created)
	if created.User.Email != "iris@alpha.test" || created.User.Status != "invited" || created.OneTimePassword != "" ||
		res.header.Get("Location") != "/api/v1/users/"+created.User.ID {
		t.Errorf("invite: %+v location %q", created, res.header.Get("Location"))
	}
	if msgs := f.mail.To("iris@alpha.test"); len(msgs) != 1 || !strings.Contains(msgs[0].Text, "/invite/") {
		t.Errorf("invitation mail: %+v", msgs)
	}
	body = map[string]any{"email": "pat@alpha.test", "roles": []string{"finops"}, "mode": "password"}
	res = f.do("POST", "/api/v1/users", f.a.ownerToken, body)
	res.wantStatus(t, "create with password", 201)
	res.decode(t, &created)
	if created.User.Status != "active" || created.OneTimePassword == "" || !slices.Equal(created.User.Roles, []string{"finops"}) {
		t.Errorf("password user: %+v", created)
	}
	if _, err := f.svc.Authenticate(f.ctx, "pat@alpha.test", created.OneTimePassword, audit.Actor{IP: "127.0.0.1"}); err != nil {
		t.Errorf("one-time password does not sign in: %v", err)
	}
	f.do("POST", "/api/v1/users", f.a.ownerToken, body).wantError(t, "add twice", 409, domain.CodeConflict)
	// When only the email fails, the member exists: say so, not 500.
	f.mail.Fail(true)
	defer f.mail.Fail(false)
	body = map[string]any{"email": "unlucky@alpha.test", "roles": []string{"viewer"}, "mode": "invite"}
	res = f.do("POST", "/api/v1/users", f.a.ownerToken, body)
	res.wantStatus(t, "invite with mail down", 201)
	if m := res.json(t); m["warning"] == nil || m["user"] == nil {
		t.Errorf("no warning about the unsent invitation: %v", m)
	}
	return created.User.ID
}

func (f *fixture) checkMemberChanges(t *testing.T, pat string) {
	var u userJSON
	path := "/api/v1/users/" + pat
	res := f.do("PUT", path+"/roles", f.a.ownerToken, map[string]any{"roles": []string{"viewer", "admin"}})
	res.wantStatus(t, "set roles", 200)
	res.decode(t, &u)
	if !slices.Equal(u.Roles, []string{"admin", "viewer"}) {
		t.Errorf("roles after set: %v", u.Roles)
	}
	e := f.do("PUT", path+"/roles", f.a.ownerToken, `{"roles":["emperor"]}`).wantError(t, "unknown role", 400, domain.CodeInvalid)
	if e.Error.Field != "roles" {
		t.Errorf("unknown role field %q", e.Error.Field)
	}
	for _, c := range []struct{ action, status string }{{"deactivate", "deactivated"}, {"reactivate", "active"}} {
		res = f.do("POST", path+"/"+c.action, f.a.ownerToken, nil)
		res.wantStatus(t, c.action, 200)
		res.decode(t, &u)
		if u.Status != c.status {
			t.Errorf("%s: status %q", c.action, u.Status)
		}
	}
	f.do("POST", "/api/v1/users/"+f.a.owner.ID+"/deactivate", f.a.ownerToken, nil).wantError(t, "deactivate self", 409, domain.CodeConflict)
	if err := f.st.SetMFA(f.ctx, pat, mfaMarker, true, domain.Now()); err != nil {
		t.Fatal(err)
	}
	res = f.do("POST", path+"/mfa-reset", f.a.ownerToken, nil)
	res.wantStatus(t, "mfa reset", 200)
	res.decode(t, &u)
	if u.MFAEnabled {
		t.Errorf("mfa still enabled after reset")
	}
	f.do("GET", "/api/v1/users/"+domain.NewID(domain.PrefixUser), f.a.ownerToken, nil).wantError(t, "no such user", 404, domain.CodeNotFound)
}

func (f *fixture) checkSessions(t *testing.T) {
	var sessions listJSON[struct{ ID, IP string }]
	path := "/api/v1/users/" + f.a.owner.ID + "/sessions"
	f.do("GET", path, f.a.ownerToken, nil).decode(t, &sessions)
	if len(sessions.Items) != 1 || sessions.Items[0].ID != f.a.sessionID || sessions.Items[0].IP != "192.0.2.9" {
		t.Errorf("sessions: %+v", sessions)
	}
	f.do("DELETE", path+"/"+f.a.sessionID, f.a.ownerToken, nil).wantStatus(t, "revoke session", 204)
	f.do("GET", path, f.a.ownerToken, nil).decode(t, &sessions)
	if len(sessions.Items) != 0 {
		t.Errorf("session survived revocation: %+v", sessions)
	}
	// Any member sees and ends their own sessions, without users.manage.
	own := f.startSession(f.a.viewer)
	vpath := "/api/v1/users/" + f.a.viewer.ID + "/sessions"
	f.do("GET", vpath, f.a.viewerToken, nil).decode(t, &sessions)
	if len(sessions.Items) != 1 || sessions.Items[0].ID != own {
		t.Errorf("viewer's own sessions: %+v", sessions)
	}
	f.do("DELETE", vpath+"/"+own, f.a.viewerToken, nil).wantStatus(t, "viewer ends own session", 204)
	f.do("GET", path, f.a.viewerToken, nil).wantError(t, "viewer lists owner's sessions", 403, domain.CodeForbidden)
}

func (f *fixture) checkTokens(t *testing.T) {
	var tok tokenJSON
	res := f.do("POST", "/api/v1/tokens", f.a.ownerToken, map[string]any{"name": "deploy", "expires_in_days": 30})
	res.wantStatus(t, "create token", 201)
	res.decode(t, &tok)
	f.secrets = append(f.secrets, tok.Token, auth.HashSecretToken(tok.Token))
	if !strings.HasPrefix(tok.Token, "cnp_") || !strings.HasPrefix(tok.Token, tok.Prefix) || !tok.Active || tok.ExpiresAt == nil {
		t.Fatalf("created token: %+v", tok)
	}
	if exp := checkTime(t, "expires_at", *tok.ExpiresAt); exp.Before(time.Now().Add(29 * 24 * time.Hour)) {
		t.Errorf("expires_at %v is not 30 days out", exp)
	}
	var me struct {
		TokenID string `json:"token_id"`
	}
	f.do("GET", "/api/v1/me", tok.Token, nil).decode(t, &me)
	if me.TokenID != tok.ID {
		t.Errorf("new token authenticates as %q", me.TokenID)
	}
	for _, days := range []string{"-1", "1096", "1000000000000"} { // the last would overflow a time.Duration
		e := f.do("POST", "/api/v1/tokens", f.a.ownerToken, `{"name":"x","expires_in_days":`+days+`}`).wantError(t, "days "+days, 400, domain.CodeInvalid)
		if e.Error.Field != "expires_in_days" {
			t.Errorf("days %s: field %q", days, e.Error.Field)
		}
	}
	f.do("DELETE", "/api/v1/tokens/"+tok.ID, f.a.ownerToken, nil).wantStatus(t, "revoke token", 204)
	f.do("GET", "/api/v1/me", tok.Token, nil).wantError(t, "revoked token", 401, domain.CodeUnauthenticated)
	var list listJSON[tokenJSON]
	f.do("GET", "/api/v1/tokens", f.a.ownerToken, nil).decode(t, &list)
	i := slices.IndexFunc(list.Items, func(x tokenJSON) bool { return x.ID == tok.ID })
	if len(list.Items) != 2 || i < 0 || list.Items[i].Active || list.Items[i].RevokedAt == nil || list.Items[i].Token != "" {
		t.Errorf("token list: %+v", list)
	}
	f.do("DELETE", "/api/v1/tokens/"+domain.NewID(domain.PrefixToken), f.a.ownerToken, nil).wantError(t, "no such token", 404, domain.CodeNotFound)
}

func (f *fixture) checkAudit(t *testing.T) {
	var log listJSON[auditJSON]
	f.do("GET", "/api/v1/audit?limit=200", f.a.ownerToken, nil).decode(t, &log)
	got := map[string]int{}
	for _, e := range log.Items {
		if e.ActorID != f.a.owner.ID || e.Action == "user.signin" { // the seeded browser sign-in
			continue
		}
		got[e.Action]++
		if e.IP != "127.0.0.1" || e.UserAgent != testUA || e.Hash == "" || e.Details == nil {
			t.Errorf("audit entry lacks who/where: %+v", e)
		}
		checkTime(t, "audit.at", e.At)
	}
	want := map[string]int{"org.settings_update": 1, "user.add": 3, "role.change": 1, "user.deactivate": 1,
		"user.reactivate": 1, "user.mfa_reset": 1, "session.revoke": 1, "token.revoke": 1,
		"token.create": 2} // the seeded token and the one made here
	for action, n := range want {
		if got[action] != n {
			t.Errorf("audit: %d %s entries by the owner, want %d (all: %v)", got[action], action, n, got)
		}
	}
	f.do("GET", "/api/v1/audit?action=token.", f.a.ownerToken, nil).decode(t, &log)
	for _, e := range log.Items {
		if !strings.HasPrefix(e.Action, "token.") {
			t.Errorf("action filter let through %s", e.Action)
		}
	}
	day := func(d int) string { return time.Now().UTC().AddDate(0, 0, d).Format(time.DateOnly) }
	q := fmt.Sprintf("/api/v1/audit?from=%s&to=%s&actor=%s", day(-1), day(1), f.a.owner.Email)
	f.do("GET", q, f.a.ownerToken, nil).decode(t, &log)
	if len(log.Items) < 10 {
		t.Errorf("date/actor filter found %d entries", len(log.Items))
	}
	e := f.do("GET", "/api/v1/audit?from=31/01/2026", f.a.ownerToken, nil).wantError(t, "bad date", 400, domain.CodeInvalid)
	if e.Error.Field != "from" {
		t.Errorf("bad date field %q", e.Error.Field)
	}
}

// checkTime parses an API time, which must be RFC 3339 in UTC.
func checkTime(t *testing.T, what, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.RFC3339Nano, s)
	if err != nil || !strings.HasSuffix(s, "Z") {
		t.Errorf("%s: %q is not an RFC 3339 UTC time (%v)", what, s, err)
	}
	return v
}
