package web

import "github.com/canopyhq/canopy/internal/delegation"

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
			[]string{`id="new-password">Xy7!pass-word12<`, `Sales DE (rule 1)`, `id="act-reset-password"`, `value="licence.assign"`, `<option value="sku-1">SPE_E3</option>`}},
		{DelegationUserPage{Layout: l, ConnectionID: "con_1", User: DelegationUserView{ID: "u-2", Name: "Carl"}, Refusal: "carl@contoso.fr is in OU FR; you administer OU Sales DE."},
			[]string{`id="refusal-reason"`, `you administer OU Sales DE`}},
		{DelegationManagePage{Layout: l, ConnectionID: "con_1", Connections: []DelegationConn{{ID: "con_1", Name: "Contoso"}},
			OUs:         []delegation.OU{ou},
			Policies:    []delegation.Policy{{ID: "map_1", Name: "Helpdesk", Actions: []delegation.Action{delegation.ActResetPassword}}},
			Delegations: []delegation.Delegation{{ID: "dlg_1", UserEmail: "dana@acme.test", OUName: "Sales DE", PolicyName: "Helpdesk"}},
			Members:     []DelegationMember{{ID: "usr_1", Email: "dana@acme.test"}}, Attributes: delegation.Attributes(), Operators: delegation.Operators,
			Actions: delegation.Actions()},
			[]string{`data-ou="vou_1"`, `data-policy="map_1"`, `data-delegation="dlg_1"`, `name="attribute_3"`, `id="pol-act-user.reset_password"`}},
		{DelegationOUPage{Layout: l, OU: ou, Members: []delegation.MemberView{{ObjectID: "u-1", DisplayName: "Ada", UserPrincipalName: "ada@contoso.test"}}},
			[]string{`country equals DE`, `data-user="u-1"`}},
		{DelegationOUPage{Layout: l, OU: delegation.OU{ID: "vou_1", Name: "Sales DE", Required: []delegation.Requirement{{Attribute: "department", Value: "Sales"}}},
			Attributes: delegation.Attributes()}, []string{`<option value="department" selected>department</option>`, `name="value_0" value="Sales"`, `name="attribute_3"`}},
		{DelegationCompliancePage{Layout: l, ConnectionID: "con_1", Connections: []DelegationConn{{ID: "con_1", Name: "Contoso"}},
			Report: delegation.Report{Checked: 2, Deviating: 1, Total: 1, Deviations: []delegation.Deviation{{ObjectID: "u-1", DisplayName: "Ada",
				UserPrincipalName: "ada@contoso.test", Attribute: "department", Required: "Sales", OUs: []string{"Sales DE"}}}},
			Remedies: []delegation.Remedy{{Deviation: delegation.Deviation{UserPrincipalName: "ada@contoso.test", Attribute: "department", Required: "Sales"},
				Result: delegation.Result{Status: "refused", Decision: &delegation.Decision{Reason: "Action user.set_department is not granted to you"}}}}},
			[]string{`data-user="u-1" data-attribute="department"`, `Remediate all`, `data-status="refused"`, `is not granted to you`}},
		{DelegationCompliancePage{Layout: l, ConnectionID: "con_1", Connections: []DelegationConn{{ID: "con_1", Name: "Contoso"}}}, []string{`No deviations.`}},
	}
}
