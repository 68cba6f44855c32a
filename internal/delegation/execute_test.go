package delegation_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/connect/msapi/msapitest"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/sandbox/graph"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const (
	sbxTenant = "4f1c2a7e-1111-4c3d-9e8f-0a1b2c3d4e5f"
	sbxApp    = "a1b2c3d4-2222-4aaa-8bbb-0c1d2e3f4a5b"
	skuE3     = "05e9a617-0261-4cee-bb44-138d3ef5d965"
	skuVisio  = "c5928f49-12ba-48f7-ada3-0d743a3601d5"
)

// gh is the harness's organisation with a second Microsoft 365
// connection whose tenant is the Graph sandbox behind a real TLS server
// on loopback; its snapshot is imported from the sandbox through Graph.
type gh struct {
	*harness
	env *msapitest.Env
	g   *graph.Graph
	cl  *m365.Client
	rec *msapitest.Recorder
}

func newGraphHarness(t *testing.T, db *store.DB, users int) *gh {
	t.Helper()
	h := &gh{harness: newHarness(t, db)}
	h.env = msapitest.New(t, time.Date(2026, 11, 25, 12, 0, 30, 0, time.UTC))
	h.g = graph.New(graph.Options{Seed: 7, Clock: h.env.Clock, Issuer: h.env.Issuer})
	h.g.AddTenant(sbxTenant, "Contoso Ltd", "contoso.example", users)
	h.g.SetPrepaidUnits(sbxTenant, skuVisio, 1000)
	h.g.SetPrepaidUnits(sbxTenant, skuE3, 1000)
	h.env.Serve("graph", graph.ErrorWriter, h.g.Handler())
	hc, rec := h.env.HTTPClient()
	h.rec = rec
	roles := []any{"User.ReadWrite.All", "Directory.ReadWrite.All", "Organization.Read.All", "GroupMember.ReadWrite.All",
		"Group.Read.All", "LicenseAssignment.ReadWrite.All", "MailboxSettings.ReadWrite", "Exchange.ManageAsApp", "AuditLog.Read.All"}
	tokens := msapitest.TokenFunc(func(context.Context) (string, error) {
		return h.env.Sign(sbx.Claims{"aud": "https://graph.microsoft.com", "iss": "https://login.microsoftonline.com/" + sbxTenant + "/v2.0",
			"tid": sbxTenant, "oid": "9d8c7b6a-3333-4ccc-8ddd-1e2f3a4b5c6d", "appid": sbxApp, "azp": sbxApp, "idtyp": "app",
			"roles": roles, "ver": "2.0", "exp": h.env.Clock.Now().Add(time.Hour).Unix()}, nil), nil
	})
	h.cl = m365.New(m365.Config{BaseURL: h.env.URL, HTTPClient: hc, Tokens: tokens, Now: h.env.Clock.Now, Sleep: h.env.Sleep})
	c, err := h.st.CreateConnection(h.ctx, store.Connection{OrgID: h.org.ID, Kind: "m365", Name: "Sandbox",
		Settings: []byte(`{"tenant_id":"` + sbxTenant + `","exchange_online":true}`), SyncHour: 3, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	h.conn = c.ID
	var snap store.DirectorySnapshot
	if err := h.cl.Users(h.ctx, func(u m365.User) error { snap.Users = append(snap.Users, m365.StoreUser(u)); return nil }); err != nil {
		t.Fatal(err)
	}
	skus, err := h.cl.SubscribedSKUs(h.ctx)
	if err != nil {
		t.Fatal(err)
	}
	for _, k := range skus {
		snap.SKUs = append(snap.SKUs, m365.StoreSKU(k))
	}
	snap.HasSKUs = true
	if _, err := h.st.ReplaceDirectory(h.ctx, h.org.ID, h.conn, snap, time.Now()); err != nil {
		t.Fatal(err)
	}
	h.svc.Tenants = func(ctx context.Context, conn store.Connection) (m365.Tenant, error) {
		if conn.ID != h.conn {
			return m365.Tenant{}, fmt.Errorf("unexpected connection %s", conn.ID)
		}
		return m365.Tenant{Client: h.cl, ID: sbxTenant, Exchange: h.env.URL}, nil
	}
	return h
}

// user returns the sandbox's current copy of a user.
func (h *gh) user(t *testing.T, id string) graph.User {
	t.Helper()
	for _, u := range h.g.Users(sbxTenant) {
		if u.ID == id {
			return u
		}
	}
	t.Fatalf("no sandbox user %s", id)
	return graph.User{}
}

// pick returns n enabled members matching keep.
func (h *gh) pick(t *testing.T, n int, keep func(graph.User) bool) []graph.User {
	t.Helper()
	var out []graph.User
	for _, u := range h.g.Users(sbxTenant) {
		if u.UserType == "Member" && (keep == nil || keep(u)) {
			out = append(out, u)
		}
		if len(out) == n {
			return out
		}
	}
	t.Fatalf("only %d matching users", len(out))
	return nil
}

func (h *gh) exec(t *testing.T, p *auth.Principal, req delegation.ExecRequest) []delegation.Result {
	t.Helper()
	res, err := h.svc.Execute(h.ctx, h.org.ID, delegation.ActorOf(p), p.Actor("127.0.0.1", "test"), h.conn, req)
	if err != nil {
		t.Fatalf("execute %s: %v", req.Action, err)
	}
	return res
}

func (h *gh) one(t *testing.T, p *auth.Principal, action delegation.Action, target string, params delegation.ExecParams) delegation.Result {
	t.Helper()
	var targets []string
	if target != "" {
		targets = []string{target}
	}
	res := h.exec(t, p, delegation.ExecRequest{Action: action, Targets: targets, Params: params})
	if len(res) != 1 {
		t.Fatalf("%d results", len(res))
	}
	return res[0]
}

func (h *gh) stored(t *testing.T, id string) store.M365User {
	t.Helper()
	u, err := h.st.GetM365User(h.ctx, h.org.ID, h.conn, id)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

func (h *gh) auditText(t *testing.T) string {
	t.Helper()
	page, err := h.st.ListAudit(h.ctx, h.org.ID, store.AuditFilter{Action: "m365.action.", Limit: 500})
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	for _, e := range page.Items {
		fmt.Fprintf(&b, "%s %s %s\n", e.Action, e.TargetID, e.Details)
	}
	return b.String()
}

func done(t *testing.T, r delegation.Result) {
	t.Helper()
	if r.Status != delegation.StatusDone || r.SnapshotStale {
		t.Fatalf("result %+v (decision %+v)", r, r.Decision)
	}
}

func ptr[T any](v T) *T { return &v }

// Every action, executed by an administrator, reaches Graph, shows in
// Graph's reads and in the snapshot, and is audited without secrets.
func TestExecuteEachAction(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newGraphHarness(t, db, 40)
		us := h.pick(t, 3, func(u graph.User) bool { return u.AccountEnabled && u.UsageLocation != "" && u.Mail != "" })
		a, b, c := us[0], us[1], us[2]

		done(t, h.one(t, h.owner, delegation.ActSetDepartment, a.ID, delegation.ExecParams{Attributes: map[string]string{"department": "Sales"}}))
		done(t, h.one(t, h.owner, delegation.ActSetUsageLocation, a.ID, delegation.ExecParams{Attributes: map[string]string{"usageLocation": "DE"}}))
		done(t, h.one(t, h.owner, delegation.ActUpdateUser, a.ID, delegation.ExecParams{Attributes: map[string]string{"jobTitle": "Buyer",
			"extensionAttribute3": "CC-100", "mobilePhone": "+49 30 1234"}}))
		g, s := h.user(t, a.ID), h.stored(t, a.ID)
		if g.Department != "Sales" || g.UsageLocation != "DE" || g.JobTitle != "Buyer" || g.OnPremisesExtensionAttributes[2] != "CC-100" {
			t.Fatalf("graph after updates: %+v", g)
		}
		if s.Department != "Sales" || s.UsageLocation != "DE" || s.JobTitle != "Buyer" || !strings.Contains(string(s.ExtensionAttributes), "CC-100") {
			t.Fatalf("snapshot after updates: %+v", s)
		}

		done(t, h.one(t, h.owner, delegation.ActBlockSignIn, a.ID, delegation.ExecParams{}))
		if h.user(t, a.ID).AccountEnabled || h.stored(t, a.ID).AccountEnabled {
			t.Fatal("block: still enabled")
		}
		done(t, h.one(t, h.owner, delegation.ActUnblockSignIn, a.ID, delegation.ExecParams{}))
		if !h.user(t, a.ID).AccountEnabled || !h.stored(t, a.ID).AccountEnabled {
			t.Fatal("unblock: still blocked")
		}

		r := h.one(t, h.owner, delegation.ActResetPassword, a.ID, delegation.ExecParams{})
		done(t, r)
		if len(r.Password) != 16 || h.user(t, a.ID).PasswordChangedAt.IsZero() || !h.user(t, a.ID).ForceChangePasswordNextSignIn {
			t.Fatalf("reset: password %q, graph %+v", r.Password, h.user(t, a.ID))
		}
		given := "Given-Pa55word!"
		r2 := h.one(t, h.owner, delegation.ActResetPassword, b.ID, delegation.ExecParams{Password: given, ForceChangePassword: ptr(false)})
		done(t, r2)
		if r2.Password != given || h.user(t, b.ID).ForceChangePasswordNextSignIn {
			t.Fatalf("given password: %+v", r2)
		}

		done(t, h.one(t, h.owner, delegation.ActRevokeSessions, a.ID, delegation.ExecParams{}))
		if h.user(t, a.ID).SignInSessionsValidFromDateTime.IsZero() {
			t.Fatal("revoke: signInSessionsValidFromDateTime not set")
		}
		done(t, h.one(t, h.owner, delegation.ActSetManager, a.ID, delegation.ExecParams{ManagerID: b.ID}))
		if h.user(t, a.ID).ManagerID != b.ID {
			t.Fatal("manager not set")
		}
		done(t, h.one(t, h.owner, delegation.ActSetManager, a.ID, delegation.ExecParams{}))
		if h.user(t, a.ID).ManagerID != "" {
			t.Fatal("manager not removed")
		}

		grp := h.g.GroupIDs(sbxTenant)[3]
		members, _ := h.g.GroupMembers(sbxTenant, grp)
		if slices.Contains(members, a.ID) {
			done(t, h.one(t, h.owner, delegation.ActRemoveFromGroup, a.ID, delegation.ExecParams{GroupID: grp}))
		}
		done(t, h.one(t, h.owner, delegation.ActAddToGroup, a.ID, delegation.ExecParams{GroupID: grp}))
		if m, _ := h.g.GroupMembers(sbxTenant, grp); !slices.Contains(m, a.ID) {
			t.Fatal("not added to group")
		}
		again := h.one(t, h.owner, delegation.ActAddToGroup, a.ID, delegation.ExecParams{GroupID: grp})
		if again.Status != delegation.StatusFailed || again.GraphStatus != 400 || !strings.Contains(again.Error, "already exist") {
			t.Fatalf("adding twice: %+v", again)
		}
		done(t, h.one(t, h.owner, delegation.ActRemoveFromGroup, a.ID, delegation.ExecParams{GroupID: grp}))
		if m, _ := h.g.GroupMembers(sbxTenant, grp); slices.Contains(m, a.ID) {
			t.Fatal("not removed from group")
		}

		done(t, h.one(t, h.owner, delegation.ActRemoveLicence, c.ID, delegation.ExecParams{SkuID: c.AssignedLicenses[0].SkuID}))
		if len(h.user(t, c.ID).AssignedLicenses) != len(c.AssignedLicenses)-1 || strings.Contains(string(h.stored(t, c.ID).AssignedLicenses), c.AssignedLicenses[0].SkuID) {
			t.Fatal("licence not removed in graph or snapshot")
		}

		// Graph's own licence count is the last word: no free unit, no assignment.
		var consumed int
		for _, k := range h.g.SKUs(sbxTenant) {
			if k.SkuID == skuVisio {
				consumed = k.Consumed
			}
		}
		h.g.SetPrepaidUnits(sbxTenant, skuVisio, consumed)
		full := h.one(t, h.owner, delegation.ActAssignLicence, a.ID, delegation.ExecParams{SkuID: skuVisio})
		if full.Status != delegation.StatusFailed || !strings.Contains(full.Error, "does not have any available licenses") ||
			strings.Contains(string(h.stored(t, a.ID).AssignedLicenses), skuVisio) {
			t.Fatalf("no free unit: %+v", full)
		}

		done(t, h.one(t, h.owner, delegation.ActSetAutoReply, a.ID, delegation.ExecParams{AutoReply: &m365.AutoReply{Status: "alwaysEnabled",
			ExternalAudience: "all", InternalReplyMessage: "Away", ExternalReplyMessage: "Away until Monday"}}))
		if ar := h.user(t, a.ID).AutoReply; ar == nil || ar["status"] != "alwaysEnabled" || ar["internalReplyMessage"] != "Away" {
			t.Fatalf("auto reply: %v", ar)
		}
		done(t, h.one(t, h.owner, delegation.ActSetAliases, a.ID, delegation.ExecParams{AddAliases: []string{"a.alias@contoso.example"}}))
		if pa := h.user(t, a.ID).ProxyAddresses; !slices.Contains(pa, "smtp:a.alias@contoso.example") || !slices.Contains(pa, "SMTP:"+a.Mail) {
			t.Fatalf("aliases: %v", pa)
		}
		done(t, h.one(t, h.owner, delegation.ActSetForwarding, a.ID, delegation.ExecParams{ForwardTo: ptr("boss@contoso.example"), KeepCopy: true}))
		if u := h.user(t, a.ID); u.ForwardingSMTPAddress != "boss@contoso.example" || !u.DeliverToMailboxAndForward {
			t.Fatalf("forwarding: %+v", u)
		}

		done(t, h.one(t, h.owner, delegation.ActDeleteUser, b.ID, delegation.ExecParams{}))
		if h.user(t, b.ID).DeletedDateTime.IsZero() || h.stored(t, b.ID).DeletedAt == nil {
			t.Fatal("delete: not deleted in graph or snapshot")
		}
		if r := h.one(t, h.owner, delegation.ActResetPassword, b.ID, delegation.ExecParams{}); r.Status != delegation.StatusRefused ||
			r.Decision.Code != delegation.CodeTargetDeleted {
			t.Fatalf("reset on a deleted user: %+v", r)
		}
		done(t, h.one(t, h.owner, delegation.ActRestoreUser, b.ID, delegation.ExecParams{}))
		if !h.user(t, b.ID).DeletedDateTime.IsZero() || h.stored(t, b.ID).DeletedAt != nil {
			t.Fatal("restore: still deleted")
		}

		cr := h.one(t, h.owner, delegation.ActCreateUser, "", delegation.ExecParams{Attributes: map[string]string{
			"displayName": "Nina New", "userPrincipalName": "nina.new@contoso.example", "department": "Sales", "usageLocation": "DE"}})
		done(t, cr)
		if cr.TargetID == "" || h.user(t, cr.TargetID).UserPrincipalName != "nina.new@contoso.example" || h.stored(t, cr.TargetID).Department != "Sales" {
			t.Fatalf("create: %+v", cr)
		}

		// Exchange Online missing in the tenant although the connection says it is there.
		h.g.SetExchangeOnline(sbxTenant, false)
		nx := h.one(t, h.owner, delegation.ActSetForwarding, c.ID, delegation.ExecParams{ForwardTo: ptr("")})
		if nx.Status != delegation.StatusFailed || !strings.Contains(nx.Error, "Exchange Online is not provisioned") {
			t.Fatalf("without Exchange Online: %+v", nx)
		}

		au := h.auditText(t)
		for _, want := range []string{"m365.action.user.set_department " + a.ID, "m365.action.user.reset_password " + a.ID,
			"m365.action.licence.remove " + c.ID, "m365.action.user.create " + cr.TargetID, `"status":"refused"`, `"password":"generated"`, `"password":"given"`} {
			if !strings.Contains(au, want) {
				t.Errorf("audit lacks %q:\n%s", want, au)
			}
		}
		for _, secret := range []string{r.Password, given, cr.Password} {
			if strings.Contains(au, secret) {
				t.Fatalf("a password is in the audit log")
			}
		}
	})
}

// A delegated administrator is refused outside their OU, and the refused
// request never reaches Graph; inside it the action runs.
func TestRefusedActionsNeverReachGraph(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newGraphHarness(t, db, 40)
		berlin := h.ou(t, delegation.OUInput{Name: "Berlin", Rules: []delegation.Rule{rule(cond("city", "equals", "Berlin"))}})
		admin := h.delegate(t, "bea", berlin, delegation.ActResetPassword, delegation.ActSetDepartment)
		in := h.pick(t, 1, func(u graph.User) bool { return u.City == "Berlin" })[0]
		out := h.pick(t, 2, func(u graph.User) bool { return u.City != "Berlin" })

		before := len(h.rec.Sent())
		res := h.exec(t, admin, delegation.ExecRequest{Action: delegation.ActResetPassword, Targets: []string{out[0].ID, out[1].ID}})
		for _, r := range res {
			if r.Status != delegation.StatusRefused || r.Decision.Code != delegation.CodeOutsideOUs || r.Password != "" {
				t.Fatalf("outside the OU: %+v", r)
			}
		}
		if r := h.one(t, admin, delegation.ActRevokeSessions, in.ID, delegation.ExecParams{}); r.Decision.Code != delegation.CodeNotGranted {
			t.Fatalf("not granted: %+v", r)
		}
		if _, err := h.svc.Execute(h.ctx, h.org.ID, delegation.ActorOf(admin), admin.Actor("127.0.0.1", "test"), h.conn, delegation.ExecRequest{
			Action: delegation.ActSetDepartment, Targets: []string{in.ID}, Params: delegation.ExecParams{Attributes: map[string]string{"city": "Paris"}}}); err == nil ||
			!strings.Contains(err.Error(), "cannot set") {
			t.Fatalf("wrong attribute accepted: %v", err)
		}
		if n := len(h.rec.Sent()) - before; n != 0 {
			t.Fatalf("%d requests reached Graph for refused actions", n)
		}
		if !h.user(t, out[0].ID).PasswordChangedAt.IsZero() {
			t.Fatal("password changed outside the OU")
		}
		r := h.one(t, admin, delegation.ActResetPassword, in.ID, delegation.ExecParams{})
		done(t, r)
		if r.Decision.Code != delegation.CodeAllowedDelegated || h.user(t, in.ID).PasswordChangedAt.IsZero() {
			t.Fatalf("inside the OU: %+v", r)
		}
		if !strings.Contains(h.auditText(t), `"code":"outside_ous"`) {
			t.Fatal("refusal not audited")
		}

		// A tenant that cannot be opened (no app configured, consent revoked): failed, nothing sent, no password handed out.
		h.svc.Tenants = func(context.Context, store.Connection) (m365.Tenant, error) {
			return m365.Tenant{}, fmt.Errorf("no Microsoft Entra app configured")
		}
		before = len(h.rec.Sent())
		r = h.one(t, admin, delegation.ActResetPassword, in.ID, delegation.ExecParams{})
		if r.Status != delegation.StatusFailed || r.Password != "" || !strings.Contains(r.Error, "no Microsoft Entra app") || len(h.rec.Sent()) != before {
			t.Fatalf("tenant unavailable: %+v", r)
		}
	})
}

// Two concurrent assignments against a quota with one unit left: exactly
// one passes; restricted plans become disabledPlans in Graph.
func TestLicenceQuotaRaceAndRestrictedPlans(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newGraphHarness(t, db, 60)
		all := h.ou(t, delegation.OUInput{Name: "Everyone", Rules: []delegation.Rule{rule(cond("userType", "equals", "Member"))}})
		holders := 0
		for _, u := range h.g.Users(sbxTenant) {
			if u.UserType == "Member" && slices.ContainsFunc(u.AssignedLicenses, func(l graph.AssignedLicense) bool { return l.SkuID == skuVisio }) {
				holders++
			}
		}
		quota := int64(holders + 1)
		if _, err := h.svc.SetLicencePolicies(h.ctx, h.owner, h.who, all.ID, []delegation.LicencePolicy{{SkuID: skuVisio, Quota: &quota},
			{SkuID: skuE3, RestrictedPlans: []string{"TEAMS1"}}}); err != nil {
			t.Fatal(err)
		}
		cands := h.pick(t, 2, func(u graph.User) bool {
			return u.UsageLocation != "" && !slices.ContainsFunc(u.AssignedLicenses, func(l graph.AssignedLicense) bool { return l.SkuID == skuVisio || l.SkuID == skuE3 })
		})
		var wg sync.WaitGroup
		results := make([]delegation.Result, 2)
		for i := range cands {
			wg.Add(1)
			go func() {
				defer wg.Done()
				res, err := h.svc.Execute(h.ctx, h.org.ID, delegation.ActorOf(h.owner), h.who, h.conn,
					delegation.ExecRequest{Action: delegation.ActAssignLicence, Targets: []string{cands[i].ID}, Params: delegation.ExecParams{SkuID: skuVisio}})
				if err != nil {
					t.Error(err)
					return
				}
				results[i] = res[0]
			}()
		}
		wg.Wait()
		var ok, refused int
		for _, r := range results {
			switch {
			case r.Status == delegation.StatusDone:
				ok++
			case r.Status == delegation.StatusRefused && r.Decision.Code == delegation.CodeQuotaReached:
				refused++
			}
		}
		if ok != 1 || refused != 1 {
			t.Fatalf("concurrent assignments: %+v", results)
		}

		// A bulk assignment counts the targets before it in the same request.
		more := h.pick(t, 3, func(u graph.User) bool {
			return u.UsageLocation != "" && !slices.ContainsFunc(u.AssignedLicenses, func(l graph.AssignedLicense) bool { return l.SkuID == skuVisio })
		})
		quota = int64(holders + 2)
		if _, err := h.svc.SetLicencePolicies(h.ctx, h.owner, h.who, all.ID, []delegation.LicencePolicy{{SkuID: skuVisio, Quota: &quota},
			{SkuID: skuE3, RestrictedPlans: []string{"TEAMS1"}}}); err != nil {
			t.Fatal(err)
		}
		res := h.exec(t, h.owner, delegation.ExecRequest{Action: delegation.ActAssignLicence, Targets: []string{more[0].ID, more[1].ID, more[2].ID},
			Params: delegation.ExecParams{SkuID: skuVisio}})
		if res[0].Status != delegation.StatusDone || res[1].Status != delegation.StatusRefused || res[2].Status != delegation.StatusRefused {
			t.Fatalf("bulk within a quota of one free unit: %+v", res)
		}

		// Restricted plans are sent as disabledPlans.
		r := h.one(t, h.owner, delegation.ActAssignLicence, cands[0].ID, delegation.ExecParams{SkuID: skuE3})
		done(t, r)
		lic := h.user(t, cands[0].ID).AssignedLicenses
		k := slices.IndexFunc(lic, func(l graph.AssignedLicense) bool { return l.SkuID == skuE3 })
		if k < 0 || !slices.Equal(lic[k].DisabledPlans, []string{"57ff2da0-773e-42df-b2af-ffb7a2317929"}) {
			t.Fatalf("E3 in graph: %+v", lic)
		}
		if !strings.Contains(string(h.stored(t, cands[0].ID).AssignedLicenses), "57ff2da0-773e-42df-b2af-ffb7a2317929") {
			t.Fatal("snapshot lacks the disabled plan")
		}
	})
}

// Bulk execution through $batch: inner 429s are retried, a target Graph
// refuses is reported exactly, the others are applied; an outer 429 storm
// ends in success.
func TestBulkBatchPartialFailureAndThrottling(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newGraphHarness(t, db, 60)
		us := h.pick(t, 25, func(u graph.User) bool {
			return !slices.ContainsFunc(u.AssignedLicenses, func(l graph.AssignedLicense) bool { return l.SkuID == skuVisio })
		})
		bad := us[7].ID
		if err := h.cl.Do(h.ctx, m365.UpdateUser(bad, map[string]any{"usageLocation": nil}), nil); err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, u := range us {
			ids = append(ids, u.ID)
		}
		h.g.SetThrottle(sbxTenant, 12)
		sentBefore := len(h.rec.Sent())
		res := h.exec(t, h.owner, delegation.ExecRequest{Action: delegation.ActAssignLicence, Targets: ids, Params: delegation.ExecParams{SkuID: skuVisio}})
		h.g.SetThrottle(sbxTenant, 0)
		batches := 0
		for _, s := range h.rec.Sent()[sentBefore:] {
			if strings.HasSuffix(s.Path, "/$batch") {
				batches++
			}
		}
		if batches < 3 {
			t.Fatalf("%d $batch calls for 25 targets under throttling, want at least 2 + retries", batches)
		}
		for i, r := range res {
			has := slices.ContainsFunc(h.user(t, r.TargetID).AssignedLicenses, func(l graph.AssignedLicense) bool { return l.SkuID == skuVisio })
			if r.TargetID == bad {
				if r.Status != delegation.StatusFailed || r.GraphStatus != 400 || !strings.Contains(r.Error, "usage location") || has {
					t.Fatalf("target without usage location: %+v", r)
				}
				continue
			}
			if r.Status != delegation.StatusDone || !has || !strings.Contains(string(h.stored(t, r.TargetID).AssignedLicenses), skuVisio) {
				t.Fatalf("target %d: %+v (in graph: %v)", i, r, has)
			}
		}

		h.env.Faults.Add("graph", sbx.Fault{Status: 429, RetryAfter: time.Second, Times: 3})
		r := h.one(t, h.owner, delegation.ActSetDepartment, us[0].ID, delegation.ExecParams{Attributes: map[string]string{"department": "Legal"}})
		done(t, r)
		if h.user(t, us[0].ID).Department != "Legal" {
			t.Fatal("department not set after the storm")
		}
	})
}

// Remediation executes the compliance report's changes through Execute.
func TestRemediateCompliance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newGraphHarness(t, db, 40)
		berlin := h.ou(t, delegation.OUInput{Name: "Berlin", Rules: []delegation.Rule{rule(cond("city", "equals", "Berlin"))}})
		if _, err := h.svc.SetRequirements(h.ctx, h.owner, h.who, berlin.ID, []delegation.Requirement{{Attribute: "usageLocation", Value: "DE"},
			{Attribute: "department", Value: "Berlin Office"}}, nil); err != nil {
			t.Fatal(err)
		}
		rep, err := h.svc.Compliance(h.ctx, h.owner, h.conn)
		if err != nil || rep.Total == 0 {
			t.Fatalf("report: %+v %v", rep, err)
		}
		first := rep.Deviations[0]
		out, err := h.svc.Remediate(h.ctx, h.org.ID, delegation.ActorOf(h.owner), h.who, h.conn,
			[]delegation.DeviationRef{{ObjectID: first.ObjectID, Attribute: first.Attribute}})
		if err != nil || len(out.Results) != 1 || out.Results[0].Result.Status != delegation.StatusDone {
			t.Fatalf("remediate one: %+v %v", out, err)
		}
		out, err = h.svc.Remediate(h.ctx, h.org.ID, delegation.ActorOf(h.owner), h.who, h.conn, nil)
		if err != nil || len(out.Results) != rep.Total-1 {
			t.Fatalf("remediate all: %d results, want %d: %v", len(out.Results), rep.Total-1, err)
		}
		for _, r := range out.Results {
			done(t, r.Result)
		}
		rep, err = h.svc.Compliance(h.ctx, h.owner, h.conn)
		if err != nil || rep.Total != 0 {
			t.Fatalf("after remediation: %+v %v", rep.Deviations, err)
		}
		for _, u := range h.g.Users(sbxTenant) {
			if u.City == "Berlin" && u.DeletedDateTime.IsZero() && (u.UsageLocation != "DE" || u.Department != "Berlin Office") {
				t.Fatalf("graph user %s not remediated: %s %s", u.ID, u.UsageLocation, u.Department)
			}
		}
	})
}
