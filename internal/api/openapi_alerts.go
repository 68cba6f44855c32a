package api

import (
	"github.com/canopyhq/canopy/internal/alerts"
)

var (
	alertIDParam = pathParam("alert_id", "An alert's ID (alt_...)")
	ruleIDParam  = pathParam("rule_id", "An alert rule's ID (alr_...)")
	muteIDParam  = pathParam("mute_id", "A mute's ID (mut_...)")
)

func alertOperations() []opEntry {
	inbox := []parameter{queryParam("status", "open, acknowledged or muted; repeat or comma-separate; default open and acknowledged"),
		queryParam("kind", "spike, overage or reservation"), queryParam("rule_id", "Only this rule's alerts"),
		queryParam("severity", "info, warning or critical")}
	return []opEntry{
		doc("GET", "/alerts", opSpec{id: "listAlerts", summary: "The alert inbox, newest day first", perm: "alerts.read", tag: "alerts", params: inbox, status: 200, result: "AlertList",
			description: "Each alert says what happened in words and numbers and links to the spend explorer (explore_url) with its filters and days."}),
		doc("GET", "/alerts/{alert_id}", opSpec{id: "getAlert", summary: "One alert", perm: "alerts.read", tag: "alerts", params: []parameter{alertIDParam}, status: 200, result: "Alert"}),
		doc("POST", "/alerts/{alert_id}/ack", opSpec{id: "acknowledgeAlert", summary: "Acknowledge an alert (records who and when)", perm: "alerts.write", tag: "alerts",
			params: []parameter{alertIDParam}, status: 200, result: "Alert"}),
		doc("GET", "/alerts/mutes", opSpec{id: "listAlertMutes", summary: "Mutes in force", perm: "alerts.read", tag: "alerts", status: 200, result: "AlertMuteList"}),
		doc("POST", "/alerts/mutes", opSpec{id: "createAlertMute", summary: "Mute a rule or a subject for some days or until unmuted", perm: "alerts.write", tag: "alerts",
			body: "AlertMuteInput", status: 201, result: "AlertMute",
			description: "rule_id mutes one rule; subject_dim and subject (e.g. service / Virtual Machines, reservation / its ID) mute that subject under every rule (or under rule_id). days 0 mutes until the mute is deleted. Open alerts it covers become muted; new ones are stored muted and not notified."}),
		doc("DELETE", "/alerts/mutes/{mute_id}", opSpec{id: "deleteAlertMute", summary: "Unmute", perm: "alerts.write", tag: "alerts", params: []parameter{muteIDParam}, status: 204}),
		doc("GET", "/alert-rules", opSpec{id: "listAlertRules", summary: "Alert rules", perm: "alerts.read", tag: "alerts", status: 200, result: "AlertRuleList"}),
		doc("POST", "/alert-rules", opSpec{id: "createAlertRule", summary: "Add an alert rule", perm: "alerts.write", tag: "alerts", body: "AlertRuleInput", status: 201, result: "AlertRule",
			description: "spike: scope_dim/scope_value narrow the costs, split_by evaluates each value on its own, sensitivity (low, medium, high or a number of standard deviations) and min_amount (the least rise over the 14-day average, reporting currency). " +
				"overage: budget_id and basis (actual or forecast). reservation: threshold percent (default 80) and optionally one reservation (ID or name)."}),
		doc("POST", "/alert-rules/evaluate", opSpec{id: "evaluateAlertRules", summary: "Evaluate every enabled rule now", perm: "alerts.write", tag: "alerts", status: 200, result: "AlertEvaluation",
			description: "Stores what the daily evaluation would; an alert already stored for its rule, day and subject is not stored again."}),
		doc("GET", "/alert-rules/{rule_id}", opSpec{id: "getAlertRule", summary: "One alert rule", perm: "alerts.read", tag: "alerts", params: []parameter{ruleIDParam}, status: 200, result: "AlertRule"}),
		doc("PATCH", "/alert-rules/{rule_id}", opSpec{id: "updateAlertRule", summary: "Change an alert rule", perm: "alerts.write", tag: "alerts", params: []parameter{ruleIDParam},
			body: "AlertRuleInput", status: 200, result: "AlertRule", description: "The whole rule is replaced by the body."}),
		doc("DELETE", "/alert-rules/{rule_id}", opSpec{id: "deleteAlertRule", summary: "Remove an alert rule (its alerts stay)", perm: "alerts.write", tag: "alerts", params: []parameter{ruleIDParam}, status: 204}),
		doc("GET", "/alert-schedule", opSpec{id: "getAlertSchedule", summary: "The daily evaluation's UTC hour", perm: "alerts.read", tag: "alerts", status: 200, result: "AlertSchedule"}),
		doc("PUT", "/alert-schedule", opSpec{id: "setAlertSchedule", summary: "Choose the organisation's evaluation hour", perm: "alerts.write", tag: "alerts", body: "AlertScheduleSet", status: 200, result: "AlertSchedule",
			description: "hour 0-23 (UTC); null returns to the installation's CANOPY_ALERTS_HOUR."}),
	}
}

func alertSchemas() map[string]*schema {
	kind := &schema{Type: "string", Enum: alerts.Kinds}
	ruleProps := func() props {
		return props{"name": text(""), "kind": kind, "enabled": {Type: "boolean"},
			"scope_dim":   text("spike: provider, billing_account, sub_account, service, custom_group or empty (whole organisation)"),
			"scope_value": text("spike: the scope's value"), "split_by": text("spike: evaluate each value of this dimension on its own"),
			"sensitivity": text("spike: low, medium, high or a number of standard deviations"), "min_amount": decimal("spike: least rise over the average"),
			"budget_id": text("overage: the budget"), "basis": text("overage: actual or forecast"),
			"threshold": decimal("reservation: utilisation percent"), "reservation": text("reservation: one reservation's ID or name; empty: all"),
			"recipients": stringList("E-mail addresses told of each new alert (webhooks subscribed to alert.created are told too)")}
	}
	rule := object("An alert rule", merge(ruleProps(), props{"id": text("alr_..."), "created_by": text(""),
		"created_at": timestamp(), "updated_at": timestamp()}), "id", "name", "kind", "enabled")
	alert := object("An alert", props{"id": text("alt_..."), "rule_id": text(""), "rule_name": text(""), "kind": kind,
		"day":         {Type: "string", Format: "date", Description: "The day (or budget period start) it is about"},
		"subject_dim": text("service, reservation, budget, ... or empty"), "subject": text(""), "subject_label": text(""),
		"severity": {Type: "string", Enum: []string{alerts.SeverityInfo, alerts.SeverityWarning, alerts.SeverityCritical}},
		"status":   {Type: "string", Enum: alerts.Statuses}, "message": text("What happened, in words and numbers"),
		"amount": text("Exact: the day's cost, spend, or utilisation percent"), "baseline": text("Exact: the average, budget, or threshold"),
		"currency": text("Empty for percentages"), "explore_url": text("The spend explorer with the alert's filters and days"),
		"acked_by": text(""), "acked_at": nullableTimestamp(), "created_at": timestamp()}, "id", "rule_id", "kind", "day", "severity", "status", "message")
	mute := object("A mute", props{"id": text("mut_..."), "rule_id": text(""), "subject_dim": text(""), "subject": text(""),
		"until": nullableTimestamp(), "created_by": text(""), "created_at": timestamp()}, "id")
	return map[string]*schema{
		"AlertRuleInput": closed("An alert rule's settings", ruleProps(), "name", "kind"),
		"AlertRule":      rule, "AlertRuleList": list("AlertRule"),
		"Alert": alert, "AlertList": list("Alert"),
		"AlertMute": mute, "AlertMuteList": list("AlertMute"),
		"AlertMuteInput": closed("What to mute", props{"rule_id": text(""), "subject_dim": text(""), "subject": text(""),
			"days": {Type: "integer", Description: "0: until unmuted"}}),
		"AlertEvaluation": object("What an evaluation stored", props{"day": {Type: "string", Format: "date"}, "rules": {Type: "integer"},
			"created": {Type: "integer"}, "muted": {Type: "integer"}}, "day", "rules", "created", "muted"),
		"AlertSchedule": object("The daily evaluation", props{"hour": {Type: "integer"}, "default": {Type: "boolean", Description: "The installation's hour"},
			"last_run_day": {Type: []string{"string", "null"}, Format: "date"}}, "hour", "default"),
		"AlertScheduleSet": closed("The evaluation hour", props{"hour": {Type: []string{"integer", "null"}}}),
	}
}
