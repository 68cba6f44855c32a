package delegation_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sandbox/graph"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Two Canopy instances (each its own service and store handle on the
// same database: on PostgreSQL two connection pools, as two nodes have)
// assign licences of one SKU concurrently against a quota with two free
// units: exactly two assignments pass, whichever node runs them, and
// Graph and the snapshot never hold more than the quota.
func TestQuotaAcrossInstances(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			dsn := storetest.DSN(t, e)
			db1, err := store.Open(ctx, dsn)
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { db1.Close() })
			if err := db1.Migrate(ctx); err != nil {
				t.Fatal(err)
			}
			db2 := db1 // SQLite: one process, one writer
			if e == store.Postgres {
				if db2, err = store.Open(ctx, dsn); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { db2.Close() })
			}
			h := newGraphHarness(t, db1, 60)
			node2 := delegation.New(store.New(db2))
			node2.Tenants = h.svc.Tenants
			all := h.ou(t, delegation.OUInput{Name: "Everyone", Rules: []delegation.Rule{rule(cond("userType", "equals", "Member"))}})
			holds := func(u graph.User) bool {
				return slices.ContainsFunc(u.AssignedLicenses, func(l graph.AssignedLicense) bool { return l.SkuID == skuVisio })
			}
			holders := 0
			for _, u := range h.g.Users(sbxTenant) {
				if u.UserType == "Member" && holds(u) {
					holders++
				}
			}
			quota := int64(holders + 2)
			if _, err := h.svc.SetLicencePolicies(h.ctx, h.owner, h.who, all.ID, []delegation.LicencePolicy{{SkuID: skuVisio, Quota: &quota}}); err != nil {
				t.Fatal(err)
			}
			cands := h.pick(t, 9, func(u graph.User) bool { return u.UserType == "Member" && u.UsageLocation != "" && !holds(u) })
			nodes := []*delegation.Service{h.svc, node2, h.svc, node2}
			results := make([][]delegation.Result, len(nodes))
			var wg sync.WaitGroup
			for i, svc := range nodes {
				wg.Add(1)
				go func() {
					defer wg.Done()
					res, err := svc.Execute(h.ctx, h.org.ID, delegation.ActorOf(h.owner), h.who, h.conn, delegation.ExecRequest{
						Action: delegation.ActAssignLicence, Targets: []string{cands[2*i].ID, cands[2*i+1].ID}, Params: delegation.ExecParams{SkuID: skuVisio}})
					if err != nil {
						t.Error(err)
					}
					results[i] = res
				}()
			}
			wg.Wait()
			var ok, refused int
			for _, rs := range results {
				for _, r := range rs {
					switch {
					case r.Status == delegation.StatusDone && !r.SnapshotStale:
						ok++
					case r.Status == delegation.StatusRefused && r.Decision.Code == delegation.CodeQuotaReached:
						refused++
					default:
						t.Errorf("unexpected result %+v", r)
					}
				}
			}
			if ok != 2 || refused != 6 {
				t.Fatalf("%d assigned, %d refused (want 2 and 6): %+v", ok, refused, results)
			}
			inGraph := 0
			for _, u := range h.g.Users(sbxTenant) {
				if u.UserType == "Member" && holds(u) {
					inGraph++
				}
			}
			if int64(inGraph) != quota {
				t.Fatalf("Graph holds %d, quota %d", inGraph, quota)
			}
			d := h.authorize(t, h.owner, delegation.ActAssignLicence, cands[8].ID, delegation.Params{SkuID: skuVisio})
			if d.Code != delegation.CodeQuotaReached || !strings.Contains(d.Reason, fmt.Sprintf("%d of %d", quota, quota)) {
				for _, c := range cands {
					t.Logf("%s graph %v stored %s", c.ID, holds(h.user(t, c.ID)), h.stored(t, c.ID).AssignedLicenses)
				}
				t.Fatalf("after the race: %+v", d)
			}
		})
	}
}

// OUs scoped by manager, reporting line and group membership; a
// delegated administrator may not move a user out of reach by setting
// the manager, nor name a manager who is not a user of the tenant.
func TestRelationalRules(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		// anna manages ben; ben manages dora (so dora reports to anna);
		// carl and finn are in group g-sales.
		users := []store.M365User{
			{ObjectID: "anna", DisplayName: "Anna", UserPrincipalName: "anna@contoso.test", Department: "Sales", Country: "DE"},
			{ObjectID: "ben", DisplayName: "Ben", UserPrincipalName: "ben@contoso.test", Department: "Sales", Country: "DE", ManagerID: "anna"},
			{ObjectID: "carl", DisplayName: "Carl", UserPrincipalName: "carl@contoso.fr", Department: "Marketing", Country: "FR"},
			{ObjectID: "dora", DisplayName: "Dora", UserPrincipalName: "dora@contoso.test", Department: "Sales", Country: "DE", ManagerID: "ben"},
			{ObjectID: "finn", DisplayName: "Finn", UserPrincipalName: "finn@contoso.test", Department: "IT", Country: "DE", MFARegistered: "true"},
		}
		snap := store.DirectorySnapshot{Users: users, HasGroups: true, Groups: []store.M365Group{{ObjectID: "g-sales", DisplayName: "Sales team"}},
			Members: []store.M365Member{{GroupID: "g-sales", MemberID: "carl"}, {GroupID: "g-sales", MemberID: "finn"}}}
		if _, err := h.st.ReplaceDirectory(h.ctx, h.org.ID, h.conn, snap, time.Now()); err != nil {
			t.Fatal(err)
		}
		team := h.ou(t, delegation.OUInput{Name: "Anna's reports", Rules: []delegation.Rule{rule(cond("reportsTo", "equals", "ANNA"))}})
		direct := h.ou(t, delegation.OUInput{Name: "Ben's team", Rules: []delegation.Rule{rule(cond("manager", "equals", "ben"))}})
		group := h.ou(t, delegation.OUInput{Name: "Sales group", Rules: []delegation.Rule{rule(cond("memberOf", "in", "g-sales"))}})
		noGroup := h.ou(t, delegation.OUInput{Name: "No group", Rules: []delegation.Rule{rule(cond("memberOf", "is_empty"), cond("country", "equals", "DE"))}})
		members := func(ou delegation.OU) string {
			t.Helper()
			list, err := h.svc.Members(h.ctx, h.owner, ou.ID)
			if err != nil {
				t.Fatal(err)
			}
			var ids []string
			for _, m := range list {
				ids = append(ids, m.ObjectID)
			}
			return strings.Join(ids, ",")
		}
		for ou, want := range map[*delegation.OU]string{&team: "ben,dora", &direct: "dora", &group: "carl,finn", &noGroup: "anna,ben,dora"} {
			if got := members(*ou); got != want {
				t.Errorf("OU %s: members %s, want %s", ou.Name, got, want)
			}
		}
		places, err := h.svc.UserOUs(h.ctx, h.owner, h.conn, "dora")
		if err != nil || len(places) != 3 {
			t.Fatalf("dora's OUs %+v %v", places, err)
		}
		// A delegated administrator of Anna's reports may re-assign dora
		// within the team, not hand her to carl (outside the line).
		p := h.delegate(t, "lead", team, delegation.ActSetManager)
		if d := h.authorize(t, p, delegation.ActSetManager, "dora", delegation.Params{Attributes: map[string]string{"manager": "anna"}}); !d.Allowed {
			t.Fatalf("dora to anna: %+v", d)
		}
		if d := h.authorize(t, p, delegation.ActSetManager, "dora", delegation.Params{Attributes: map[string]string{"manager": "carl"}}); d.Code != delegation.CodeWouldLeaveOUs {
			t.Fatalf("dora to carl: %+v", d)
		}
		if d := h.authorize(t, p, delegation.ActSetManager, "dora", delegation.Params{Attributes: map[string]string{"manager": "nobody"}}); d.Code != delegation.CodeUnknownManager {
			t.Fatalf("unknown manager: %+v", d)
		}
		// mfaRegistered may be required (true only), memberOf may not.
		if _, err := h.svc.SetRequirements(h.ctx, h.owner, h.who, group.ID, []delegation.Requirement{{Attribute: "memberOf", Value: "x"}}, nil); domain.ErrorField(err) != "required_attributes[0].attribute" {
			t.Fatalf("memberOf required: %v", err)
		}
		if _, err := h.svc.SetRequirements(h.ctx, h.owner, h.who, group.ID, []delegation.Requirement{{Attribute: "mfaRegistered", Value: "false"}}, nil); domain.ErrorField(err) != "required_attributes[0].value" {
			t.Fatalf("mfa false: %v", err)
		}
		if _, err := h.svc.SetRequirements(h.ctx, h.owner, h.who, group.ID, []delegation.Requirement{{Attribute: "mfaRegistered", Value: "TRUE"}}, nil); err != nil {
			t.Fatal(err)
		}
		rep, err := h.svc.Compliance(h.ctx, h.owner, h.conn)
		if err != nil || rep.Total != 1 || rep.Deviations[0].ObjectID != "carl" || rep.Deviations[0].Current != "unknown" ||
			rep.Deviations[0].Change != nil || rep.Deviations[0].SuggestedAction != delegation.ActRevokeSessions {
			t.Fatalf("MFA compliance %+v %v", rep, err)
		}
	})
}

// A delegation is changed in place (member, OU, policy), audited with
// what it was; a taken combination is a conflict.
func TestUpdateDelegation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		tr := h.tree(t)
		p := h.delegate(t, "helpdesk", tr.sales, delegation.ActResetPassword)
		ds, err := h.svc.ListDelegations(h.ctx, h.owner, store.M365DelegationFilter{UserID: p.User.ID})
		if err != nil || len(ds) != 1 {
			t.Fatal(ds, err)
		}
		if d := h.authorize(t, p, delegation.ActResetPassword, "carl", delegation.Params{}); d.Code != delegation.CodeOutsideOUs {
			t.Fatalf("before: %+v", d)
		}
		d, err := h.svc.UpdateDelegation(h.ctx, h.owner, h.who, ds[0].ID, delegation.DelegationInput{UserID: p.User.ID, OUID: tr.marketing.ID, PolicyID: ds[0].PolicyID})
		if err != nil || d.OUName != "Marketing" || d.ID != ds[0].ID {
			t.Fatalf("update: %+v %v", d, err)
		}
		if d := h.authorize(t, p, delegation.ActResetPassword, "carl", delegation.Params{}); !d.Allowed {
			t.Fatalf("after: %+v", d)
		}
		if _, err := h.svc.UpdateDelegation(h.ctx, h.owner, h.who, ds[0].ID, delegation.DelegationInput{UserID: p.User.ID, OUID: "vou_nope", PolicyID: ds[0].PolicyID}); domain.ErrorField(err) != "ou_id" {
			t.Fatalf("bad OU: %v", err)
		}
		log, err := h.st.ListAudit(h.ctx, h.org.ID, store.AuditFilter{Action: "m365.delegation.update", Limit: 10})
		if err != nil || len(log.Items) != 1 || !strings.Contains(log.Items[0].Details, `"before":{`) || !strings.Contains(log.Items[0].Details, `"ou_name":"Sales DE"`) {
			t.Fatalf("audit %+v %v", log.Items, err)
		}
	})
}

// The MFA registration report is imported through Graph; automatic
// remediation fixes what Graph can (usage location), reports MFA as
// needing the user, audits the run and shows it with the report.
func TestMFARequirementAndAutoRemediation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newGraphHarness(t, db, 30)
		reg := map[string]bool{}
		if err := h.cl.RegistrationDetails(h.ctx, func(r m365.Registration) error { reg[r.ID] = r.IsMFARegistered; return nil }); err != nil {
			t.Fatal(err)
		}
		var snap store.DirectorySnapshot
		if err := h.cl.Users(h.ctx, func(u m365.User) error {
			su := m365.StoreUser(u)
			su.MFARegistered = fmt.Sprint(reg[u.ID])
			snap.Users = append(snap.Users, su)
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		if _, err := h.st.ReplaceDirectory(h.ctx, h.org.ID, h.conn, snap, time.Now()); err != nil {
			t.Fatal(err)
		}
		paris := h.ou(t, delegation.OUInput{Name: "Paris", Rules: []delegation.Rule{rule(cond("city", "equals", "Paris"))}})
		on := true
		if _, err := h.svc.SetRequirements(h.ctx, h.owner, h.who, paris.ID, []delegation.Requirement{{Attribute: "usageLocation", Value: "BE"},
			{Attribute: "mfaRegistered", Value: "true"}}, &on); err != nil {
			t.Fatal(err)
		}
		var parisians, unregistered int
		for _, u := range h.g.Users(sbxTenant) {
			if u.City == "Paris" {
				parisians++
				if !reg[u.ID] {
					unregistered++
				}
			}
		}
		if parisians == 0 || unregistered == 0 {
			t.Fatalf("seed has %d Parisians, %d without MFA", parisians, unregistered)
		}
		// Writing a user back (as an action's refresh does) keeps the
		// imported MFA state.
		first := h.pick(t, 1, func(u graph.User) bool { return u.City == "Paris" && !reg[u.ID] })[0]
		done(t, h.one(t, h.owner, delegation.ActRevokeSessions, first.ID, delegation.ExecParams{}))
		done(t, h.one(t, h.owner, delegation.ActSetDepartment, first.ID, delegation.ExecParams{Attributes: map[string]string{"department": "Paris Office"}}))
		if got := h.stored(t, first.ID).MFARegistered; got != "false" {
			t.Fatalf("MFA state after a refresh: %q", got)
		}
		out, err := h.svc.AutoRemediate(h.ctx, h.org.ID, h.conn)
		if err != nil {
			t.Fatal(err)
		}
		var fixed, manual int
		for _, r := range out.Results {
			switch {
			case r.Deviation.Attribute == "usageLocation" && r.Result.Status == delegation.StatusDone:
				fixed++
			case r.Deviation.Attribute == "mfaRegistered" && r.Result.Status == delegation.StatusRefused && strings.Contains(r.Result.Error, "must register"):
				manual++
			default:
				t.Errorf("unexpected remedy %+v", r)
			}
		}
		if fixed != parisians || manual != unregistered {
			t.Fatalf("fixed %d of %d, manual %d of %d", fixed, parisians, manual, unregistered)
		}
		for _, u := range h.g.Users(sbxTenant) {
			if u.City == "Paris" && u.UsageLocation != "BE" {
				t.Fatalf("%s still in %s", u.UserPrincipalName, u.UsageLocation)
			}
		}
		rep, err := h.svc.Compliance(h.ctx, h.owner, h.conn)
		if err != nil || rep.Total != unregistered || rep.LastAuto == nil || rep.LastAuto.Summary["done"] != parisians {
			t.Fatalf("report after: %+v %v", rep, err)
		}
		log, err := h.st.ListAudit(h.ctx, h.org.ID, store.AuditFilter{Action: "m365.action.user.set_usage_location", Limit: 200})
		if err != nil || len(log.Items) != parisians || log.Items[0].ActorEmail != delegation.AutoActor.Email {
			t.Fatalf("audit %d entries %v", len(log.Items), err)
		}
		// The user registers; the next import clears the deviation.
		if !h.g.SetAuthMethods(sbxTenant, first.ID, []string{"microsoftAuthenticatorPush"}) {
			t.Fatal("no such user")
		}
		again := false
		if err := h.cl.RegistrationDetails(h.ctx, func(r m365.Registration) error {
			if r.ID == first.ID {
				again = r.IsMFARegistered
			}
			return nil
		}); err != nil || !again {
			t.Fatalf("registration after: %v %v", again, err)
		}
	})
}
