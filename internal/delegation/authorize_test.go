package delegation_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func wantDecision(t *testing.T, what string, d delegation.Decision, allowed bool, code string, reasonHas ...string) {
	t.Helper()
	if d.Allowed != allowed || d.Code != code {
		t.Fatalf("%s: allowed %v code %q (%s), want %v %q", what, d.Allowed, d.Code, d.Reason, allowed, code)
	}
	for _, s := range reasonHas {
		if !strings.Contains(d.Reason, s) {
			t.Fatalf("%s: reason %q lacks %q", what, d.Reason, s)
		}
	}
}

// A helpdesk administrator of Sales DE resets passwords of its users
// (also those of its child OU and those picked by hand), and is refused
// with the reason for users elsewhere, for actions not granted, and
// without any delegation.
func TestAuthorizeDelegatedScope(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		tr := h.tree(t)
		helpdesk := h.delegate(t, "helpdesk", tr.sales, delegation.ActResetPassword, delegation.ActRevokeSessions)
		for _, target := range []string{"anna", "ben", "dora", "finn"} { // rule, child OU, case-insensitive, by hand
			wantDecision(t, "reset "+target, h.authorize(t, helpdesk, delegation.ActResetPassword, target, delegation.Params{}),
				true, delegation.CodeAllowedDelegated, "Sales DE")
		}
		wantDecision(t, "reset carl", h.authorize(t, helpdesk, delegation.ActResetPassword, "carl", delegation.Params{}),
			false, delegation.CodeOutsideOUs, "carl@contoso.fr is in OU Europe, Marketing", "you administer OU Sales DE")
		wantDecision(t, "delete anna", h.authorize(t, helpdesk, delegation.ActDeleteUser, "anna", delegation.Params{}),
			false, delegation.CodeNotGranted, "user.delete", "helpdesk policy")
		nobody := h.principal(t, "nobody", auth.RoleViewer)
		wantDecision(t, "undelegated", h.authorize(t, nobody, delegation.ActResetPassword, "anna", delegation.Params{}),
			false, delegation.CodeNotDelegated)
		wantDecision(t, "owner on carl", h.authorize(t, h.owner, delegation.ActDeleteUser, "carl", delegation.Params{}),
			true, delegation.CodeAllowedAdmin)

		// Berlin's administrator: ben only; the parent's users are not theirs.
		berlin := h.delegate(t, "berlin", tr.berlin, delegation.ActResetPassword)
		wantDecision(t, "berlin resets ben", h.authorize(t, berlin, delegation.ActResetPassword, "ben", delegation.Params{}),
			true, delegation.CodeAllowedDelegated, "Berlin")
		wantDecision(t, "berlin resets anna", h.authorize(t, berlin, delegation.ActResetPassword, "anna", delegation.Params{}),
			false, delegation.CodeOutsideOUs)

		// A new user is placed by the attributes it would have.
		creator := h.delegate(t, "creator", tr.sales, delegation.ActCreateUser)
		d := h.authorize(t, creator, delegation.ActCreateUser, "", delegation.Params{Attributes: map[string]string{"department": "Sales", "Country": "DE"}})
		wantDecision(t, "create in Sales DE", d, true, delegation.CodeAllowedDelegated)
		d = h.authorize(t, creator, delegation.ActCreateUser, "", delegation.Params{Attributes: map[string]string{"department": "Marketing"}})
		wantDecision(t, "create in Marketing", d, false, delegation.CodeOutsideOUs, "The new user is in OU Marketing")

		// Moving a user out of one's OUs by changing attributes is refused;
		// a change that keeps the user within them is not.
		editor := h.delegate(t, "editor", tr.sales, delegation.ActSetDepartment)
		d = h.authorize(t, editor, delegation.ActSetDepartment, "anna", delegation.Params{Attributes: map[string]string{"department": "Marketing"}})
		wantDecision(t, "move anna out", d, false, delegation.CodeWouldLeaveOUs, "anna@contoso.test would be in OU Europe, Marketing")
		d = h.authorize(t, editor, delegation.ActSetDepartment, "anna", delegation.Params{Attributes: map[string]string{"department": "sales"}})
		wantDecision(t, "keep anna", d, true, delegation.CodeAllowedDelegated)
		d = h.authorize(t, h.owner, delegation.ActSetDepartment, "anna", delegation.Params{Attributes: map[string]string{"department": "Marketing"}})
		wantDecision(t, "admin moves anna", d, true, delegation.CodeAllowedAdmin)

		// Errors are for wrong requests, not refusals.
		_, err := h.svc.Authorize(h.ctx, h.org.ID, delegation.ActorOf(helpdesk), delegation.Request{ConnectionID: h.conn, Action: "user.explode", Target: "anna"})
		if domain.ErrorField(err) != "action" {
			t.Fatalf("unknown action: %v", err)
		}
		_, err = h.svc.Authorize(h.ctx, h.org.ID, delegation.ActorOf(helpdesk), delegation.Request{ConnectionID: h.conn, Action: delegation.ActResetPassword, Target: "nobody"})
		if domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("unknown user: %v", err)
		}
	})
}

// Licence policies: the quota counts the OU's holders (a parent's quota
// its children's too), restricted plans are disabled on assignment, and a
// request enabling one is refused; administrators are bound as well.
func TestAuthorizeLicencePolicies(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		tr := h.tree(t)
		one := int64(1)
		if _, err := h.svc.SetLicencePolicies(h.ctx, h.owner, h.who, tr.sales.ID, []delegation.LicencePolicy{
			{SkuID: "sku-e3", Quota: &one, RestrictedPlans: []string{"yammer_enterprise"}}}); err != nil {
			t.Fatal(err)
		}
		lic := h.delegate(t, "licences", tr.sales, delegation.ActAssignLicence)
		e3 := delegation.Params{SkuID: "sku-e3"}
		wantDecision(t, "quota", h.authorize(t, lic, delegation.ActAssignLicence, "ben", e3),
			false, delegation.CodeQuotaReached, "1 of 1 SPE_E3", "OU Sales DE")
		wantDecision(t, "admin quota", h.authorize(t, h.owner, delegation.ActAssignLicence, "finn", e3),
			false, delegation.CodeQuotaReached, "1 of 1")
		// anna holds E3 already: changing her plans uses no new unit.
		d := h.authorize(t, lic, delegation.ActAssignLicence, "anna", e3)
		wantDecision(t, "anna's plans", d, true, delegation.CodeAllowedDelegated)
		if fmt.Sprint(d.DisabledPlans) != "["+planYammer+"]" {
			t.Fatalf("disabled plans %v", d.DisabledPlans)
		}
		two := int64(2)
		if _, err := h.svc.SetLicencePolicies(h.ctx, h.owner, h.who, tr.sales.ID, []delegation.LicencePolicy{
			{SkuID: "sku-e3", Quota: &two, RestrictedPlans: []string{planYammer}}}); err != nil {
			t.Fatal(err)
		}
		d = h.authorize(t, lic, delegation.ActAssignLicence, "ben", delegation.Params{SkuID: "sku-e3", DisabledPlans: []string{planTeams, planYammer}})
		wantDecision(t, "ben within quota", d, true, delegation.CodeAllowedDelegated)
		if !slices.Equal(d.DisabledPlans, []string{planTeams, planYammer}) {
			t.Fatalf("disabled plans %v", d.DisabledPlans)
		}
		d = h.authorize(t, lic, delegation.ActAssignLicence, "ben", delegation.Params{SkuID: "sku-e3", DisabledPlans: []string{planTeams}})
		wantDecision(t, "enable restricted", d, false, delegation.CodeRestrictedPlan, "YAMMER_ENTERPRISE ("+planYammer+")", "OU Sales DE")

		// A quota on the parent counts the child OUs' holders too.
		zero := int64(0)
		if _, err := h.svc.SetLicencePolicies(h.ctx, h.owner, h.who, tr.europe.ID, []delegation.LicencePolicy{{SkuID: "sku-e3", Quota: &zero}}); err != nil {
			t.Fatal(err)
		}
		wantDecision(t, "parent quota", h.authorize(t, lic, delegation.ActAssignLicence, "ben", e3),
			false, delegation.CodeQuotaReached, "1 of 0", "OU Europe")

		_, err := h.svc.SetLicencePolicies(h.ctx, h.owner, h.who, tr.sales.ID, []delegation.LicencePolicy{{SkuID: "sku-e3", RestrictedPlans: []string{"NOPE"}}})
		if domain.ErrorField(err) != "licence_policies[0].restricted_plans[0]" {
			t.Fatalf("unknown plan: %v", err)
		}
		if _, err = h.svc.SetLicencePolicies(h.ctx, h.owner, h.who, tr.sales.ID, []delegation.LicencePolicy{{SkuID: "sku-x"}}); domain.ErrorField(err) != "licence_policies[0].sku_id" {
			t.Fatalf("unknown SKU: %v", err)
		}
	})
}

// Mailbox actions need Exchange Online on the connection.
func TestAuthorizeMailboxNeedsExchange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		tr := h.tree(t)
		mail := h.delegate(t, "mail", tr.sales, delegation.ActSetAutoReply)
		wantDecision(t, "no exchange", h.authorize(t, mail, delegation.ActSetAutoReply, "anna", delegation.Params{}),
			false, delegation.CodeNeedsExchange, "Exchange Online", "Contoso")
		wantDecision(t, "admin without exchange", h.authorize(t, h.owner, delegation.ActSetForwarding, "anna", delegation.Params{}),
			false, delegation.CodeNeedsExchange)
		c, err := h.st.GetConnection(h.ctx, h.org.ID, h.conn)
		if err != nil {
			t.Fatal(err)
		}
		c.Settings = []byte(`{"tenant_id":"contoso.onmicrosoft.com","exchange_online":true}`)
		if err := h.st.UpdateConnection(h.ctx, c); err != nil {
			t.Fatal(err)
		}
		wantDecision(t, "with exchange", h.authorize(t, mail, delegation.ActSetAutoReply, "anna", delegation.Params{}),
			true, delegation.CodeAllowedDelegated)
	})
}

// A deleted user can only be restored.
func TestAuthorizeDeletedTarget(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		tr := h.tree(t)
		p := h.delegate(t, "restorer", tr.sales, delegation.ActRestoreUser, delegation.ActResetPassword)
		snap := store.DirectorySnapshot{Users: []store.M365User{{ObjectID: "ben", DisplayName: "Ben", Department: "Sales", Country: "DE"}}}
		if _, err := h.st.ReplaceDirectory(h.ctx, h.org.ID, h.conn, snap, domain.Now()); err != nil {
			t.Fatal(err)
		}
		wantDecision(t, "reset deleted", h.authorize(t, p, delegation.ActResetPassword, "anna", delegation.Params{}),
			false, delegation.CodeTargetDeleted, "anna@contoso.test was deleted")
		wantDecision(t, "restore deleted", h.authorize(t, p, delegation.ActRestoreUser, "anna", delegation.Params{}),
			true, delegation.CodeAllowedDelegated)
	})
}
