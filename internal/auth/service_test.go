package auth

import (
	"context"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The service tests run every scenario on each storage engine through
// storetest.Run, in parallel with each other because PostgreSQL commits
// are slow. Password hashing parameters are process-wide, so the cheap ones
// are installed while any service test runs (see shareFastParams) and no
// service test changes them.

// goodPassword passes ValidateNewPassword for every fixture account.
const goodPassword = "violet harbour lantern tundra"

// fixture is one service on a fresh database.
type fixture struct {
	t    *testing.T
	ctx  context.Context
	st   *store.Store
	svc  *Service
	mail *mailtest.Outbox
}

const testBaseURL = "https://canopy.test"

// runService runs fn on every engine with a fresh service, cheap password
// hashing and, at the end, a check that the audit chain is intact.
func runService(t *testing.T, fn func(f *fixture)) {
	t.Parallel()
	shareFastParams(t)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		fn(newFixture(t, db))
	})
}

// fastParams counts the running service tests that need cheap hashing:
// the first installs the parameters and the last restores the previous
// ones, so parallel tests never see them change under their feet.
// Parallel tests start only after every sequential test of the package
// has finished, so they never overlap the primitive tests that swap the
// parameters themselves.
var fastParams struct {
	sync.Mutex
	users   int
	restore func()
}

func shareFastParams(t *testing.T) {
	fastParams.Lock()
	defer fastParams.Unlock()
	if fastParams.users == 0 {
		fastParams.restore = SetPasswordParams(FastInsecurePasswordParams)
	}
	fastParams.users++
	t.Cleanup(func() {
		fastParams.Lock()
		defer fastParams.Unlock()
		if fastParams.users--; fastParams.users == 0 {
			fastParams.restore()
		}
	})
}

func newFixture(t *testing.T, db *store.DB) *fixture {
	kv, err := keyvault.OpenLocal(filepath.Join(t.TempDir(), "keys", "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	mb := &mailtest.Outbox{}
	st := store.New(db)
	svc := NewService(st, kv, mb, testBaseURL)
	svc.Limits = Limits{Window: time.Hour, PerAccount: 5, PerIP: 20, ResetsPerWindow: 3}
	f := &fixture{t: t, ctx: context.Background(), st: st, svc: svc, mail: mb}
	t.Cleanup(f.verifyAudit)
	return f
}

// verifyAudit fails the test when the audit hash chain is broken.
func (f *fixture) verifyAudit() {
	rep, err := audit.Verify(f.ctx, f.st)
	if err != nil {
		f.t.Errorf("audit verify: %v", err)
		return
	}
	if !rep.OK() {
		f.t.Errorf("audit chain: %d entries, problems %+v", rep.Entries, rep.Problems)
	}
}

// org creates an organisation directly in the store.
func (f *fixture) org(name string) domain.Org {
	f.t.Helper()
	now := domain.Now()
	o := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: name, CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateOrg(f.ctx, o); err != nil {
		f.t.Fatal(err)
	}
	return o
}

// member makes email an active member of org with roles, creating the
// account (password goodPassword) when it does not exist yet.
func (f *fixture) member(org domain.Org, email string, roles ...string) domain.User {
	f.t.Helper()
	u, err := f.st.GetUserByEmail(f.ctx, email)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		u = f.createUser(email, goodPassword)
	} else if err != nil {
		f.t.Fatal(err)
	}
	var grants []domain.RoleGrant
	for _, r := range roles {
		grants = append(grants, domain.RoleGrant{Role: r})
	}
	if err := f.st.AddMember(f.ctx, org.ID, u.ID, grants, domain.Now()); err != nil {
		f.t.Fatal(err)
	}
	return u
}

func (f *fixture) createUser(email, password string) domain.User {
	f.t.Helper()
	hash, err := HashPassword(password)
	if err != nil {
		f.t.Fatal(err)
	}
	now := domain.Now()
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: email, Name: "Test Person",
		PasswordHash: hash, Status: domain.UserActive, PasswordChangedAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateUser(f.ctx, u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// user re-reads a user from the store.
func (f *fixture) user(id string) domain.User {
	f.t.Helper()
	u, err := f.st.GetUser(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return u
}

// principal loads u in org, failing the test when that is refused.
func (f *fixture) principal(u domain.User, org domain.Org) *Principal {
	f.t.Helper()
	p, err := f.svc.LoadPrincipal(f.ctx, u.ID, org.ID)
	if err != nil {
		f.t.Fatalf("load principal %s in %s: %v", u.Email, org.Name, err)
	}
	return p
}

// who is the audit actor for a signed-in user at the test client address.
func who(u domain.User) audit.Actor {
	return audit.Actor{UserID: u.ID, Email: u.Email, IP: "192.0.2.10", UserAgent: "service-test"}
}

// anon is an actor before sign-in.
func anon(ip string) audit.Actor { return audit.Actor{IP: ip, UserAgent: "service-test"} }

// session starts a live browser session for u and returns its token hash.
func (f *fixture) session(u domain.User) string {
	f.t.Helper()
	token := domain.NewID("")
	if err := f.st.Sessions().CommitCtx(f.ctx, token, []byte("data"), time.Now().Add(time.Hour)); err != nil {
		f.t.Fatal(err)
	}
	hash := store.HashSessionToken(token)
	if err := f.svc.StartSession(f.ctx, u, hash, anon("192.0.2.10")); err != nil {
		f.t.Fatal(err)
	}
	return hash
}

// sessionHashes lists the token hashes of u's live sessions.
func (f *fixture) sessionHashes(u domain.User) []string {
	f.t.Helper()
	list, err := f.st.ListSessions(f.ctx, u.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	var out []string
	for _, s := range list {
		out = append(out, s.TokenHash)
	}
	return out
}

// audits returns the entries with an action, in chain order.
func (f *fixture) audits(action string) []domain.AuditEvent {
	f.t.Helper()
	var out []domain.AuditEvent
	err := f.st.ScanAudit(f.ctx, func(ev domain.AuditEvent) error {
		if ev.Action == action {
			out = append(out, ev)
		}
		return nil
	})
	if err != nil {
		f.t.Fatal(err)
	}
	return out
}

// wantAudit fails unless an entry with action about targetID exists, and
// returns the newest one.
func (f *fixture) wantAudit(action, targetID string) domain.AuditEvent {
	f.t.Helper()
	evs := f.audits(action)
	for i := len(evs) - 1; i >= 0; i-- {
		if evs[i].TargetID == targetID {
			return evs[i]
		}
	}
	f.t.Fatalf("no audit entry %q for %s (found %d with that action)", action, targetID, len(evs))
	return domain.AuditEvent{}
}

// wantCode fails unless err carries the domain error code.
func wantCode(t *testing.T, err error, code, what string) {
	t.Helper()
	if got := domain.ErrorCode(err); got != code {
		t.Fatalf("%s: want error code %q, got %v", what, code, err)
	}
}

// linkIn extracts the token of a /reset/ or /invite/ link from a mail body.
func linkIn(t *testing.T, body, kind string) string {
	t.Helper()
	re := regexp.MustCompile(regexp.QuoteMeta(testBaseURL+"/"+kind+"/") + `([a-z0-9_]+)`)
	m := re.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no %s link in mail:\n%s", kind, body)
	}
	return m[1]
}

func TestLoadPrincipal(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		orgA, orgB := f.org("Alpha"), f.org("Beta")
		admin := f.member(orgA, "admin@example.com", RoleAdmin)
		viewer := f.member(orgA, "viewer@example.com", RoleViewer)

		p := f.principal(admin, orgA)
		if p.Org.ID != orgA.ID || p.User.ID != admin.ID || !p.Can(PermUsersManage) {
			t.Fatalf("admin principal: %+v", p)
		}
		pv := f.principal(viewer, orgA)
		if pv.Can(PermUsersRead) || !pv.Can(PermCostsRead) {
			t.Fatalf("viewer permissions: %v", pv.Perms.List())
		}
		wantCode(t, pv.Require(PermUsersManage), domain.CodeForbidden, "viewer requires users.manage")
		_, err := f.svc.LoadPrincipal(f.ctx, admin.ID, orgB.ID)
		wantCode(t, err, domain.CodeNotFound, "principal in an org the user is not in")
		var nobody *Principal
		if nobody.Can(PermOrgRead) {
			t.Fatal("a nil principal can do nothing")
		}
	})
}

func TestDefaultOrg(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		zeta, beta := f.org("Zeta"), f.org("Beta")
		u := f.member(zeta, "multi@example.com", RoleViewer)
		f.member(beta, u.Email, RoleViewer)

		if got, err := f.svc.DefaultOrg(f.ctx, u.ID, ""); err != nil || got != beta.ID {
			t.Fatalf("default org: want first by name %s, got %s %v", beta.ID, got, err)
		}
		if got, err := f.svc.DefaultOrg(f.ctx, u.ID, zeta.ID); err != nil || got != zeta.ID {
			t.Fatalf("preferred org: got %s %v", got, err)
		}
		if err := f.st.SetMemberStatus(f.ctx, zeta.ID, u.ID, domain.UserDeactivated); err != nil {
			t.Fatal(err)
		}
		if got, err := f.svc.DefaultOrg(f.ctx, u.ID, zeta.ID); err != nil || got != beta.ID {
			t.Fatalf("preferred org where deactivated must be skipped: got %s %v", got, err)
		}
		if err := f.st.SetMemberStatus(f.ctx, beta.ID, u.ID, domain.UserDeactivated); err != nil {
			t.Fatal(err)
		}
		_, err := f.svc.DefaultOrg(f.ctx, u.ID, "")
		wantCode(t, err, domain.CodeForbidden, "no active membership")
	})
}

func TestOrgSettings(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		owner := f.createUser("founder@example.com", goodPassword)
		org, err := f.svc.CreateOrg(f.ctx, "  Acme  ", owner.ID, who(owner))
		if err != nil || org.Name != "Acme" {
			t.Fatalf("create org: %+v %v", org, err)
		}
		f.wantAudit("org.create", org.ID)
		_, err = f.svc.CreateOrg(f.ctx, " ", owner.ID, who(owner))
		wantCode(t, err, domain.CodeInvalid, "org without a name")

		p := f.principal(owner, org)
		if !p.Can(PermOrgOwner) {
			t.Fatal("the creator must own the org")
		}
		viewer := f.member(org, "watcher@example.com", RoleViewer)
		_, err = f.svc.UpdateOrgSettings(f.ctx, f.principal(viewer, org), OrgSettings{Name: "Hacked"}, who(viewer))
		wantCode(t, err, domain.CodeForbidden, "viewer changes settings")

		got, err := f.svc.UpdateOrgSettings(f.ctx, p, OrgSettings{Name: "Acme Ltd", MFARequired: true}, who(owner))
		if err != nil || !got.MFARequired || got.Name != "Acme Ltd" {
			t.Fatalf("update settings: %+v %v", got, err)
		}
		if stored, _ := f.st.GetOrg(f.ctx, org.ID); !stored.MFARequired || stored.Name != "Acme Ltd" {
			t.Fatalf("settings not stored: %+v", stored)
		}
		if !MustEnrolMFA(f.principal(owner, org)) {
			t.Fatal("owner without MFA must enrol once the org requires it")
		}
		ev := f.wantAudit("org.settings_update", org.ID)
		if !strings.Contains(ev.Details, `"mfa_required":true`) {
			t.Fatalf("settings audit details: %s", ev.Details)
		}
	})
}
