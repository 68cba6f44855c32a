package api

import "github.com/canopyhq/canopy/internal/m365analytics"

func m365AnalyticsOperations() []opEntry {
	read, tag := "m365.read", "m365-analytics"
	one := []parameter{m365ConnParam}
	days := queryParam("days", "Trend days back from today, 1 to 400 (default 90)")
	users := []parameter{m365ConnParam, queryParam("sku", "Holders of this SKU (ID or part number)"),
		queryParam("service", "Users licensed for this service: exchange, onedrive, sharepoint or teams"),
		queryParam("state", "With service: active or inactive (default both)")}
	noData := " Each table carries no_data when it is empty (or, for user lists, when names are concealed): reason not_authorized " +
		"(consent missing or revoked, or Reports.Read.All not granted; fix_url re-authorizes), not_collected (first import pending or running), " +
		"no_activity (imported, nothing in the period) or names_concealed (the tenant's report setting hides names; rows carry hashed IDs)."
	csv := func(table, columns string) opEntry {
		p := one
		if table == "users" {
			p = users
		} else if table == "trends" {
			p = []parameter{m365ConnParam, days}
		}
		return doc("GET", "/m365/analytics/{connection_id}/"+table+".csv", opSpec{id: "m365Analytics" + table + "CSV",
			summary: "The " + table + " table as CSV", perm: read, tag: tag, params: p, status: 200, result: "M365AnalyticsCSV",
			resultMedia: "text/csv", description: "Columns: " + columns + "."})
	}
	return []opEntry{
		doc("GET", "/m365/analytics", opSpec{id: "listM365AnalyticsConnections", summary: "Microsoft 365 connections with their usage import status",
			perm: read, tag: tag, status: 200, result: "M365AnalyticsConnectionList"}),
		doc("GET", "/m365/analytics/{connection_id}", opSpec{id: "getM365Analytics", summary: "Licences, active users per service, report totals and trends of one tenant",
			perm: read, tag: tag, params: []parameter{m365ConnParam, days}, status: 200, result: "M365Analytics",
			description: "Active = activity within the 30 days up to the report date. Costs need costs.read." + noData}),
		doc("GET", "/m365/analytics/{connection_id}/licences", opSpec{id: "getM365Licences", summary: "Licences per SKU: purchased, assigned, unassigned, with cost",
			perm: read, tag: tag, params: one, status: 200, result: "M365Licences",
			description: "purchased = prepaid enabled units, assigned = consumed units. Seat price: Allocation's licence price list, else the mapped cost SKU's billed lines " +
				"(Partner Center) of the last complete month divided by the seats purchased, else unknown." + noData}),
		doc("GET", "/m365/analytics/{connection_id}/services", opSpec{id: "getM365ServiceUsage", summary: "Active and inactive licensed users per service",
			perm: read, tag: tag, params: one, status: 200, result: "M365ServiceUsage", description: noData}),
		doc("GET", "/m365/analytics/{connection_id}/trends", opSpec{id: "getM365Trends", summary: "Daily series over the imported days",
			perm: read, tag: tag, params: []parameter{m365ConnParam, days}, status: 200, result: "M365Trends", description: noData}),
		doc("GET", "/m365/analytics/{connection_id}/users", opSpec{id: "listM365AnalyticsUsers", summary: "Drill-down: holders of a SKU, or a service's active or inactive users",
			perm: read, tag: tag, params: users, status: 200, result: "M365UserList", description: "Name sku or service." + noData}),
		csv("licences", "snapshot_date, sku_part_number, sku_id, purchased, assigned, unassigned, unit_price, currency, monthly_cost, unassigned_cost, cost_basis"),
		csv("services", "report_date, period_days, service, active, inactive"),
		csv("reports", "report, report_date, rows, active, storage_bytes, items, files, active_files, page_views, chat_messages, calls, meetings"),
		csv("trends", "date, purchased, assigned, active_<service>..., mailbox_storage_bytes, onedrive_storage_bytes, sharepoint_page_views, teams_chat_messages, teams_meetings"),
		csv("users", "user, object_id, display_name, active, <service>_last_activity..., products"),
		doc("GET", "/m365/analytics/{connection_id}/mailboxes", opSpec{id: "getM365Mailboxes", summary: "Mailboxes: count and storage per type, licensed shared mailboxes, mailboxes without logon, largest",
			perm: read, tag: tag, params: one, status: 200, result: "M365Mailboxes",
			description: "Read daily by the connection's user-context service account through Exchange Online (Get-MailboxStatistics refuses app-only tokens). " +
				"no_data.reason service_account_missing (no service account: fix_url is the connection page's Service account section), " +
				"service_account_failed (the last sign-in or mailbox call failed; message carries the recorded reason), not_collected (set, not used yet) " +
				"or no_activity. warning (same shape) is set when an older snapshot is shown because the last use failed."}),
		csv("mailboxes", "snapshot_date, user_principal_name, mailbox_id, display_name, recipient_type, total_bytes, item_count, archive_status, archive_bytes, last_logon_at, licensed"),
	}
}

func m365AnalyticsSchemas() map[string]*schema {
	intp := &schema{Type: "integer"}
	nint := &schema{Type: []string{"integer", "null"}, Description: "null: not imported that day"}
	date := &schema{Type: "string", Description: "YYYY-MM-DD; \"\" when none"}
	noData := ref("M365NoData") // null when the table has data
	arr := func(item string) *schema { return &schema{Type: "array", Items: ref(item)} }
	return map[string]*schema{
		"M365AnalyticsCSV": {Type: "string", Description: "CSV with a header row"},
		"M365NoData": object("Why a table has nothing (usable) to show and how to fix it", props{
			"reason": {Type: "string", Enum: []string{m365analytics.ReasonNotAuthorized, m365analytics.ReasonNotCollected,
				m365analytics.ReasonNoActivity, m365analytics.ReasonNamesConcealed, m365analytics.ReasonServiceAccountMissing,
				m365analytics.ReasonServiceAccountFailed}},
			"message": text(""), "fix_url": text("Canopy page that fixes it"), "fix_label": text("")}, "reason", "message"),
		"M365AnalyticsStatus": object("How the connection's usage import stands", props{
			"last_import_at": nullableTimestamp(), "last_attempt_at": nullableTimestamp(), "report_date": date,
			"names_concealed": {Type: "boolean"}, "error_kind": text("not_authorized or failed"), "error": text(""),
			"reauthorize_url": text("Canopy page that starts admin consent again for this tenant"),
			"sync":            object("The sync in progress", props{"id": text(""), "state": text(""), "phase": text(""), "done": intp, "total": intp}),
		}, "last_import_at", "report_date", "names_concealed", "reauthorize_url"),
		"M365AnalyticsConnection": object("A Microsoft 365 connection", props{"id": text(""), "name": text(""), "tenant_id": text(""),
			"status": ref("M365AnalyticsStatus")}, "id", "name", "tenant_id", "status"),
		"M365AnalyticsConnectionList": list("M365AnalyticsConnection"),
		"M365LicenceRow": object("One SKU's seats and monthly cost", props{"sku_id": text(""), "sku_part_number": text(""),
			"purchased": intp, "assigned": intp, "unassigned": intp, "unit_price": text("per seat and month; \"\" unknown"),
			"currency": text(""), "monthly_cost": text(""), "unassigned_cost": text(""), "cost_basis": text("where the price comes from, or why it is unknown")},
			"sku_id", "sku_part_number", "purchased", "assigned", "unassigned", "cost_basis"),
		"M365Licences": object("Licences of the latest snapshot", props{"snapshot_date": date, "rows": arr("M365LicenceRow"), "no_data": noData}, "rows", "no_data"),
		"M365ServiceRow": object("One service's licensed users", props{"service": text(""), "label": text(""), "active": intp, "inactive": intp},
			"service", "active", "inactive"),
		"M365ServiceUsage": object("Active vs inactive users per service", props{"report_date": date, "period_days": intp,
			"rows": arr("M365ServiceRow"), "no_data": noData}, "rows", "no_data"),
		"M365ReportRow": object("One usage report's totals on its latest report date", props{"report": text(""), "report_date": date,
			"rows": intp, "services": {Type: "object", Description: "active user report: {service: {active, inactive}}"}, "active": intp,
			"storage_bytes": intp, "items": intp, "files": intp, "active_files": intp, "page_views": intp, "chat_messages": intp,
			"calls": intp, "meetings": intp}, "report", "report_date", "rows"),
		"M365ReportTotals": object("Per-report totals", props{"rows": arr("M365ReportRow"), "no_data": noData}, "rows", "no_data"),
		"M365TrendPoint": object("One day", props{"date": date, "purchased": nint, "assigned": nint,
			"active":                {Type: "object", Description: "active users per service (30-day period up to the date)"},
			"mailbox_storage_bytes": nint, "onedrive_storage_bytes": nint, "sharepoint_page_views": nint,
			"teams_chat_messages": nint, "teams_meetings": nint}, "date"),
		"M365Trends": object("Daily series", props{"from": date, "days": arr("M365TrendPoint"), "no_data": noData}, "days", "no_data"),
		"M365UserRow": object("One user (key: user principal name, or the hashed ID when names are concealed)", props{"key": text(""),
			"object_id": text(""), "display_name": text(""), "active": {Type: "boolean"}, "products": text(""),
			"last_activity": {Type: "object", Description: "per licensed service, YYYY-MM-DD or \"\""}}, "key", "display_name", "active", "last_activity"),
		"M365UserList": object("A drill-down", props{"title": text(""), "report_date": date, "rows": arr("M365UserRow"), "no_data": noData,
			"notice": ref("M365NoData")}, "title", "rows", "no_data"),
		"M365Analytics": object("One tenant's analytics", props{"connection": object("", props{"id": text(""), "name": text(""), "tenant_id": text("")}),
			"status": ref("M365AnalyticsStatus"), "licences": ref("M365Licences"), "services": ref("M365ServiceUsage"),
			"reports": ref("M365ReportTotals"), "trends": ref("M365Trends"), "mailboxes": ref("M365Mailboxes")},
			"connection", "status", "licences", "services", "reports", "trends", "mailboxes"),
		"M365MailboxRow": object("One mailbox of the latest snapshot", props{"mailbox_id": text("directory object ID"),
			"user_principal_name": text(""), "display_name": text(""), "recipient_type": text("UserMailbox, SharedMailbox, RoomMailbox ..."),
			"total_bytes": intp, "item_count": intp, "archive_status": text("Active or None"), "archive_bytes": intp,
			"last_logon_at": nullableTimestamp(), "licensed": {Type: "boolean", Description: "the directory user holds a licence"}},
			"mailbox_id", "user_principal_name", "recipient_type", "total_bytes", "item_count", "licensed"),
		"M365MailboxType": object("Count and storage of one mailbox type (type \"all\" for the total)", props{"recipient_type": text(""),
			"mailboxes": intp, "total_bytes": intp, "archive_bytes": intp, "items": intp}, "recipient_type", "mailboxes", "total_bytes"),
		"M365Mailboxes": object("Mailbox statistics (Exchange Online, via the service account)", props{"snapshot_date": date,
			"by_type": arr("M365MailboxType"), "total": ref("M365MailboxType"),
			"licensed_shared":  {Type: "array", Items: ref("M365MailboxRow"), Description: "shared and room mailboxes holding a licence (they need none up to 50 GB)"},
			"no_logon_30_days": intp, "no_logon_90_days": intp,
			"no_logon_90": {Type: "array", Items: ref("M365MailboxRow"), Description: "up to 20 mailboxes without logon in 90 days, oldest first"},
			"largest":     {Type: "array", Items: ref("M365MailboxRow"), Description: "the 20 largest"},
			"no_data":     noData, "warning": ref("M365NoData")}, "by_type", "total", "licensed_shared", "largest", "no_data"),
	}
}
