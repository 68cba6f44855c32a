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
	}
}
