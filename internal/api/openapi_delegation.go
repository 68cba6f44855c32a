package api

import "github.com/canopyhq/canopy/internal/delegation"

var (
	ouIDParam          = pathParam("ou_id", "A virtual OU's ID (vou_...)")
	adminPolicyIDParam = pathParam("admin_policy_id", "An authorization policy's ID (map_...)")
	delegationIDParam  = pathParam("delegation_id", "A delegation's ID (dlg_...)")
	m365ConnParam      = pathParam("connection_id", "A Microsoft 365 connection's ID")
	objectIDParam      = pathParam("object_id", "A directory user's object ID in the tenant")
)

func delegationOperations() []opEntry {
	ou, pol, dlg := []parameter{ouIDParam}, []parameter{adminPolicyIDParam}, []parameter{delegationIDParam}
	conn := []parameter{m365ConnParam}
	const tag = "m365-delegation"
	return []opEntry{
		doc("GET", "/m365/actions", opSpec{id: "listM365Actions", summary: "The catalog of administrative actions policies grant", perm: "m365.read", tag: tag, status: 200, result: "M365ActionList"}),
		doc("GET", "/m365/ous", opSpec{id: "listOUs", summary: "Virtual OUs by name", perm: "m365.read", tag: tag,
			params: []parameter{queryParam("connection_id", "Only this Microsoft 365 connection")}, status: 200, result: "OUList"}),
		doc("POST", "/m365/ous", opSpec{id: "createOU", summary: "Add a virtual OU", perm: "m365.delegate", tag: tag, body: "OUInput", status: 201, result: "OU",
			description: "A user is a member when a rule matches (its conditions ANDed; rules ORed; case-insensitive) or it is in include, unless in exclude; " +
				"and a member of every OU above an OU it is in. parent_id must be an OU of the same connection; 409 when the name is taken."}),
		doc("GET", "/m365/ous/{ou_id}", opSpec{id: "getOU", summary: "One virtual OU with its rules and policies", perm: "m365.read", tag: tag, params: ou, status: 200, result: "OU"}),
		doc("PUT", "/m365/ous/{ou_id}", opSpec{id: "updateOU", summary: "Replace an OU's name, parent, rules and hand picks", perm: "m365.delegate", tag: tag, params: ou, body: "OUInput", status: 200, result: "OU",
			description: "The connection cannot change; a parent below the OU (a cycle) is refused. Licence and configuration policies stay."}),
		doc("DELETE", "/m365/ous/{ou_id}", opSpec{id: "deleteOU", summary: "Remove an OU", perm: "m365.delegate", tag: tag, params: ou, status: 204,
			description: "409 while it has child OUs or delegations."}),
		doc("GET", "/m365/ous/{ou_id}/members", opSpec{id: "listOUMembers", summary: "The OU's current members (with its child OUs' members), by display name", perm: "m365.read", tag: tag, params: ou, status: 200, result: "OUMemberList"}),
		doc("PUT", "/m365/ous/{ou_id}/licence-policies", opSpec{id: "setLicencePolicies", summary: "Replace the OU's licence policies", perm: "m365.delegate", tag: tag, params: ou, body: "LicencePoliciesSet", status: 200, result: "OU",
			description: "Per SKU: quota (how many of the OU's members may hold it; null for no limit) and restricted_plans (service plan IDs or names, stored as IDs) disabled on every assignment."}),
		doc("PUT", "/m365/ous/{ou_id}/required-attributes", opSpec{id: "setRequiredAttributes", summary: "Replace the OU's configuration policy", perm: "m365.delegate", tag: tag, params: ou, body: "RequiredAttributesSet", status: 200, result: "OU",
			description: "mfaRegistered may be required (value true): read from Graph's authentication methods registration report; Graph cannot fix it (the user must register). " +
				"auto_remediate: after every directory sync the deviations are remediated through Graph as Canopy, each audited (m365.action.*) and the run audited as m365.compliance.auto_remediate."}),
		doc("GET", "/m365/policies", opSpec{id: "listAdminPolicies", summary: "Authorization policies", perm: "m365.read", tag: tag, status: 200, result: "AdminPolicyList"}),
		doc("POST", "/m365/policies", opSpec{id: "createAdminPolicy", summary: "Add an authorization policy", perm: "m365.delegate", tag: tag, body: "AdminPolicyInput", status: 201, result: "AdminPolicy"}),
		doc("GET", "/m365/policies/{admin_policy_id}", opSpec{id: "getAdminPolicy", summary: "One authorization policy", perm: "m365.read", tag: tag, params: pol, status: 200, result: "AdminPolicy"}),
		doc("PUT", "/m365/policies/{admin_policy_id}", opSpec{id: "updateAdminPolicy", summary: "Replace a policy; its delegations change with it", perm: "m365.delegate", tag: tag, params: pol, body: "AdminPolicyInput", status: 200, result: "AdminPolicy"}),
		doc("DELETE", "/m365/policies/{admin_policy_id}", opSpec{id: "deleteAdminPolicy", summary: "Remove a policy", perm: "m365.delegate", tag: tag, params: pol, status: 204,
			description: "409 while delegations hold it."}),
		doc("GET", "/m365/delegations", opSpec{id: "listDelegations", summary: "Delegated administrators", perm: "m365.delegate", tag: tag,
			params: []parameter{queryParam("user_id", "Only this member"), queryParam("ou_id", "Only this OU"), queryParam("policy_id", "Only this policy")}, status: 200, result: "DelegationList"}),
		doc("POST", "/m365/delegations", opSpec{id: "createDelegation", summary: "Make a member administrator of an OU's users with a policy", perm: "m365.delegate", tag: tag, body: "DelegationInput", status: 201, result: "Delegation",
			description: "The member must be active; 409 when it holds the policy for the OU already."}),
		doc("GET", "/m365/delegations/{delegation_id}", opSpec{id: "getDelegation", summary: "One delegation", perm: "m365.delegate", tag: tag, params: dlg, status: 200, result: "Delegation"}),
		doc("PUT", "/m365/delegations/{delegation_id}", opSpec{id: "updateDelegation", summary: "Change a delegation's member, OU or policy in place", perm: "m365.delegate", tag: tag, params: dlg, body: "DelegationInput", status: 200, result: "Delegation",
			description: "Audited as m365.delegation.update with the delegation as it was; 409 when the member already holds the policy for the OU."}),
		doc("DELETE", "/m365/delegations/{delegation_id}", opSpec{id: "deleteDelegation", summary: "End a delegation", perm: "m365.delegate", tag: tag, params: dlg, status: 204}),
		doc("GET", "/m365/connections/{connection_id}/users/{object_id}/ous", opSpec{id: "listUserOUs", summary: "The OUs a directory user is in, and why", perm: "m365.read", tag: tag,
			params: []parameter{m365ConnParam, objectIDParam}, status: 200, result: "PlacementList"}),
		doc("POST", "/m365/connections/{connection_id}/evaluate", opSpec{id: "evaluateM365Action", summary: "Dry run: may a member perform an action on a user?", perm: "m365.delegate", tag: tag, params: conn, body: "EvaluateInput", status: 200, result: "Decision",
			description: "Nothing is executed. The decision every administrative action passes: allowed (allowed_admin, allowed_delegated) or refused with a code " +
				"(not_delegated, outside_ous, action_not_granted, quota_reached, restricted_plan, exchange_online_required, target_deleted, would_leave_ous, manager_unknown) and a reason. " +
				"For licence.assign, disabled_plans are the plans to send to Graph."}),
		doc("GET", "/m365/connections/{connection_id}/compliance", opSpec{id: "complianceReport", summary: "Deviations from the OUs' required attributes, with the Graph change each needs", perm: "m365.read", tag: tag, params: conn, status: 200, result: "ComplianceReport"}),
		doc("POST", "/m365/connections/{connection_id}/actions", opSpec{id: "executeM365Action", summary: "Execute an administrative action on one or more users through Graph", perm: "any", tag: tag, params: conn, body: "ExecuteInput", status: 200, result: "ActionResults",
			description: "Open to members holding m365.manage and to delegated administrators of an OU of the connection (others: 403, before the body is read). " +
				"Each target is authorized first (refused targets never reach Graph), then the change is sent to Graph (several targets: JSON $batch of 20, throttled requests retried), " +
				"the directory snapshot is refreshed and an audit entry m365.action.<action> is written per target, refusals included. " +
				"Per-target status: done, refused (with the decision), failed (Graph's answer; nothing changed), unknown (Graph did not answer; may have been applied), invalid (no such user). " +
				"A password (given or generated) is returned once in the result and never stored, logged or audited."}),
		doc("POST", "/m365/connections/{connection_id}/compliance/remediate", opSpec{id: "remediateCompliance", summary: "Fix deviations of the compliance report through Graph", perm: "any", tag: tag, params: conn, body: "RemediateInput", status: 200, result: "RemediationResults",
			description: "Each change runs as user.set_department, user.set_usage_location or user.update for the user, so it needs the same grant as the manual change and is audited the same way; conflicts are reported, not changed."}),
	}
}

func delegationSchemas() map[string]*schema {
	cond := closed("A condition on one attribute", props{"attribute": {Type: "string", Enum: delegation.Attributes()},
		"operator": {Type: "string", Enum: delegation.Operators}, "values": stringList("One value; in: one or more; is_empty: none")}, "attribute", "operator")
	rules := &schema{Type: "array", Description: "ORed; at most 50", Items: closed("Matches when all conditions hold", props{"conditions": {Type: "array", Items: cond}}, "conditions")}
	lp := closed("A licence policy", props{"sku_id": text(""), "sku_part_number": text("Set by Canopy"),
		"quota": {Type: []string{"integer", "null"}, Description: "null: no limit"}, "restricted_plans": stringList("Service plan IDs (or names on input)")}, "sku_id")
	req := closed("A required attribute value", props{"attribute": {Type: "string", Enum: delegation.RequirableAttributes()}, "value": text("mfaRegistered: true")}, "attribute", "value")
	ids := stringList("User object IDs")
	actions := &schema{Type: "array", Items: &schema{Type: "string", Enum: delegation.ActionKeys()}}
	change := object("A Graph request", props{"method": text(""), "path": text(""), "body": {Type: "object"}}, "method", "path", "body")
	decision := &schema{Ref: "#/components/schemas/Decision"}
	result := object("The outcome for one target", props{"target_id": text("The user's object ID (user.create: the new user's)"),
		"status": {Type: "string", Enum: []string{"done", "refused", "failed", "unknown", "invalid"}}, "decision": decision,
		"error": text("Graph's message (failed, unknown) or why the target is invalid"), "graph_status": {Type: "integer"}, "graph_code": text(""),
		"password":       text("user.reset_password, user.create: the new password, shown once"),
		"snapshot_stale": {Type: "boolean", Description: "Applied, but the local snapshot could not be refreshed; the next sync will"}}, "target_id", "status")
	summary := object("Targets per status", props{"done": {Type: "integer"}, "refused": {Type: "integer"}, "failed": {Type: "integer"},
		"unknown": {Type: "integer"}, "invalid": {Type: "integer"}})
	return map[string]*schema{
		"ExecuteInput": closed("An administrative action", props{"action": {Type: "string", Enum: delegation.ActionKeys()},
			"target_ids": stringList("User object IDs (at most 500); empty for user.create"), "target_id": text("One user (added to target_ids)"),
			"params": closed("The action's arguments", props{"sku_id": text("licence.assign, licence.remove"), "disabled_plans": stringList("licence.assign: plans to disable; restricted plans are always added"),
				"attributes": {Type: "object", Description: "Graph user properties: user.create (displayName, userPrincipalName, …), user.update (profile fields, extensionAttributeN), user.set_department (department), user.set_usage_location (usageLocation)"},
				"password":   text("user.reset_password, user.create: empty for a generated one"), "force_change_password": {Type: "boolean", Description: "Default true"},
				"manager_id": text("user.set_manager: empty removes the manager"), "group_id": text("group.add_member, group.remove_member"),
				"auto_reply":  {Type: "object", Description: "mailbox.set_auto_reply: Graph's automaticRepliesSetting (status, externalAudience, internalReplyMessage, externalReplyMessage, scheduledStartDateTime, scheduledEndDateTime)"},
				"add_aliases": stringList("mailbox.set_aliases"), "remove_aliases": stringList("mailbox.set_aliases"),
				"forward_to": text("mailbox.set_forwarding: empty stops forwarding"), "keep_copy": {Type: "boolean"}})}, "action"),
		"ActionResult":  result,
		"ActionResults": object("An execution's outcome", props{"action": text(""), "results": {Type: "array", Items: result}, "summary": summary}, "results", "summary"),
		"RemediateInput": closed("Deviations to fix", props{"all": {Type: "boolean", Description: "Every deviation listed by the report"},
			"deviations": {Type: "array", Items: closed("A deviation", props{"id": text("The user's object ID"), "attribute": text("")}, "id", "attribute")}}),
		"RemediationResults": object("A remediation's outcome", props{"results": {Type: "array", Items: object("One deviation's outcome", props{
			"deviation": {Type: "object"}, "action": text(""), "result": result}, "deviation", "result")}, "truncated": {Type: "boolean"}, "summary": summary}, "results", "summary"),
		"M365Action": object("An administrative action", props{"key": text(""), "description": text(""),
			"needs_exchange_online": {Type: "boolean", Description: "Needs an Exchange Online connection"}}, "key", "description", "needs_exchange_online"),
		"M365ActionList": list("M365Action"),
		"OUInput": closed("A virtual OU's own settings", props{"connection_id": text("Required on create; cannot change"), "parent_id": text("\"\" at the top"),
			"name": text(""), "description": text(""), "rules": rules, "include": ids, "exclude": ids}, "name"),
		"OU": object("A virtual OU", props{"id": text("vou_..."), "connection_id": text(""), "parent_id": text(""), "name": text(""), "description": text(""),
			"rules": rules, "include": ids, "exclude": ids, "licence_policies": {Type: "array", Items: lp}, "required_attributes": {Type: "array", Items: req},
			"auto_remediate": {Type: "boolean"}, "created_at": timestamp(), "updated_at": timestamp()}, "id", "connection_id", "name", "rules"),
		"OUList":             list("OU"),
		"OUMember":           object("A member of an OU", props{"id": text(""), "display_name": text(""), "user_principal_name": text("")}, "id"),
		"OUMemberList":       list("OUMember"),
		"LicencePoliciesSet": closed("An OU's licence policies", props{"licence_policies": {Type: "array", Items: lp}}, "licence_policies"),
		"RequiredAttributesSet": closed("An OU's configuration policy", props{"required_attributes": {Type: "array", Items: req},
			"auto_remediate": {Type: "boolean", Description: "Remediate deviations automatically after every directory sync; absent: unchanged"}},
			"required_attributes"),
		"AdminPolicyInput": closed("An authorization policy", props{"name": text(""), "description": text(""), "actions": actions}, "name", "actions"),
		"AdminPolicy": object("An authorization policy", props{"id": text("map_..."), "name": text(""), "description": text(""), "actions": actions,
			"created_at": timestamp(), "updated_at": timestamp()}, "id", "name", "actions"),
		"AdminPolicyList": list("AdminPolicy"),
		"DelegationInput": closed("A delegation", props{"user_id": text("A member's user ID"), "ou_id": text(""), "policy_id": text("")}, "user_id", "ou_id", "policy_id"),
		"Delegation": object("A delegated administrator of an OU", props{"id": text("dlg_..."), "user_id": text(""), "user_email": text("\"\" once the member left"),
			"ou_id": text(""), "ou_name": text(""), "policy_id": text(""), "policy_name": text(""), "created_by": text(""), "created_at": timestamp()},
			"id", "user_id", "ou_id", "policy_id"),
		"DelegationList": list("Delegation"),
		"Placement": object("An OU a user is in", props{"ou_id": text(""), "name": text(""), "path": stringList("Names from the top"),
			"direct": {Type: "boolean", Description: "false: only through a child OU"}, "reason": text("rule N, included by hand, or member of child OU X")}, "ou_id", "name", "direct", "reason"),
		"PlacementList": list("Placement"),
		"EvaluateInput": closed("An action to evaluate", props{"actor_user_id": text("A member; empty for the caller"),
			"action": {Type: "string", Enum: delegation.ActionKeys()}, "target_id": text("The user's object ID; empty for user.create"),
			"params": closed("Arguments", props{"sku_id": text("licence.assign/remove"), "disabled_plans": stringList("Plans to disable; absent: exactly the restricted ones"),
				"attributes": {Type: "object", Description: "user.create: the new user's attributes; user.update, user.set_department, user.set_usage_location: the new values"}})}, "action"),
		"Decision": object("An authorization decision", props{"allowed": {Type: "boolean"}, "code": text(""), "reason": text(""),
			"via_ous": stringList("OUs whose delegations allow it"), "disabled_plans": stringList("licence.assign: the disabledPlans to send")}, "allowed", "code", "reason"),
		"ComplianceReport": object("Compliance with the OUs' configuration policies", props{"connection_id": text(""), "checked_users": {Type: "integer"},
			"deviating_users": {Type: "integer"}, "total_deviations": {Type: "integer"}, "truncated": {Type: "boolean", Description: "More than 1000 deviations: the list holds the first"},
			"deviations": {Type: "array", Items: object("A deviation", props{"id": text(""), "display_name": text(""), "user_principal_name": text(""),
				"attribute": text(""), "current": text(""), "required": text(""), "ous": stringList(""), "conflict": text("OUs require different values"),
				"change":         &schema{Type: []string{"object", "null"}, Description: "The fix; null on a conflict or when Graph cannot fix it", Properties: change.Properties},
				"auto_remediate": {Type: "boolean", Description: "Remediated automatically after the next sync"},
				"manual":         text("Why Graph cannot fix it (mfaRegistered: the user must register)"), "suggested_action": text("What an administrator can do instead (user.revoke_sessions)")},
				"id", "attribute", "current", "required")},
			"last_auto_remediation": &schema{Type: []string{"object", "null"}, Description: "The latest automatic remediation: at and summary (count per status)",
				Properties: props{"at": timestamp(), "summary": {Type: "object"}}}},
			"connection_id", "checked_users", "deviations"),
	}
}
