package api

import (
	"github.com/canopyhq/canopy/internal/allocation"
)

var (
	groupIDParam   = pathParam("group_id", "A custom group's ID (grp_...)")
	versionParam   = pathParam("version", "A rule set version number (1, 2, ...)")
	skuPartParam   = pathParam("sku_part_number", "A Microsoft 365 product's SKU part number, e.g. SPE_E3")
	resultsVersion = parameter{Name: "version", In: "query", Description: "Rule set version; default the current one", Schema: &schema{Type: "integer", Minimum: intPtr(1)}}
)

func allocationOperations() []opEntry {
	ranged := append(append([]parameter{}, costRange...), filterParam)
	return []opEntry{
		doc("GET", "/allocation/groups", opSpec{id: "listGroups", summary: "Custom groups (business units, cost centres, projects)", perm: "allocation.read", tag: "allocation", status: 200, result: "GroupList"}),
		doc("POST", "/allocation/groups", opSpec{id: "createGroup", summary: "Add a custom group", perm: "allocation.write", tag: "allocation", body: "GroupInput", status: 201, result: "Group",
			description: "parent_id places it in the hierarchy; owners are member user IDs."}),
		doc("GET", "/allocation/groups/{group_id}", opSpec{id: "getGroup", summary: "One custom group", perm: "allocation.read", tag: "allocation", params: []parameter{groupIDParam}, status: 200, result: "Group"}),
		doc("PATCH", "/allocation/groups/{group_id}", opSpec{id: "updateGroup", summary: "Change a custom group", perm: "allocation.write", tag: "allocation", params: []parameter{groupIDParam}, body: "GroupInput", status: 200, result: "Group",
			description: "The whole group is replaced by the body (a group cannot be placed below itself)."}),
		doc("DELETE", "/allocation/groups/{group_id}", opSpec{id: "deleteGroup", summary: "Remove a custom group", perm: "allocation.write", tag: "allocation", params: []parameter{groupIDParam}, status: 204,
			description: "409 while a rule or split of the current rule set sends cost to it; its children move to its parent."}),
		doc("GET", "/allocation/groups/{group_id}/access", opSpec{id: "listGroupAccess", summary: "Members whose role is limited to this group", perm: "allocation.read", tag: "allocation",
			params: []parameter{groupIDParam}, status: 200, result: "GroupAccessList"}),
		doc("PUT", "/allocation/groups/{group_id}/access/{user_id}", opSpec{id: "setGroupAccess", summary: "Give a member a role on this group only", perm: "roles.manage", tag: "allocation",
			params: []parameter{groupIDParam, userIDParam}, body: "GroupAccessSet", status: 200, result: "GroupAccessList",
			description: "With viewer or finops the member sees, in the explorer, only this group's (and its sub-groups') share of each cost. Owner and admin cannot be limited to a group."}),
		doc("DELETE", "/allocation/groups/{group_id}/access/{user_id}", opSpec{id: "removeGroupAccess", summary: "Remove a member's role on this group", perm: "roles.manage", tag: "allocation",
			params: []parameter{groupIDParam, userIDParam}, status: 204}),
		doc("GET", "/allocation/rules", opSpec{id: "getRules", summary: "The current rule set (ordered rules and splits) and its version", perm: "allocation.read", tag: "allocation", status: 200, result: "AllocationVersion"}),
		doc("PUT", "/allocation/rules", opSpec{id: "putRules", summary: "Save a new rule set as the next version", perm: "allocation.write", tag: "allocation", body: "RulesUpdate", status: 200, result: "RulesSaved",
			description: "The first matching rule wins. Fixed splits' percentages must add up to 100. Only the months the change affects are recomputed; earlier versions stay readable. " +
				"base_version guards against overwriting another person's change (409)."}),
		doc("GET", "/allocation/versions", opSpec{id: "listAllocationVersions", summary: "Every saved rule set, newest first", perm: "allocation.read", tag: "allocation", status: 200, result: "AllocationVersionList"}),
		doc("GET", "/allocation/versions/{version}", opSpec{id: "getAllocationVersion", summary: "One saved rule set", perm: "allocation.read", tag: "allocation", params: []parameter{versionParam}, status: 200, result: "AllocationVersion"}),
		doc("GET", "/allocation/results", opSpec{id: "getAllocationResults", summary: "Totals per custom group (with Unallocated), per billing currency", perm: "allocation.read", tag: "allocation",
			params: append(append([]parameter{}, costRange...), resultsVersion, queryParam("group", "Only this group (grp_...; empty string: Unallocated), with its lineage rows"),
				queryParam("by_rule", "true: one row per group, rule and split (lineage)")), status: 200, result: "AllocationResults",
			description: "The current version's months are recomputed first when cost data changed since; an earlier version answers what it said then."}),
		doc("GET", "/allocation/explain", opSpec{id: "explainAllocation", summary: "Why is this here: the rule, split or licence seats that placed a resource's cost", perm: "allocation.read", tag: "allocation",
			params: append(ranged, queryParam("resource", "The resource ID")), status: 200, result: "ExplanationList"}),
		doc("GET", "/allocation/licence-prices", opSpec{id: "listLicencePrices", summary: "Microsoft 365 products whose cost is divided by seat", perm: "allocation.read", tag: "allocation", status: 200, result: "LicencePriceList"}),
		doc("PUT", "/allocation/licence-prices", opSpec{id: "setLicencePrice", summary: "Map a Microsoft 365 product to the SKU of its cost lines", perm: "allocation.write", tag: "allocation", body: "LicencePrice", status: 200, result: "LicencePriceList",
			description: "Its cost lines are then divided among the users holding a seat (placed by user.* rules) and the unassigned seats."}),
		doc("DELETE", "/allocation/licence-prices/{sku_part_number}", opSpec{id: "deleteLicencePrice", summary: "Remove a product mapping", perm: "allocation.write", tag: "allocation", params: []parameter{skuPartParam}, status: 204}),
	}
}

func allocationSchemas() map[string]*schema {
	day := &schema{Type: []string{"string", "null"}, Format: "date-time", Description: "UTC midnight; null: open"}
	condition := object("One test of a rule", props{
		"field":  {Type: "string", Enum: allocation.Fields},
		"key":    text("The tag key, or the extension attribute number 1-15"),
		"op":     {Type: "string", Enum: []string{allocation.OpIn, allocation.OpNotIn, allocation.OpMatches, allocation.OpExists}},
		"values": stringList("Compared case-insensitively; patterns use * and ?"),
	}, "field", "op")
	rule := object("A rule: its conditions must all hold; the first matching rule wins", props{
		"id": text("rul_...; absent for a new rule"), "name": text(""), "conditions": {Type: "array", Items: condition},
		"group": text("The group it places lines in (or split)"), "split": text("The split it sends lines through (or group)"),
		"valid_from": day, "valid_to": day,
	}, "name", "conditions")
	share := object("A group's share", props{"group": text("grp_..."), "percent": text("Fixed splits: a decimal percentage")}, "group")
	split := object("A shared cost divided across groups", props{"id": text("spl_...; absent for a new split"), "name": text(""),
		"method": {Type: "string", Enum: []string{allocation.SplitFixed, allocation.SplitProportional}}, "shares": {Type: "array", Items: share}}, "name", "method", "shares")
	ruleset := object("Ordered rules and splits", props{"rules": {Type: "array", Items: rule}, "splits": {Type: "array", Items: split}}, "rules", "splits")
	version := object("A saved rule set", props{"version": {Type: "integer"}, "ruleset": ruleset, "note": text(""), "created_by": text(""),
		"created_at": timestamp(), "affects": {Type: "boolean", Description: "false when the change could move nothing (e.g. only names)"},
		"changed_from": day, "changed_to": day}, "version", "ruleset", "created_by", "created_at", "affects")
	portion := object("Part of a line that went to a group", props{"group": text(""), "rule": text(""), "split": text(""),
		"via":   {Type: "string", Enum: []string{allocation.ViaRule, allocation.ViaSplit, allocation.ViaLicence, allocation.ViaUnallocated, allocation.ViaUnassigned}},
		"seats": {Type: "integer"}, "measures": ref("Measures")}, "group", "via", "measures")
	return map[string]*schema{
		"GroupInput": closed("A custom group", props{"parent_id": text(""), "name": text(""),
			"kind": {Type: "string", Enum: allocation.Kinds}, "description": text(""), "owners": stringList("Member user IDs")}, "name"),
		"Group": object("A custom group", props{"id": text("grp_..."), "parent_id": text(""), "name": text(""), "kind": {Type: "string", Enum: allocation.Kinds},
			"description": text(""), "owners": stringList("User IDs"), "created_at": timestamp(), "updated_at": timestamp()}, "id", "name", "kind", "owners"),
		"GroupList":             list("Group"),
		"AllocationVersion":     version,
		"AllocationVersionList": list("AllocationVersion"),
		"RulesUpdate": closed("A whole new rule set", props{"base_version": {Type: "integer", Description: "The version edited; 0: do not check"},
			"rules": {Type: "array", Items: rule}, "splits": {Type: "array", Items: split}, "note": text("Why it changed")}, "rules"),
		"RulesSaved": object("The new version and the months recomputed", props{"version": version,
			"recomputed_months": {Type: "array", Items: &schema{Type: "string", Format: "date-time"}}}, "version", "recomputed_months"),
		"AllocationTotal": object("What a group received in one currency (through one rule or split when by rule)", props{
			"group": text("grp_..., empty for Unallocated, ~unassigned_licences"), "group_name": text(""), "rule": text(""), "rule_name": text(""),
			"split": text(""), "split_name": text(""), "via": text(""), "currency": text("ISO 4217"), "measures": ref("Measures"),
			"lines": {Type: "integer"}, "seats": {Type: "integer"}}, "group", "group_name", "currency", "measures", "lines"),
		"AllocationResults": object("A version's totals", props{"version": {Type: "integer"}, "current": {Type: "boolean"}, "from": timestamp(), "to": timestamp(),
			"totals": {Type: "array", Items: ref("AllocationTotal")}, "by_rule": {Type: "boolean"}, "group": text("")}, "version", "current", "from", "to", "totals"),
		"Explanation": object("Why a line is where it is", props{"version": {Type: "integer"}, "key": {Type: "object", Description: "The line's dimensions and tags"},
			"currency": text(""), "measures": ref("Measures"), "lines": {Type: "integer"}, "rule": rule, "position": {Type: "integer", Description: "The rule's place in the order"},
			"split": split, "portions": {Type: "array", Items: portion}, "group_names": {Type: "object"}, "first_day": timestamp(), "last_day": timestamp()},
			"version", "key", "currency", "measures", "portions"),
		"ExplanationList": list("Explanation"),
		"LicencePrice": closed("A Microsoft 365 product's cost SKU", props{"sku_part_number": text("e.g. SPE_E3"), "cost_sku": text("The SkuId its cost lines carry"),
			"unit_price": text("List price per seat and month"), "currency": text("ISO 4217, with unit_price")}, "sku_part_number", "cost_sku"),
		"LicencePriceList": list("LicencePrice"),
		"GroupAccess":      object("A member's role on one group", props{"user_id": text(""), "email": text(""), "role": text("")}, "user_id", "email", "role"),
		"GroupAccessList":  list("GroupAccess"),
		"GroupAccessSet":   closed("The role to give", props{"role": text("e.g. viewer or finops")}, "role"),
	}
}
