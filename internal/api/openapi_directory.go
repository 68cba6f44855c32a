package api

func directoryOperations() []opEntry {
	return []opEntry{
		doc("GET", "/directory/users", opSpec{id: "listDirectoryUsers", summary: "Microsoft 365 users imported from the organisation's connections", perm: "m365.read", tag: "directory",
			params: []parameter{queryParam("q", "Part of the display name, user principal name or mail"), queryParam("department", "Exact department"),
				queryParam("country", "Exact country"), queryParam("connection_id", "Only this Microsoft 365 connection"),
				queryParam("include_deleted", "true: also users a later sync no longer found (deleted_at set)"), limitParam, cursorParam},
			status: 200, result: "DirectoryUserList", description: "By display name. Each user carries the Microsoft Graph properties of the last sync and its licences with their part numbers."}),
		doc("GET", "/directory/skus", opSpec{id: "listDirectorySKUs", summary: "Microsoft 365 licences (subscribed SKUs) with purchased, assigned and unassigned units", perm: "m365.read", tag: "directory",
			params: []parameter{limitParam, cursorParam}, status: 200, result: "DirectorySKUList",
			description: "purchased = prepaid enabled + warning units; assigned = consumed units; unassigned = purchased - assigned (never below 0)."}),
	}
}

func directorySchemas() map[string]*schema {
	str := func(names ...string) props {
		p := props{}
		for _, n := range names {
			p[n] = text("")
		}
		return p
	}
	intp := &schema{Type: "integer"}
	user := merge(str("connection_id", "id", "display_name", "company_name", "department", "given_name", "surname", "job_title", "state",
		"postal_code", "street_address", "city", "preferred_language", "usage_location", "user_principal_name", "office_location",
		"country", "user_type", "mail"), props{
		"assigned_licenses": {Type: "array", Items: object("A licence of the user", props{"sku_id": text(""), "sku_part_number": text("\"\" when the SKU is no longer subscribed"),
			"disabled_plans": stringList("Service plan IDs switched off")}, "sku_id", "sku_part_number", "disabled_plans")},
		"on_premises_extension_attributes": {Type: "object", Description: "extensionAttribute1..15 that are set"},
		"account_enabled":                  {Type: "boolean"}, "first_seen": timestamp(), "last_seen": timestamp(), "deleted_at": nullableTimestamp(),
	})
	sku := merge(str("connection_id", "sku_id", "sku_part_number", "capability_status", "applies_to"), props{
		"prepaid_enabled": intp, "prepaid_suspended": intp, "prepaid_warning": intp, "prepaid_locked_out": intp, "consumed_units": intp,
		"purchased": intp, "assigned": intp, "unassigned": intp, "last_seen": timestamp(),
		"service_plans": {Type: "array", Description: "Graph's servicePlans: servicePlanId, servicePlanName, provisioningStatus, appliesTo"},
	})
	return map[string]*schema{
		"DirectoryUser":     object("A Microsoft 365 user as the last sync saw it", user, "connection_id", "id", "display_name", "user_principal_name", "assigned_licenses", "last_seen"),
		"DirectoryUserList": list("DirectoryUser"),
		"DirectorySKU":      object("A Microsoft 365 licence product", sku, "connection_id", "sku_id", "sku_part_number", "purchased", "assigned", "unassigned"),
		"DirectorySKUList":  list("DirectorySKU"),
	}
}
