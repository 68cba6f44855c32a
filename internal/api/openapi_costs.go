package api

import (
	"strings"

	"github.com/canopyhq/canopy/internal/costs"
)

// The spend explorer's operations and schemas.

var (
	costRange = []parameter{
		{Name: "from", In: "query", Description: "First charge day, inclusive (UTC). Without from and to: the 90 days ending today", Schema: &schema{Type: "string", Format: "date"}},
		{Name: "to", In: "query", Description: "Last charge day, inclusive (UTC); needed with from", Schema: &schema{Type: "string", Format: "date"}},
	}
	filterParam = parameter{Name: "filter", In: "query", Schema: &schema{Type: "array", Items: &schema{Type: "string"}},
		Description: "Repeatable. dimension:value, e.g. service:Virtual Machines; tags as tag:key=value (split at the first =) or tag:key:value; " +
			"tag:key keeps lines with the key. Values of one dimension are ORed, dimensions ANDed; an empty value matches lines without one. " +
			"Dimensions: " + strings.Join(dimNames(), ", ")}
	dimEnum      = &schema{Type: "string", Enum: dimNames()}
	exploreQuery = []parameter{
		{Name: "group_by", In: "query", Description: "Dimension to group by; none when absent", Schema: dimEnum},
		queryParam("tag", "The tag key, with group_by=tag"),
		{Name: "granularity", In: "query", Description: "Period length; default day", Schema: &schema{Type: "string", Enum: []string{"day", "month"}}},
		{Name: "metric", In: "query", Description: "FOCUS cost column: BilledCost, EffectiveCost, ListCost or ContractedCost; default billed", Schema: &schema{Type: "string", Enum: []string{"billed", "effective", "list", "contracted"}}},
		{Name: "currency", In: "query", Description: "reporting (default): converted to the organisation's reporting currency with each charge day's rate; billing: each billing currency apart", Schema: &schema{Type: "string", Enum: []string{"reporting", "billing"}}},
		{Name: "compare", In: "query", Description: "previous: also total the period of the same length just before", Schema: &schema{Type: "string", Enum: []string{"previous", "none"}}},
		{Name: "sort", In: "query", Description: "Series order; default total", Schema: &schema{Type: "string", Enum: []string{"total", "label", "previous", "change"}}},
		{Name: "dir", In: "query", Description: "asc or desc; default desc (asc for label)", Schema: &schema{Type: "string", Enum: []string{"asc", "desc"}}},
		{Name: "top", In: "query", Description: "Groups in chart before Other; default 10", Schema: &schema{Type: "integer", Minimum: intPtr(1), Maximum: intPtr(50)}},
	}
)

func dimNames() []string {
	out := make([]string, len(costs.Dims), len(costs.Dims)+1)
	for i, d := range costs.Dims {
		out[i] = string(d)
	}
	return append(out, string(costs.DimGroup))
}

func costOperations() []opEntry {
	explore := append(append(append([]parameter{}, costRange...), filterParam), exploreQuery...)
	ranged := append(append([]parameter{}, costRange...), filterParam)
	values := append([]parameter{required(parameter{Name: "dim", In: "query", Description: "The dimension", Schema: dimEnum}),
		queryParam("tag", "With dim=tag: the key whose values to list; absent lists the tag keys"),
		{Name: "limit", In: "query", Description: "At most this many, default 200", Schema: &schema{Type: "integer", Minimum: intPtr(1), Maximum: intPtr(maxValues)}}},
		costRange...)
	return []opEntry{
		doc("GET", "/costs/explore", opSpec{id: "exploreCosts", summary: "Costs per period and group, with totals", perm: "costs.read", tag: "costs",
			params: explore, status: 200, result: "CostExplore",
			description: "Amounts are exact decimal strings. In reporting mode each (day, group, billing currency) sum is converted with the charge day's rate " +
				"(or the latest within 7 days before) and rounded half-even to 10 decimals; amounts without a rate are left out of every total and listed in warnings " +
				"with their days and amount in the original currency. In billing mode there is one entry in currencies per billing currency."}),
		doc("GET", "/costs/values", opSpec{id: "listCostValues", summary: "Distinct values of a dimension in a date range, most lines first", perm: "costs.read", tag: "costs",
			params: values, status: 200, result: "CostValueList"}),
		doc("GET", "/costs/consumption", opSpec{id: "listCostConsumption", summary: "Consumed and priced quantities with their units per service and meter", perm: "costs.read", tag: "costs",
			params: ranged, status: 200, result: "CostConsumptionList"}),
		doc("GET", "/costs/freshness", opSpec{id: "listCostFreshness", summary: "Per provider and billing account: data through which day, last import", perm: "costs.read", tag: "costs",
			status: 200, result: "CostFreshnessList", description: "Cloud billing data arrives 24–48 hours late and is revised."}),
		doc("GET", "/costs/export.csv", opSpec{id: "exportCostTable", summary: "The explorer's table as CSV", perm: "costs.export", tag: "costs",
			params: explore, status: 200, result: "CostTableCSV", resultMedia: "text/csv",
			description: "One row per currency and group: an amount per period, the total (and previous_total, change, change_percent with compare=previous), then a Total row per currency. " +
				"Amounts are rounded to the currency's minor unit; text cells starting with = + - @ are prefixed with an apostrophe."}),
		doc("GET", "/costs/lines.csv", opSpec{id: "exportCostLines", summary: "The filtered line items as a FOCUS 1.2 CSV", perm: "costs.export", tag: "costs",
			params: ranged, status: 200, result: "FOCUSCSV", resultMedia: "text/csv",
			description: "Every FOCUS 1.2 column (date-times as 2006-01-02T15:04:05Z, decimals in plain notation, Tags as a JSON object, null as an empty cell), " +
				"then the source's other attributes as x_ columns. Streamed in charge-period order."}),
	}
}

func costSchemas() map[string]*schema {
	amount := func(desc string) *schema {
		return &schema{Type: "string", Pattern: `^-?[0-9]+(\.[0-9]+)?$`, Description: strings.TrimPrefix(desc+"; exact decimal", "; ")}
	}
	amounts := &schema{Type: "array", Items: amount(""), Description: "One per period"}
	change := object("Compared with the previous period", props{"delta": amount("total − previous total"),
		"percent": {Type: []string{"string", "null"}, Description: "Of the previous total, one decimal; null when it is zero"}}, "delta", "percent")
	series := object("One group", props{"group": text("The dimension value; empty for lines without one"), "label": text(""),
		"other": {Type: "boolean", Description: "The chart's sum of the groups beyond the top"}, "amounts": amounts, "total": amount(""),
		"previous_total": amount("With compare=previous"), "change": change}, "group", "label", "amounts", "total")
	return map[string]*schema{
		"CostExplore": object("The explorer's answer", props{
			"from": {Type: "string", Format: "date"}, "to": {Type: "string", Format: "date", Description: "Inclusive"},
			"previous_from": {Type: "string", Format: "date"}, "previous_to": {Type: "string", Format: "date"},
			"granularity": text("day or month"), "metric": text(""), "currency": text("reporting or billing"),
			"group_by": text(""), "tag": text(""),
			"periods": {Type: "array", Items: object("A period; start and end inclusive", props{"label": text(""),
				"start": {Type: "string", Format: "date"}, "end": {Type: "string", Format: "date"}}, "label", "start", "end")},
			"currencies": {Type: "array", Items: object("The totals of one currency", props{"currency": currencyCode(""),
				"series": {Type: "array", Items: series, Description: "Every group, sorted"}, "chart": {Type: "array", Items: series, Description: "Top groups and Other"},
				"period_totals": amounts, "total": amount(""), "previous_total": amount("With compare=previous"), "change": change},
				"currency", "series", "chart", "period_totals", "total")},
			"warnings": {Type: "array", Items: object("Amounts left out for want of an exchange rate", props{
				"currency": currencyCode("The billing currency"), "target": currencyCode("The reporting currency"),
				"previous": {Type: "boolean", Description: "In the compared period"}, "days": stringList("The days affected"),
				"amount": amount("In the billing currency"), "message": text("")}, "currency", "target", "previous", "days", "amount", "message")},
		}, "from", "to", "granularity", "metric", "currency", "group_by", "periods", "currencies", "warnings"),
		"CostValue":     object("A dimension value", props{"value": text(""), "label": text(""), "lines": {Type: "integer"}}, "value", "label", "lines"),
		"CostValueList": list("CostValue"),
		"CostConsumption": object("What one meter consumed", props{"service": text(""), "sku": text(""), "meter": text("The charge description"),
			"consumed_unit": text(""), "consumed_quantity": amount(""), "pricing_unit": text(""), "pricing_quantity": amount(""),
			"currency": currencyCode("Billing currency"), "lines": {Type: "integer"}, "measures": object("Costs", props{
				"billed": amount(""), "effective": amount(""), "list": amount(""), "contracted": amount("")}, "billed", "effective", "list", "contracted")},
			"service", "sku", "meter", "consumed_unit", "consumed_quantity", "pricing_unit", "pricing_quantity", "currency", "measures", "lines"),
		"CostConsumptionList": list("CostConsumption"),
		"CostFreshness": object("How current one billing account's data is", props{"provider": text(""), "billing_account": text(""),
			"billing_account_name": text(""), "data_through": {Type: "string", Format: "date", Description: "Last charge day with lines"},
			"last_import": timestamp(), "lines": {Type: "integer"}}, "provider", "billing_account", "data_through", "last_import", "lines"),
		"CostFreshnessList": object("Freshness per source", props{"items": {Type: "array", Items: ref("CostFreshness")},
			"note": text("Cloud billing data arrives 24–48 hours late and is revised")}, "items", "note"),
		"CostTableCSV": {Type: "string", Description: "CSV: currency, group, label, one column per period, total[, previous_total, change, change_percent]"},
		"FOCUSCSV":     {Type: "string", Description: "A FOCUS 1.2 CSV file"},
	}
}
