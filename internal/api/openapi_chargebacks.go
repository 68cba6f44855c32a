package api

import (
	"github.com/canopyhq/canopy/internal/chargeback"
)

var (
	monthParam   = pathParam("month", "A month, YYYY-MM")
	cbVersion    = pathParam("version", "A chargeback version of the month (1, 2, ...)")
	extraIDParam = pathParam("extra_id", "An extra charge's ID (xch_...)")
)

func chargebackOperations() []opEntry {
	mv := []parameter{monthParam, cbVersion}
	op := func(method, path string, s opSpec) opEntry {
		s.tag = "chargebacks"
		return doc(method, path, s)
	}
	v := "/chargebacks/{month}/versions/{version}"
	return []opEntry{
		op("GET", "/chargebacks", opSpec{id: "listChargebacks", summary: "Every generated chargeback version, newest month and version first", perm: "chargebacks.read", status: 200, result: "ChargebackVersionList"}),
		op("POST", "/chargebacks", opSpec{id: "generateChargeback", summary: "Generate a month's chargeback as its next version", perm: "chargebacks.write", body: "ChargebackGenerate", status: 201, result: "Chargeback",
			description: "Built from the current allocation and the extra charges in force, in the reporting currency at each day's rate (a missing rate is a 400 naming the currency and day). " +
				"Before the 8th of the next month (or while a Partner Center connection has not imported the month's invoice) it is provisional, with the reason. Versions are never overwritten."}),
		op("GET", "/chargebacks/{month}", opSpec{id: "getLatestChargeback", summary: "The latest version of a month", perm: "chargebacks.read", params: []parameter{monthParam}, status: 200, result: "Chargeback"}),
		op("GET", v, opSpec{id: "getChargeback", summary: "One version of a month: business units, lines and extra charges", perm: "chargebacks.read", params: mv, status: 200, result: "Chargeback"}),
		op("GET", v+"/diff", opSpec{id: "diffChargeback", summary: "What changed from the previous version, per business unit and line", perm: "chargebacks.read", params: mv, status: 200, result: "ChargebackDiff"}),
		op("GET", v+"/pdf", opSpec{id: "chargebackPDF", summary: "The statement as a PDF", perm: "chargebacks.read", params: mv, status: 200, result: "ChargebackPDF", resultMedia: "application/pdf"}),
		op("GET", v+"/csv", opSpec{id: "chargebackCSV", summary: "The lines as CSV", perm: "chargebacks.read", params: mv, status: 200, result: "ChargebackCSV", resultMedia: "text/csv"}),
		op("POST", v+"/send", opSpec{id: "sendChargeback", summary: "E-mail each business unit's owners their statement (PDF attached)", perm: "chargebacks.write", params: mv, status: 200, result: "ChargebackSent",
			description: "Units without an owner are listed as skipped."}),
		op("GET", "/chargebacks/{month}/reconciliation", opSpec{id: "reconcileChargeback", summary: "The month's chargebacks against its billed total, with each difference", perm: "chargebacks.read",
			params: []parameter{monthParam, {Name: "version", In: "query", Description: "Version; default the latest", Schema: &schema{Type: "integer", Minimum: intPtr(1)}}}, status: 200, result: "ChargebackReconciliation",
			description: "difference = charged - billed; the items (unallocated cost, unassigned licences, price-list licences, extra charges, currency rounding, cost data changed since) add up to it exactly."}),
		op("GET", "/chargebacks/extra-charges", opSpec{id: "listExtraCharges", summary: "Manual extra charges on business units", perm: "chargebacks.read", status: 200, result: "ExtraChargeList"}),
		op("POST", "/chargebacks/extra-charges", opSpec{id: "createExtraCharge", summary: "Add an extra charge (one month, or recurring from a month on)", perm: "chargebacks.write", body: "ExtraChargeInput", status: 201, result: "ExtraCharge",
			description: "fixed_fee: amount and currency; service_fee: percent of the unit's allocated cost; markup: percent of allocated cost plus fees. Included in the next generated version."}),
		op("PUT", "/chargebacks/extra-charges/{extra_id}", opSpec{id: "updateExtraCharge", summary: "Replace an extra charge", perm: "chargebacks.write", params: []parameter{extraIDParam}, body: "ExtraChargeInput", status: 200, result: "ExtraCharge"}),
		op("DELETE", "/chargebacks/extra-charges/{extra_id}", opSpec{id: "deleteExtraCharge", summary: "Remove an extra charge", perm: "chargebacks.write", params: []parameter{extraIDParam}, status: 204}),
	}
}

func signed(desc string) *schema {
	return &schema{Type: "string", Pattern: `^-?[0-9]+(\.[0-9]+)?$`, Description: desc}
}

func chargebackSchemas() map[string]*schema {
	month := &schema{Type: "string", Pattern: `^[0-9]{4}-[0-9]{2}$`, Description: "YYYY-MM"}
	status := &schema{Type: "string", Enum: []string{chargeback.Provisional, chargeback.Final}}
	versionProps := props{"month": month, "version": {Type: "integer"}, "status": status, "reason": text("Why it is provisional"),
		"currency": currencyCode("The reporting currency"), "allocation_version": {Type: "integer"}, "total": signed("Charged to business units"),
		"units": {Type: "integer"}, "created_by": text(""), "created_at": timestamp()}
	change := &schema{Type: "string", Enum: []string{chargeback.Added, chargeback.Removed, chargeback.Changed, chargeback.Unchanged}}
	kind := &schema{Type: "string", Enum: append([]string{chargeback.KindCost}, chargeback.ExtraKinds...)}
	sentUnit := props{"id": text(""), "name": text(""), "to": stringList(""), "reason": text("")}
	return map[string]*schema{
		"ChargebackGenerate":    closed("The month to generate", props{"month": month}, "month"),
		"ChargebackVersion":     object("A generated chargeback version", versionProps, "month", "version", "status", "currency", "total"),
		"ChargebackVersionList": list("ChargebackVersion"),
		"Chargeback": object("A chargeback version with its business units", merge(props{"org_name": text(""),
			"business_units": {Type: "array", Items: ref("ChargebackUnit")}, "not_charged": {Type: "array", Items: ref("ChargebackUncharged")}}, versionProps),
			"month", "version", "business_units"),
		"ChargebackUnit": object("A business unit's chargeback", props{"id": text("grp_..."), "name": text(""), "owners": stringList("E-mail addresses"),
			"allocated": signed("Exact"), "extra": signed("Exact"), "total": signed("Rounded to the currency's minor unit"),
			"lines": {Type: "array", Items: ref("ChargebackLine")}}, "id", "name", "total", "lines"),
		"ChargebackLine": object("Allocated cost of a service, or an extra charge", props{"kind": kind, "category": text("Service category"),
			"service": text(""), "description": text(""), "amount": signed("Exact")}, "kind", "amount"),
		"ChargebackUncharged": object("Cost charged to no business unit", props{"id": text("'' Unallocated, ~unassigned_licences"), "name": text(""), "amount": signed("")}, "name", "amount"),
		"ChargebackDiff": object("Changes from the previous version (previous 0: none)", props{"month": month, "version": {Type: "integer"}, "previous": {Type: "integer"},
			"currency": currencyCode(""), "business_units": {Type: "array", Items: ref("ChargebackUnitDiff")}}, "version", "previous", "business_units"),
		"ChargebackUnitDiff": object("A business unit's change", props{"id": text(""), "name": text(""), "change": change, "before": signed(""), "after": signed(""),
			"delta": signed(""), "lines": {Type: "array", Items: ref("ChargebackLineDiff")}}, "id", "change", "delta", "lines"),
		"ChargebackLineDiff": object("A line's change", props{"kind": kind, "label": text(""), "change": change, "before": signed(""), "after": signed(""), "delta": signed("")},
			"kind", "label", "change", "delta"),
		"ChargebackSent": object("Who got the statements", props{"month": month, "version": {Type: "integer"},
			"sent": {Type: "array", Items: object("", sentUnit)}, "skipped": {Type: "array", Items: object("", sentUnit)}}, "sent", "skipped"),
		"ChargebackReconciliation": object("Chargebacks against the billed total", props{"month": month, "version": {Type: "integer"}, "status": status,
			"currency": currencyCode(""), "billed": signed("Billed total now, rounded"), "charged": signed("Sum of the units' totals"),
			"difference": signed("charged - billed"), "balanced": {Type: "boolean"},
			"items": {Type: "array", Items: object("A difference", props{"kind": {Type: "string", Enum: []string{chargeback.ReconUnallocated, chargeback.ReconUnassigned,
				chargeback.ReconPriceList, chargeback.ReconExtra, chargeback.ReconRounding, chargeback.ReconDataChanged}}, "label": text(""), "amount": signed("")}, "kind", "amount")}},
			"billed", "charged", "difference", "balanced", "items"),
		"ExtraChargeInput": closed("An extra charge", props{"business_unit": text("grp_... of a business unit"), "kind": {Type: "string", Enum: chargeback.ExtraKinds},
			"description": text(""), "amount": decimal("fixed_fee"), "currency": currencyCode("fixed_fee"), "percent": signed("service_fee and markup"),
			"from": month, "to": month, "recurring": {Type: "boolean", Description: "false: the from month only"}}, "business_unit", "kind", "from"),
		"ExtraCharge": object("An extra charge", props{"id": text("xch_..."), "business_unit": text(""), "business_unit_name": text(""), "kind": {Type: "string", Enum: chargeback.ExtraKinds},
			"description": text(""), "amount": signed(""), "currency": text(""), "percent": text(""), "from": month, "to": month,
			"recurring": {Type: "boolean"}, "created_by": text(""), "updated_at": timestamp()}, "id", "business_unit", "kind", "from"),
		"ExtraChargeList": list("ExtraCharge"),
		"ChargebackPDF":   {Type: "string", Format: "binary", Description: "PDF: header (organisation, month, version, status), a table per business unit, totals"},
		"ChargebackCSV":   {Type: "string", Description: "CSV: month, version, status, currency, business_unit_id, business_unit, kind, service_category, service, description, amount, amount_exact"},
	}
}
