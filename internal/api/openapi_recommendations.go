package api

import (
	"maps"
	"slices"

	"github.com/canopyhq/canopy/internal/recommend"
)

var recIDParam = pathParam("recommendation_id", "A recommendation's ID (rec_...)")

// enumOf is a label map's keys, sorted.
func enumOf(m map[string]string) []string { return slices.Sorted(maps.Keys(m)) }

func recommendationOperations() []opEntry {
	read, act, tag := "recommendations.read", "recommendations.act", "recommendations"
	one := []parameter{recIDParam}
	filter := func(name, desc string, enum []string) parameter {
		return parameter{Name: name, In: "query", Description: desc + " (repeat or comma-separate for several)",
			Schema: &schema{Type: "string", Enum: enum}}
	}
	return []opEntry{
		doc("GET", "/recommendations", opSpec{id: "listRecommendations", summary: "Savings recommendations with estimates and totals", perm: read, tag: tag,
			params: []parameter{filter("source", "Source", enumOf(recommend.SourceLabels)), filter("category", "Category", enumOf(recommend.CategoryLabels)),
				filter("status", "Status", enumOf(recommend.StatusLabels)), queryParam("account", "AWS account, Azure subscription or Microsoft 365 tenant ID")},
			status: 200, result: "RecommendationList",
			description: "Largest estimated saving first (those without an estimate last). Each estimate is monthly in the organisation's reporting currency: a source's estimate converted at the rate of the day the source last listed it, " +
				"licences at the billed cost per seat (last complete month) or the list price of Licence prices. Totals sum the open ones; notices say which licence recommendations could not be derived and why."}),
		doc("GET", "/recommendations/{recommendation_id}", opSpec{id: "getRecommendation", summary: "One recommendation with its estimate basis and realised saving", perm: read, tag: tag,
			params: one, status: 200, result: "Recommendation"}),
		doc("POST", "/recommendations/{recommendation_id}/dismiss", opSpec{id: "dismissRecommendation", summary: "Dismiss an open recommendation, with a reason", perm: act, tag: tag,
			params: one, body: "RecommendationDismiss", status: 200, result: "Recommendation", description: "409 when it is not open."}),
		doc("POST", "/recommendations/{recommendation_id}/done", opSpec{id: "markRecommendationDone", summary: "Mark a recommendation done", perm: act, tag: tag,
			params: one, status: 200, result: "Recommendation",
			description: "Open or resolved ones. From then on the realised saving compares the average daily cost 30 days before and after that day."}),
		doc("POST", "/recommendations/{recommendation_id}/reopen", opSpec{id: "reopenRecommendation", summary: "Reopen a dismissed or done recommendation", perm: act, tag: tag,
			params: one, status: 200, result: "Recommendation", description: "It becomes resolved instead when its source no longer lists it."}),
	}
}

func signedDecimal(desc string) *schema {
	return &schema{Type: "string", Pattern: `^-?[0-9]+(\.[0-9]+)?$`, Description: desc}
}

func recommendationSchemas() map[string]*schema {
	seats := object("Seats of a licence product", props{"sku_part_number": text(""), "seats": {Type: "integer"}}, "sku_part_number", "seats")
	estimate := object("Estimated monthly saving in the reporting currency", props{"monthly": decimal("Absent when there is no estimate"),
		"currency": currencyCode(""), "basis": text("How the estimate was reached"), "error": text("Why there is no estimate")}, "currency", "basis")
	realised := object("The saving a done recommendation realised", props{"measurable": {Type: "boolean"},
		"monthly": signedDecimal("(before - after) average daily cost × 30"), "currency": currencyCode(""),
		"before_from": timestamp(), "before_to": timestamp(), "after_from": timestamp(), "after_to": timestamp(),
		"before_daily": signedDecimal(""), "after_daily": signedDecimal(""), "basis": text("What was measured, or why not yet"),
		"error": text("Why it could not be measured (a missing exchange rate)")}, "measurable", "currency", "basis")
	statuses := enumOf(recommend.StatusLabels)
	rec := object("A savings recommendation", props{"id": text(""), "connection_id": text(""), "connection": text("The connection's name"),
		"source": {Type: "string", Enum: enumOf(recommend.SourceLabels)}, "source_key": text("The source's stable ID of the finding"),
		"category": {Type: "string", Enum: enumOf(recommend.CategoryLabels)}, "account": text("AWS account, Azure subscription or Microsoft 365 tenant"),
		"resource_id": text("The resource, or the user for licence recommendations"), "region": text(""), "title": text(""),
		"detail": text("The source's text"), "licences": {Type: "array", Items: seats}, "status": {Type: "string", Enum: statuses},
		"status_reason": text(""), "status_by": text(""), "status_at": timestamp(), "done_at": timestamp(), "first_seen": timestamp(),
		"last_seen": timestamp(), "gone_at": timestamp(), "estimate": estimate, "realised": realised},
		"id", "source", "category", "title", "status", "estimate")
	totals := object("Totals of the listed recommendations", props{"open": {Type: "integer"}, "open_monthly": decimal(""),
		"currency": currencyCode(""), "open_without_estimate": {Type: "integer"}, "done_realised_monthly": signedDecimal("")})
	facets := object("Values present in the organisation's recommendations", props{"sources": stringList(""), "categories": stringList(""), "accounts": stringList("")})
	return map[string]*schema{
		"Recommendation": rec,
		"RecommendationList": object("Recommendations with totals", props{"items": {Type: "array", Items: ref("Recommendation")},
			"totals": totals, "notices": stringList("Licence recommendations that could not be derived, and why"), "facets": facets},
			"items", "totals", "notices", "facets"),
		"RecommendationDismiss": closed("Why the recommendation is dismissed", props{"reason": text("Required, up to 1000 characters")}, "reason"),
	}
}
