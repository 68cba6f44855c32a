package delegation_test

import (
	"fmt"
	"slices"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Membership: rules (case-insensitive), hand picks, exclusions and the
// parent holding its children's members; a user's OUs with the reason.
func TestMembershipAndUserOUs(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		tr := h.tree(t)
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
			return fmt.Sprint(ids)
		}
		for ou, want := range map[*delegation.OU]string{&tr.europe: "[anna ben carl dora finn]", &tr.sales: "[anna ben dora finn]",
			&tr.berlin: "[ben]", &tr.marketing: "[carl]"} {
			if got := members(*ou); got != want {
				t.Errorf("%s: members %s, want %s", ou.Name, got, want)
			}
		}
		places, err := h.svc.UserOUs(h.ctx, h.owner, h.conn, "ben")
		if err != nil {
			t.Fatal(err)
		}
		got := fmt.Sprintf("%+v", places)
		want := "[{OUID:" + tr.europe.ID + " Name:Europe Path:[Europe] Direct:true Reason:rule 1} " +
			"{OUID:" + tr.sales.ID + " Name:Sales DE Path:[Europe Sales DE] Direct:true Reason:rule 1} " +
			"{OUID:" + tr.berlin.ID + " Name:Berlin Path:[Europe Sales DE Berlin] Direct:true Reason:rule 1}]"
		if got != want {
			t.Fatalf("ben's OUs\n got %s\nwant %s", got, want)
		}
		// Excluding ben from Sales DE: still in it through Berlin (a parent
		// contains its children's members).
		in := delegation.OUInput{Name: "Sales DE", ParentID: tr.europe.ID, Include: []string{"finn"}, Exclude: []string{"ben", "dora"},
			Rules: tr.sales.Rules}
		if _, err := h.svc.UpdateOU(h.ctx, h.owner, h.who, tr.sales.ID, in); err != nil {
			t.Fatal(err)
		}
		if got := members(tr.sales); got != "[anna ben finn]" {
			t.Fatalf("after exclusion: %s", got)
		}
		places, _ = h.svc.UserOUs(h.ctx, h.owner, h.conn, "ben")
		if len(places) != 3 || places[1].Direct || places[1].Reason != "member of child OU Berlin" {
			t.Fatalf("ben's Sales DE placement: %+v", places)
		}
		places, _ = h.svc.UserOUs(h.ctx, h.owner, h.conn, "finn")
		if len(places) != 2 || places[1].Reason != "included by hand" {
			t.Fatalf("finn: %+v", places)
		}
	})
}

// OU validation names the field; nesting refuses cycles; deletions that
// would orphan children or delegations are conflicts; every change is
// audited.
func TestOUsValidateNestAndAudit(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		tr := h.tree(t)
		bad := map[string]delegation.OUInput{
			"name":                             {Name: " "},
			"rules[0].conditions[0].attribute": {Name: "x", Rules: []delegation.Rule{rule(cond("shoeSize", "equals", "9"))}},
			"rules[0].conditions[1].operator":  {Name: "x", Rules: []delegation.Rule{rule(cond("city", "is_empty"), cond("city", "like", "x"))}},
			"rules[0].conditions[0].values":    {Name: "x", Rules: []delegation.Rule{rule(cond("city", "in"))}},
			"rules[1].conditions":              {Name: "x", Rules: []delegation.Rule{rule(cond("city", "is_empty")), rule()}},
			"exclude":                          {Name: "x", Include: []string{"a"}, Exclude: []string{"a"}},
			"parent_id":                        {Name: "x", ParentID: "vou_nope"},
		}
		for field, in := range bad {
			in.ConnectionID = h.conn
			if _, err := h.svc.CreateOU(h.ctx, h.owner, h.who, in); domain.ErrorField(err) != field {
				t.Errorf("%s: %v", field, err)
			}
		}
		if _, err := h.svc.CreateOU(h.ctx, h.owner, h.who, delegation.OUInput{ConnectionID: h.conn, Name: "sales de"}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Errorf("duplicate name: %v", err)
		}
		cycle := delegation.OUInput{Name: "Europe", ParentID: tr.berlin.ID, Rules: tr.europe.Rules}
		if _, err := h.svc.UpdateOU(h.ctx, h.owner, h.who, tr.europe.ID, cycle); domain.ErrorField(err) != "parent_id" {
			t.Errorf("cycle: %v", err)
		}
		cycle.ParentID = tr.europe.ID
		if _, err := h.svc.UpdateOU(h.ctx, h.owner, h.who, tr.europe.ID, cycle); domain.ErrorField(err) != "parent_id" {
			t.Errorf("own parent: %v", err)
		}
		if err := h.svc.DeleteOU(h.ctx, h.owner, h.who, tr.sales.ID); domain.ErrorCode(err) != domain.CodeConflict {
			t.Errorf("delete with child: %v", err)
		}
		p := h.delegate(t, "admin", tr.berlin, delegation.ActResetPassword)
		if err := h.svc.DeleteOU(h.ctx, h.owner, h.who, tr.berlin.ID); domain.ErrorCode(err) != domain.CodeConflict {
			t.Errorf("delete with delegation: %v", err)
		}
		dl, err := h.svc.ListDelegations(h.ctx, h.owner, store.M365DelegationFilter{UserID: p.User.ID})
		if err != nil || len(dl) != 1 || dl[0].OUName != "Berlin" || dl[0].UserEmail != p.User.Email || dl[0].PolicyName != "admin policy" {
			t.Fatalf("delegations %+v %v", dl, err)
		}
		if err := h.svc.DeletePolicy(h.ctx, h.owner, h.who, dl[0].PolicyID); domain.ErrorCode(err) != domain.CodeConflict {
			t.Errorf("delete policy in use: %v", err)
		}
		if err := h.svc.DeleteDelegation(h.ctx, h.owner, h.who, dl[0].ID); err != nil {
			t.Fatal(err)
		}
		if err := h.svc.DeleteOU(h.ctx, h.owner, h.who, tr.berlin.ID); err != nil {
			t.Fatal(err)
		}
		if err := h.svc.DeletePolicy(h.ctx, h.owner, h.who, dl[0].PolicyID); err != nil {
			t.Fatal(err)
		}
		log, err := h.st.ListAudit(h.ctx, h.org.ID, store.AuditFilter{Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var actions []string
		for _, e := range log.Items {
			actions = append(actions, e.Action)
		}
		for _, a := range []string{"m365.ou.create", "m365.ou.delete", "m365.policy.create", "m365.policy.delete",
			"m365.delegation.create", "m365.delegation.delete"} {
			if !slices.Contains(actions, a) {
				t.Errorf("no %s in the audit log: %v", a, actions)
			}
		}
	})
}

// Viewers read OUs but cannot change them; delegations and dry runs need
// m365.delegate.
func TestPermissions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		tr := h.tree(t)
		viewer := h.principal(t, "viewer", auth.RoleViewer)
		if list, err := h.svc.ListOUs(h.ctx, viewer, ""); err != nil || len(list) != 4 {
			t.Fatalf("viewer lists OUs: %d %v", len(list), err)
		}
		forbidden := []error{
			func() error {
				_, err := h.svc.CreateOU(h.ctx, viewer, h.who, delegation.OUInput{ConnectionID: h.conn, Name: "x"})
				return err
			}(),
			func() error { _, err := h.svc.SetRequirements(h.ctx, viewer, h.who, tr.sales.ID, nil, nil); return err }(),
			func() error { _, err := h.svc.ListDelegations(h.ctx, viewer, store.M365DelegationFilter{}); return err }(),
			func() error {
				_, err := h.svc.Evaluate(h.ctx, viewer, "", delegation.Request{ConnectionID: h.conn, Action: delegation.ActResetPassword, Target: "anna"})
				return err
			}(),
		}
		for i, err := range forbidden {
			if domain.ErrorCode(err) != domain.CodeForbidden {
				t.Errorf("call %d: %v", i, err)
			}
		}
		// A dry run for another member evaluates their delegations.
		p := h.delegate(t, "helpdesk", tr.sales, delegation.ActResetPassword)
		d, err := h.svc.Evaluate(h.ctx, h.owner, p.User.ID, delegation.Request{ConnectionID: h.conn, Action: delegation.ActResetPassword, Target: "carl"})
		if err != nil || d.Code != delegation.CodeOutsideOUs {
			t.Fatalf("dry run: %+v %v", d, err)
		}
		if _, err := h.svc.Evaluate(h.ctx, h.owner, "usr_nobody", delegation.Request{}); domain.ErrorField(err) != "actor_user_id" {
			t.Fatalf("unknown actor: %v", err)
		}
	})
}

// Compliance lists each deviation with the Graph change that fixes it,
// and conflicts between OUs without a change.
func TestCompliance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		tr := h.tree(t)
		if _, err := h.svc.SetRequirements(h.ctx, h.owner, h.who, tr.sales.ID, []delegation.Requirement{
			{Attribute: "Department", Value: "Sales"}, {Attribute: "extensionattribute3", Value: "CC-100"}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.SetRequirements(h.ctx, h.owner, h.who, tr.berlin.ID, []delegation.Requirement{{Attribute: "department", Value: "Sales Berlin"}}, nil); err != nil {
			t.Fatal(err)
		}
		if _, err := h.svc.SetRequirements(h.ctx, h.owner, h.who, tr.sales.ID, []delegation.Requirement{{Attribute: "upnDomain", Value: "x"}}, nil); domain.ErrorField(err) != "required_attributes[0].attribute" {
			t.Fatalf("upnDomain: %v", err)
		}
		rep, err := h.svc.Compliance(h.ctx, h.owner, h.conn)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, d := range rep.Deviations {
			key := d.ObjectID + "." + d.Attribute
			if d.Change != nil {
				got[key] = fmt.Sprintf("%s %s %v", d.Change.Method, d.Change.Path, d.Change.Body)
			} else {
				got[key] = "conflict: " + d.Conflict
			}
		}
		want := map[string]string{
			"anna.extensionAttribute3": "PATCH /users/anna map[onPremisesExtensionAttributes:map[extensionAttribute3:CC-100]]",
			"dora.department":          "PATCH /users/dora map[department:Sales]",
			"dora.extensionAttribute3": "PATCH /users/dora map[onPremisesExtensionAttributes:map[extensionAttribute3:CC-100]]",
			"finn.department":          "PATCH /users/finn map[department:Sales]",
			"ben.department":           "conflict: OUs Berlin, Sales DE require different values: Sales Berlin | Sales",
			"ben.extensionAttribute3":  "PATCH /users/ben map[onPremisesExtensionAttributes:map[extensionAttribute3:CC-100]]",
		}
		if fmt.Sprint(got) != fmt.Sprint(want) || rep.Checked != 5 || rep.Deviating != 4 || rep.Total != 6 {
			t.Fatalf("report %d/%d/%d\n got %v\nwant %v", rep.Checked, rep.Deviating, rep.Total, got, want)
		}
	})
}
