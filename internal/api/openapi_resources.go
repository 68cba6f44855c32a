package api

import "github.com/canopyhq/canopy/internal/store"

var (
	resourceIDParam = pathParam("resource_id", "A resource's inventory ID (res_...)")
	aliasParam      = pathParam("alias", "The alias (any case; stored lowercased)")
	policyIDParam   = pathParam("policy_id", "A required-tag policy's ID (tpo_...)")
	resourceFilter  = []parameter{
		queryParam("q", "Part of the name or resource ID (any case)"), queryParam("provider", "Exact provider (Microsoft, AWS, Canopy, ...)"),
		queryParam("sub_account", "Exact subscription or account ID"), queryParam("resource_group", "Resource group (any case)"),
		queryParam("type", "Exact resource type"), queryParam("region", "Exact region"),
		{Name: "source", In: "query", Description: "How the resource entered the inventory",
			Schema: &schema{Type: "string", Enum: []string{store.ResourceFromSync, store.ResourceFromCosts, store.ResourceFromVirtual}}},
		queryParam("tag_key", "Has this tag key (normalised: aliases and case)"), queryParam("tag_value", "With tag_key: has it with this value"),
		queryParam("missing", "Fails the required-tag policy on this key, or any policy (*)"),
	}
)

func resourceOperations() []opEntry {
	one := []parameter{resourceIDParam}
	read, write, tag := "allocation.read", "allocation.write", "resources"
	return []opEntry{
		doc("GET", "/resources", opSpec{id: "listResources", summary: "The resource inventory, filtered, with each resource's tags and cost", perm: read, tag: tag,
			params: append(append([]parameter{}, resourceFilter...), fromParam, toParam, limitParam, cursorParam), status: 200, result: "ResourceList",
			description: "By name. Cost is the billed cost of the resource's lines in [from, to] (default: the 30 days to today), per billing currency. " +
				"tags are the effective tags (Canopy's pending edit, else the cloud's) with normalised keys."}),
		doc("POST", "/resources", opSpec{id: "createVirtualResource", summary: "Create a virtual resource with a monthly cost", perm: write, tag: tag,
			body: "VirtualResourceInput", status: 201, result: "Resource",
			description: "Its monthly amount is written into the cost store as one line per month (provider Canopy) from from_month through the current month or to_month, so it shows in the Spend explorer like any resource."}),
		doc("POST", "/resources/tags", opSpec{id: "bulkEditResourceTags", summary: "Edit the tags of every resource a filter selects", perm: write, tag: tag,
			body: "BulkTagEdit", status: 200, result: "BulkTagResult",
			description: "One action, one transaction and one audit entry. dry_run: only count the resources the filter selects."}),
		doc("POST", "/resources/refresh", opSpec{id: "refreshResources", summary: "Refresh the inventory from the imported cost data", perm: write, tag: tag,
			status: 200, result: "ResourceRefresh", description: "Adds the resources the last six months of cost lines name and extends virtual resources' lines to the current month."}),
		doc("GET", "/resources/coverage", opSpec{id: "getTagCoverage", summary: "Required-tag coverage: the share of resources and of cost meeting every policy", perm: read, tag: tag,
			params: append(append([]parameter{}, resourceFilter...), fromParam, toParam), status: 200, result: "TagCoverage",
			description: "Of the resources the filter selects (the same parameters as GET /resources): overall, per subscription/account and per resource group, and per policy."}),
		doc("GET", "/resources/{resource_id}", opSpec{id: "getResource", summary: "One resource with its cloud and Canopy tags and cost", perm: read, tag: tag,
			params: []parameter{resourceIDParam, fromParam, toParam}, status: 200, result: "Resource"}),
		doc("PATCH", "/resources/{resource_id}", opSpec{id: "editResourceTags", summary: "Edit one resource's tags in Canopy", perm: write, tag: tag,
			params: one, body: "TagEdit", status: 200, result: "Resource",
			description: "The desired tag set becomes canopy_tags (pending write-back); a virtual resource's tags change directly."}),
		doc("PUT", "/resources/{resource_id}/virtual", opSpec{id: "updateVirtualResource", summary: "Change a virtual resource", perm: write, tag: tag,
			params: one, body: "VirtualResourceInput", status: 200, result: "Resource", description: "Its cost lines are written again, replacing the earlier ones."}),
		doc("DELETE", "/resources/{resource_id}", opSpec{id: "deleteVirtualResource", summary: "Delete a virtual resource and its cost lines", perm: write, tag: tag,
			params: one, status: 204, description: "Only virtual resources can be deleted (404 otherwise)."}),
		doc("GET", "/tag-aliases", opSpec{id: "listTagAliases", summary: "Tag-key aliases", perm: read, tag: tag, status: 200, result: "TagAliasList"}),
		doc("POST", "/tag-aliases", opSpec{id: "setTagAlias", summary: "Make a key (any case) normalise to a canonical key", perm: write, tag: tag,
			body: "TagAliasInput", status: 200, result: "TagAlias", description: "Replaces the alias's canonical key when it exists."}),
		doc("DELETE", "/tag-aliases/{alias}", opSpec{id: "deleteTagAlias", summary: "Remove an alias", perm: write, tag: tag,
			params: []parameter{aliasParam}, status: 204}),
		doc("GET", "/tag-policies", opSpec{id: "listTagPolicies", summary: "Required-tag policies", perm: read, tag: tag, status: 200, result: "TagPolicyList"}),
		doc("POST", "/tag-policies", opSpec{id: "createTagPolicy", summary: "Require a tag key, optionally with allowed values", perm: write, tag: tag,
			body: "TagPolicyInput", status: 201, result: "TagPolicy"}),
		doc("PATCH", "/tag-policies/{policy_id}", opSpec{id: "updateTagPolicy", summary: "Change a policy", perm: write, tag: tag,
			params: []parameter{policyIDParam}, body: "TagPolicyInput", status: 200, result: "TagPolicy"}),
		doc("DELETE", "/tag-policies/{policy_id}", opSpec{id: "deleteTagPolicy", summary: "Remove a policy", perm: write, tag: tag,
			params: []parameter{policyIDParam}, status: 204}),
	}
}

func resourceSchemas() map[string]*schema {
	tags := &schema{Type: "object", Description: "Tag key to value"}
	nullableTags := &schema{Type: []string{"object", "null"}, Description: "Canopy's desired tag set awaiting write-back; null: none"}
	intp := &schema{Type: "integer"}
	money := object("An exact amount", props{"amount": decimal("Exact decimal"), "currency": currencyCode("")}, "amount", "currency")
	virtual := object("A virtual resource's recurring monthly cost", props{"monthly_amount": decimal(""), "currency": currencyCode(""),
		"from_month": text("YYYY-MM"), "to_month": text("YYYY-MM, inclusive; empty when open-ended")})
	filter := props{}
	for _, p := range resourceFilter {
		filter[p.Name] = p.Schema
	}
	edit := closed("A tag edit: rename keys, then set, then remove; keys match by their normalised form", props{
		"rename": {Type: "object", Description: "Old key to new key"}, "set": {Type: "object", Description: "Key to value (added or changed)"},
		"remove": stringList("Keys to remove")})
	row := object("Compliance of a group", props{"group": text(""), "resources": intp, "compliant": intp,
		"cost": {Type: "array", Items: object("Cost in one currency", props{"currency": currencyCode(""), "total": decimal(""), "compliant": decimal("")})}})
	return map[string]*schema{
		"Resource": object("A resource of the inventory", props{
			"id": text("res_..."), "provider": text(""), "resource_id": text("The cloud's resource ID (virtual:res_... for virtual resources)"),
			"name": text(""), "type": text(""), "region": text(""), "sub_account": text("Subscription or account ID"), "resource_group": text(""),
			"source":      {Type: "string", Enum: []string{store.ResourceFromSync, store.ResourceFromCosts, store.ResourceFromVirtual}},
			"description": text(""), "tags": tags, "cloud_tags": tags, "canopy_tags": nullableTags, "pending": {Type: "boolean"},
			"missing_tags": stringList("Policy keys the resource fails"), "cost": {Type: "array", Items: money},
			"virtual":    {Type: []string{"object", "null"}, Description: "Virtual resources only", Properties: virtual.Properties},
			"first_seen": timestamp(), "last_seen": timestamp(),
		}, "id", "provider", "resource_id", "name", "source", "tags", "cloud_tags", "pending", "missing_tags", "cost"),
		"ResourceList": list("Resource"),
		"VirtualResourceInput": closed("A virtual resource", props{"name": text("1-200 characters"), "description": text(""),
			"tags": tags, "monthly_amount": decimal("Exact, e.g. 1250.00"), "currency": currencyCode(""),
			"from_month": text("YYYY-MM"), "to_month": text("YYYY-MM, inclusive; absent: open-ended")},
			"name", "monthly_amount", "currency", "from_month"),
		"TagEdit":         edit,
		"BulkTagEdit":     closed("A tag edit for every resource a filter selects", props{"filter": object("As GET /resources' parameters", filter), "edit": ref("TagEdit"), "dry_run": {Type: "boolean"}}, "filter"),
		"BulkTagResult":   object("What a bulk edit did", props{"matched": intp, "changed": intp, "dry_run": {Type: "boolean"}}, "matched", "changed"),
		"ResourceRefresh": object("What a refresh from cost data did", props{"seen": intp, "added": intp, "updated": intp, "virtual": intp}),
		"TagCoverage": object("Required-tag coverage", props{"from": text("First day"), "to": text("Last day, inclusive"),
			"policies": stringList("Policy keys"), "overall": row, "per_policy": {Type: "array", Items: row},
			"groups": {Type: "array", Items: object("Coverage per group of one grouping", props{"key": text("sub_account or resource_group"),
				"name": text(""), "rows": {Type: "array", Items: row}})}}),
		"TagAlias":      object("A tag-key alias", props{"alias": text("Lowercased"), "canonical": text(""), "created_at": timestamp()}, "alias", "canonical"),
		"TagAliasList":  list("TagAlias"),
		"TagAliasInput": closed("An alias and its canonical key", props{"alias": text("Any case"), "canonical": text("")}, "alias", "canonical"),
		"TagPolicy": object("A required-tag policy", props{"id": text("tpo_..."), "key": text("Canonical key"),
			"allowed_values": stringList("Empty: any non-empty value"), "description": text(""), "created_at": timestamp()}, "id", "key", "allowed_values"),
		"TagPolicyList":  list("TagPolicy"),
		"TagPolicyInput": closed("A required-tag policy", props{"key": text(""), "allowed_values": stringList(""), "description": text("")}, "key"),
	}
}
