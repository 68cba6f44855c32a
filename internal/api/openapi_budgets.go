package api

import (
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/notify"
)

var (
	budgetIDParam  = pathParam("budget_id", "A budget's ID (bud_...)")
	requestIDParam = pathParam("request_id", "A change request's ID (bcr_...)")
	webhookIDParam = pathParam("webhook_id", "A webhook endpoint's ID (whk_...)")
)

func budgetOperations() []opEntry {
	b, cr := []parameter{budgetIDParam}, []parameter{budgetIDParam, requestIDParam}
	hook := []parameter{webhookIDParam}
	return []opEntry{
		doc("GET", "/budgets", opSpec{id: "listBudgets", summary: "Budgets with their current period's spend, forecast and state", perm: "budgets.read", tag: "budgets", status: 200, result: "BudgetStatusList"}),
		doc("POST", "/budgets", opSpec{id: "createBudget", summary: "Add a budget", perm: "budgets.write", tag: "budgets", body: "BudgetInput", status: 201, result: "Budget",
			description: "A custom period is [start_date, end_date): end_date is the first day not covered. metric defaults to effective (amortised) cost."}),
		doc("GET", "/budgets/{budget_id}", opSpec{id: "getBudget", summary: "A budget's status: spent, forecast (method and history), thresholds, daily chart", perm: "budgets.read", tag: "budgets", params: b, status: 200, result: "BudgetStatus",
			description: "state is error (with error saying why) when spend cannot be converted to the budget currency for want of an exchange rate."}),
		doc("PUT", "/budgets/{budget_id}", opSpec{id: "updateBudget", summary: "Replace a budget's settings", perm: "budgets.write", tag: "budgets", params: b, body: "BudgetInput", status: 200, result: "Budget"}),
		doc("DELETE", "/budgets/{budget_id}", opSpec{id: "deleteBudget", summary: "Remove a budget with its history", perm: "budgets.write", tag: "budgets", params: b, status: 204}),
		doc("GET", "/budgets/{budget_id}/history", opSpec{id: "budgetHistory", summary: "Changes to the budget, newest first", perm: "budgets.read", tag: "budgets", params: b, status: 200, result: "BudgetChangeList"}),
		doc("GET", "/budgets/{budget_id}/events", opSpec{id: "budgetEvents", summary: "Thresholds that fired, newest first", perm: "budgets.read", tag: "budgets", params: b, status: 200, result: "BudgetEventList"}),
		doc("POST", "/budgets/{budget_id}/evaluate", opSpec{id: "evaluateBudget", summary: "Check the budget's thresholds now", perm: "budgets.write", tag: "budgets", params: b, status: 200, result: "BudgetEvaluated",
			description: "Each crossed threshold notifies once per period; fired counts those that fired now. A job does this for every budget every 15 minutes and after imports."}),
		doc("GET", "/budgets/{budget_id}/change-requests", opSpec{id: "listChangeRequests", summary: "Requests for a different amount, newest first", perm: "budgets.read", tag: "budgets", params: b, status: 200, result: "ChangeRequestList"}),
		doc("POST", "/budgets/{budget_id}/change-requests", opSpec{id: "createChangeRequest", summary: "Ask for a different amount", perm: "budgets.read", tag: "budgets", params: b, body: "ChangeRequestInput", status: 201, result: "ChangeRequest",
			description: "Owners of the budget's custom group (or a group above it) and members with budgets.write may ask."}),
		doc("POST", "/budgets/{budget_id}/change-requests/{request_id}/approve", opSpec{id: "approveChangeRequest", summary: "Accept a request: the amount changes", perm: "budgets.approve", tag: "budgets", params: cr, body: "ChangeDecision", status: 200, result: "ChangeRequest",
			description: "The body is optional. The requester cannot decide their own request; 409 when already decided."}),
		doc("POST", "/budgets/{budget_id}/change-requests/{request_id}/reject", opSpec{id: "rejectChangeRequest", summary: "Reject a request", perm: "budgets.approve", tag: "budgets", params: cr, body: "ChangeDecision", status: 200, result: "ChangeRequest"}),
		doc("GET", "/webhooks", opSpec{id: "listWebhooks", summary: "Webhook endpoints", perm: "settings.manage", tag: "notifications", status: 200, result: "WebhookList"}),
		doc("POST", "/webhooks", opSpec{id: "createWebhook", summary: "Add a webhook endpoint", perm: "settings.manage", tag: "notifications", body: "WebhookInput", status: 201, result: "WebhookCreated",
			description: "The signing secret (given, or generated when absent) is returned once and stored encrypted. Deliveries carry Canopy-Signature: t=<unix>,v1=<hex HMAC-SHA256 of \"t.body\">."}),
		doc("GET", "/webhooks/{webhook_id}", opSpec{id: "getWebhook", summary: "One webhook endpoint", perm: "settings.manage", tag: "notifications", params: hook, status: 200, result: "Webhook"}),
		doc("PATCH", "/webhooks/{webhook_id}", opSpec{id: "updateWebhook", summary: "Change an endpoint", perm: "settings.manage", tag: "notifications", params: hook, body: "WebhookInput", status: 200, result: "Webhook",
			description: "name, url and events are replaced; an absent secret or enabled keeps the current one."}),
		doc("DELETE", "/webhooks/{webhook_id}", opSpec{id: "deleteWebhook", summary: "Remove an endpoint and its delivery log", perm: "settings.manage", tag: "notifications", params: hook, status: 204}),
		doc("GET", "/webhooks/{webhook_id}/deliveries", opSpec{id: "webhookDeliveries", summary: "The latest 100 delivery attempts, newest first", perm: "settings.manage", tag: "notifications", params: hook, status: 200, result: "WebhookDeliveryList"}),
		doc("POST", "/webhooks/{webhook_id}/test", opSpec{id: "testWebhook", summary: "Send a test event (also to a disabled endpoint)", perm: "settings.manage", tag: "notifications", params: hook, status: 202, result: "WebhookTestSent"}),
	}
}

func budgetSchemas() map[string]*schema {
	threshold := object("An alert level", props{"percent": decimal("Percent of the amount"),
		"basis": {Type: "string", Enum: []string{budgets.BasisActual, budgets.BasisForecast}}}, "percent", "basis")
	date := &schema{Type: []string{"string", "null"}, Format: "date-time", Description: "Custom periods only"}
	nullAmount := &schema{Type: []string{"string", "null"}, Description: "Cumulative, in the budget currency"}
	budget := object("A budget", props{"id": text("bud_..."), "name": text(""), "scope_kind": {Type: "string", Enum: budgets.ScopeKinds},
		"scope_value": text("Group ID, provider or subscription/account ID; empty for the organisation"), "scope_label": text(""),
		"period": {Type: "string", Enum: budgets.Periods}, "start_date": date, "end_date": date, "amount": decimal(""),
		"currency": currencyCode(""), "metric": {Type: "string", Enum: []string{budgets.MetricEffective, budgets.MetricBilled}},
		"thresholds": {Type: "array", Items: threshold}, "recipients": stringList("E-mail addresses"), "notify_owners": {Type: "boolean"},
		"created_by": text(""), "created_at": timestamp(), "updated_at": timestamp()}, "id", "name", "scope_kind", "period", "amount", "currency", "metric")
	tstatus := object("A threshold now", props{"percent": decimal(""), "basis": text(""), "crossed": {Type: "boolean"},
		"fired_at": nullableTimestamp()}, "percent", "basis", "crossed")
	day := object("One day of the chart", props{"day": timestamp(), "actual": nullAmount, "forecast": nullAmount}, "day")
	return map[string]*schema{
		"BudgetInput": closed("A budget's settings", props{"name": text(""), "scope_kind": {Type: "string", Enum: budgets.ScopeKinds},
			"scope_value": text(""), "period": {Type: "string", Enum: budgets.Periods}, "start_date": text("YYYY-MM-DD, custom periods"),
			"end_date": text("YYYY-MM-DD, exclusive, custom periods"), "amount": decimal(""), "currency": currencyCode(""),
			"metric": {Type: "string", Enum: []string{budgets.MetricEffective, budgets.MetricBilled}}, "thresholds": {Type: "array", Items: threshold, Description: "At most 3"},
			"recipients": stringList("E-mail addresses"), "notify_owners": {Type: "boolean", Description: "Also mail the custom group's owners"}},
			"name", "period", "amount", "currency"),
		"Budget": budget,
		"BudgetStatus": object("A budget's current period", props{"budget": budget, "period_start": timestamp(), "period_end": timestamp(),
			"as_of": timestamp(), "data_through": nullableTimestamp(), "spent": decimal(""), "forecast": decimal("Spent plus the forecast of the remaining days"),
			"percent_spent": decimal(""), "percent_forecast": decimal(""),
			"state": {Type: "string", Enum: []string{budgets.StateOnTrack, budgets.StateWarning, budgets.StateAtRisk, budgets.StateOver, budgets.StateNotStarted, budgets.StateError}},
			"error": text(""), "forecast_method": text(""), "forecast_note": text("The history the method used"),
			"thresholds": {Type: "array", Items: tstatus}, "days": {Type: "array", Items: day}}, "budget", "period_start", "period_end", "spent", "forecast", "state"),
		"BudgetStatusList": list("BudgetStatus"),
		"BudgetChange": object("A change to a budget", props{"at": timestamp(), "actor_email": text(""), "action": text("created, updated or request_approved"),
			"old_amount": text(""), "new_amount": text(""), "note": text("")}, "at", "action"),
		"BudgetChangeList": list("BudgetChange"),
		"BudgetEvent": object("A threshold that fired", props{"period_start": timestamp(), "threshold": {Type: "integer"}, "percent": decimal(""),
			"basis": text(""), "amount": decimal(""), "spent": decimal(""), "forecast": decimal(""), "currency": currencyCode(""), "fired_at": timestamp()},
			"period_start", "threshold", "fired_at"),
		"BudgetEventList":    list("BudgetEvent"),
		"BudgetEvaluated":    object("What an evaluation fired", props{"fired": {Type: "integer"}}, "fired"),
		"ChangeRequestInput": closed("A request", props{"amount": decimal("The amount asked for"), "reason": text("")}, "amount", "reason"),
		"ChangeDecision":     closed("A decision", props{"comment": text("")}),
		"ChangeRequest": object("A request for a different amount", props{"id": text("bcr_..."), "budget_id": text(""), "requested_by": text("User ID"),
			"requested_email": text(""), "current_amount": decimal("The amount when asked"), "amount": decimal(""), "currency": currencyCode(""),
			"reason": text(""), "status": {Type: "string", Enum: []string{budgets.RequestPending, budgets.RequestApproved, budgets.RequestRejected}},
			"decided_email": text(""), "comment": text(""), "created_at": timestamp(), "decided_at": nullableTimestamp()}, "id", "amount", "status"),
		"ChangeRequestList": list("ChangeRequest"),
	}
}

func webhookSchemas() map[string]*schema {
	kinds := make([]string, len(notify.Kinds))
	for i, k := range notify.Kinds {
		kinds[i] = k.Key
	}
	events := &schema{Type: "array", Items: &schema{Type: "string", Enum: kinds}, Description: "Kinds to deliver; empty: every kind"}
	hook := props{"id": text("whk_..."), "name": text(""), "url": text(""), "enabled": {Type: "boolean"}, "events": events,
		"created_at": timestamp(), "updated_at": timestamp()}
	created := merge(props{}, hook)
	created["secret"] = text("The signing secret, shown once")
	return map[string]*schema{
		"WebhookInput": closed("An endpoint's settings", props{"name": text(""), "url": text("http(s) URL"),
			"secret": text("Signing secret; absent: generate (create) or keep (update)"), "enabled": {Type: "boolean"}, "events": events}, "name", "url"),
		"Webhook":        object("A webhook endpoint (never its secret)", hook, "id", "name", "url", "enabled", "events"),
		"WebhookCreated": object("A new endpoint with its secret", created, "id", "secret"),
		"WebhookList":    list("Webhook"),
		"WebhookDelivery": object("One delivery attempt", props{"event_id": text(""), "event_kind": text(""), "attempt": {Type: "integer"},
			"status_code": {Type: "integer", Description: "0 when no answer came"}, "ok": {Type: "boolean"}, "error": text(""), "at": timestamp()},
			"event_id", "attempt", "ok", "at"),
		"WebhookDeliveryList": list("WebhookDelivery"),
		"WebhookTestSent":     object("The queued test event", props{"event_id": text("evt_...")}, "event_id"),
	}
}
