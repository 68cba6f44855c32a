package web

import (
	"time"

	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/store"
)

func delegationSamplePages() []pageCase {
	l := sampleLayout(NavM365)
	l.Can["m365.delegate"] = true
	ou := delegation.OU{ID: "vou_1", ConnectionID: "con_1", Name: "Sales DE", Rules: []delegation.Rule{{Conditions: []delegation.Condition{
		{Attribute: "country", Operator: "equals", Values: []string{"DE"}}}}}}
	return []pageCase{
		{DelegationUsersPage{Layout: l, Q: "ad", Connections: []DelegationConnUsers{{ID: "con_1", Name: "Contoso", Total: 2,
			Users: []delegation.AdminUser{{ObjectID: "u-1", DisplayName: "Ada", UPN: "ada@contoso.test", OUs: []string{"Europe", "Sales DE"}}}}}},
			[]string{`href="/m365/delegation/con_1/users/u-1"`, `Europe, Sales DE`, `href="/m365/delegation/manage"`}},
		{DelegationUsersPage{Layout: sampleLayout(NavM365)}, []string{`id="nothing-to-administer"`}},
		{DelegationUserPage{Layout: l, ConnectionID: "con_1", User: DelegationUserView{ID: "u-1", Name: "Ada", UPN: "ada@contoso.test", Enabled: true},
			OUs:     []delegation.Placement{{OUID: "vou_1", Name: "Sales DE", Reason: "rule 1"}},
			Actions: []delegation.Action{delegation.ActResetPassword, delegation.ActAssignLicence}, SKUs: []DelegationSKU{{ID: "sku-1", Name: "SPE_E3"}},
			Done: &DelegationResult{Action: "user.reset_password", Result: delegation.Result{TargetID: "u-1", Status: "done", Password: "Xy7!pass-word12"}}},
			[]string{`id="new-password">Xy7!pass-word12<`, `Sales DE (rule 1)`, `id="act-reset-password"`, `value="licence.assign"`, `Assign SPE_E3`}},
		// Every action, a SKU with a restricted plan and one refused by
		// its quota; mailbox actions disabled without Exchange Online.
		{DelegationUserPage{Layout: l, ConnectionID: "con_1", User: DelegationUserView{ID: "u-1", Name: "Ada", UPN: "ada@contoso.test", Enabled: true,
			ManagerID: "u-9", Manager: "Mia (mia@contoso.test)", MFA: "false", Profile: map[string]string{"jobTitle": "Analyst"}},
			Actions: delegation.ActionList(), NoExchange: "Mailbox actions need Exchange Online, and connection Contoso has none.",
			Groups: []store.M365Group{{ObjectID: "g-1", DisplayName: "Sales team"}}, UserGroups: []string{"All staff"},
			SKUs: []DelegationSKU{{ID: "sku-1", Name: "SPE_E3", Plans: []DelegationPlan{{ID: "p-y", Name: "YAMMER_ENTERPRISE"}, {ID: "p-t", Name: "TEAMS1"}},
				Restricted: []string{"p-y"}, Held: true}, {ID: "sku-2", Name: "VISIO", Refusal: "Quota reached: 1 of 1 VISIO licences are assigned in OU Sales DE."}}},
			[]string{`Mia (mia@contoso.test)`, `id="act-delete"`, `id="act-set-manager"`, `name="jobTitle" value="Analyst"`, `<option value="g-1">Sales team</option>`,
				`All staff`, `<input type="hidden" name="disable_plan" value="p-y">`, `name="disable_plan" value="p-t"`, `Quota reached: 1 of 1 VISIO`,
				`id="no-exchange"`, `<fieldset disabled`, `value="mailbox.set_forwarding"`, `<option value="sku-1">SPE_E3</option>`}},
		{DelegationUserPage{Layout: l, ConnectionID: "con_1", User: DelegationUserView{ID: "u-3", Name: "Gone", Deleted: true},
			Actions: []delegation.Action{delegation.ActRestoreUser, delegation.ActResetPassword}},
			[]string{`id="act-restore"`, `Deleted`}},
		{DelegationUsersPage{Layout: l, Connections: []DelegationConnUsers{{ID: "con_1", Name: "Contoso", CanCreate: true}},
			Created: &DelegationResult{Action: "user.create", Result: delegation.Result{TargetID: "new-1", Status: "done", Password: "Pw-12345abc"}}},
			[]string{`action="/m365/delegation/con_1/users/new"`, `id="created-id">new-1<`, `id="new-password">Pw-12345abc<`}},
		{DelegationUserPage{Layout: l, ConnectionID: "con_1", User: DelegationUserView{ID: "u-2", Name: "Carl"}, Refusal: "carl@contoso.fr is in OU FR; you administer OU Sales DE."},
			[]string{`id="refusal-reason"`, `you administer OU Sales DE`}},
		{DelegationManagePage{Layout: l, ConnectionID: "con_1", Connections: []DelegationConn{{ID: "con_1", Name: "Contoso"}},
			OUs:         []delegation.OU{ou},
			Policies:    []delegation.Policy{{ID: "map_1", Name: "Helpdesk", Actions: []delegation.Action{delegation.ActResetPassword}}},
			Delegations: []delegation.Delegation{{ID: "dlg_1", UserEmail: "dana@acme.test", OUName: "Sales DE", PolicyName: "Helpdesk"}},
			Members:     []DelegationMember{{ID: "usr_1", Email: "dana@acme.test"}}, Attributes: delegation.Attributes(), Operators: delegation.Operators,
			Actions: delegation.Actions()},
			[]string{`data-ou="vou_1"`, `data-policy="map_1"`, `data-delegation="dlg_1"`, `name="attribute_3"`, `id="pol-act-user.reset_password"`,
				`action="/m365/delegation/policies/map_1"`, `id="pol-map_1-user.reset_password" name="actions" value="user.reset_password" checked`,
				`action="/m365/delegation/delegations/dlg_1"`}},
		{DelegationOUPage{Layout: l, OU: ou, Members: []delegation.MemberView{{ObjectID: "u-1", DisplayName: "Ada", UserPrincipalName: "ada@contoso.test"}},
			Attributes: delegation.Attributes(), Operators: delegation.Operators, Requirable: delegation.RequirableAttributes(),
			Licences: []LicenceRow{{N: 0, Quota: "3", SKU: DelegationSKU{ID: "sku-1", Name: "SPE_E3", Plans: []DelegationPlan{{ID: "p-y", Name: "YAMMER_ENTERPRISE"}}, Restricted: []string{"p-y"}}}}},
			[]string{`country equals DE`, `data-user="u-1"`, `action="/m365/delegation/ous/vou_1"`, `<option value="country" selected>country</option>`,
				`name="values_0" value="DE"`, `name="attribute_3"`, `<option value="memberOf">memberOf</option>`, `name="quota_0" inputmode="numeric" size="6" value="3"`,
				`name="restrict_0" value="p-y" checked`, `<option value="mfaRegistered">mfaRegistered</option>`}},
		{DelegationOUPage{Layout: l, OU: delegation.OU{ID: "vou_1", Name: "Sales DE", Required: []delegation.Requirement{{Attribute: "department", Value: "Sales"}},
			AutoRemediate: true}, Requirable: delegation.RequirableAttributes(), Attributes: delegation.Attributes()},
			[]string{`<option value="department" selected>department</option>`, `name="value_0" value="Sales"`, `name="attribute_3"`, `name="auto_remediate" value="1" checked`}},
		{DelegationCompliancePage{Layout: l, ConnectionID: "con_1", Connections: []DelegationConn{{ID: "con_1", Name: "Contoso"}},
			Report: delegation.Report{Checked: 2, Deviating: 1, Total: 1, Deviations: []delegation.Deviation{{ObjectID: "u-1", DisplayName: "Ada",
				UserPrincipalName: "ada@contoso.test", Attribute: "department", Required: "Sales", OUs: []string{"Sales DE"}}}},
			Remedies: []delegation.Remedy{{Deviation: delegation.Deviation{UserPrincipalName: "ada@contoso.test", Attribute: "department", Required: "Sales"},
				Result: delegation.Result{Status: "refused", Decision: &delegation.Decision{Reason: "Action user.set_department is not granted to you"}}}}},
			[]string{`data-user="u-1" data-attribute="department"`, `Remediate all`, `data-status="refused"`, `is not granted to you`}},
		{DelegationCompliancePage{Layout: l, ConnectionID: "con_1", Connections: []DelegationConn{{ID: "con_1", Name: "Contoso"}}}, []string{`No deviations.`}},
		{DelegationCompliancePage{Layout: l, ConnectionID: "con_1", Connections: []DelegationConn{{ID: "con_1", Name: "Contoso"}},
			Report: delegation.Report{Checked: 1, Deviating: 1, Total: 1, LastAuto: &delegation.AutoRun{At: time.Date(2026, 11, 26, 3, 0, 0, 0, time.UTC), Summary: map[string]int{"done": 4}},
				Deviations: []delegation.Deviation{{ObjectID: "u-1", UserPrincipalName: "ada@contoso.test", Attribute: "mfaRegistered", Current: "false", Required: "true",
					AutoRemediate: true, Manual: "Graph cannot register an MFA method for a user", SuggestedAction: delegation.ActRevokeSessions}}}},
			[]string{`id="last-auto"`, `2026-11-26 03:00 UTC`, `done 4`, `Graph cannot register`, `action="/m365/delegation/con_1/users/u-1/actions"`,
				`value="user.revoke_sessions"`, `<span class="badge">auto</span>`}},
	}
}
