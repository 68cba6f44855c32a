package web

import "github.com/canopyhq/canopy/internal/chargeback"

func chargebackSamplePages() []pageCase {
	l := sampleLayout(NavChargebacks)
	l.Can["chargebacks.read"], l.Can["chargebacks.write"] = true, true
	reason := "Partner Center reconciliation for October 2026 is complete on 8 November 2026; regenerate after that date for a final chargeback."
	detail := ChargebackPage{Layout: l, CanWrite: true, Month: "2026-10", MonthLabel: "October 2026", Status: "provisional", Reason: reason,
		Version: 2, AllocationVersion: 4, Currency: "EUR", Total: "1,334.50 EUR", When: "2026-11-03 12:00 UTC", Who: "ada@example.com",
		Units: []CBUnitView{{ID: "grp_p", Name: "Platform", Owners: "ada@example.com", Allocated: "1,234.50 EUR", Extra: "100.00 EUR", Total: "1,334.50 EUR",
			Lines: []CBLineView{{Kind: "Allocated cost", Label: "Compute / Virtual Machines", Allocated: "1,234.50"}, {Kind: "Fixed fee", Label: "Fixed fee: Platform team", Extra: "100.00"}}}},
		Uncharged: []Fact{{Label: "Unallocated", Value: "12.50 EUR"}},
		Diff: CBDiffView{Previous: 1, Units: []CBUnitDiffView{{Name: "Platform", Change: "changed", Before: "1,234.50", After: "1,334.50", Delta: "+100.00",
			Lines: []CBLineDiffView{{Label: "Fixed fee: Platform team", Change: "added", Before: "0.00", After: "100.00", Delta: "+100.00"}}}}},
		Versions: []Link{{Label: "v2", URL: "/chargebacks/2026-10/versions/2", Current: true}, {Label: "v1", URL: "/chargebacks/2026-10/versions/1"}},
		PDFURL:   "/chargebacks/2026-10/versions/2/pdf", CSVURL: "/chargebacks/2026-10/versions/2/csv", SendURL: "/chargebacks/2026-10/versions/2/send",
		ReconURL: "/chargebacks/2026-10/reconciliation?version=2"}
	return []pageCase{
		{ChargebacksPage{Layout: l, CanWrite: true, Month: "2026-10", FormErrors: FormErrors{FieldErrors: FieldErrors{"month": "No exchange rate from GBP to EUR for 2026-10-14"}},
			Months: []CBMonthRow{{Month: "2026-10", Label: "October 2026", ReconURL: "/chargebacks/2026-10/reconciliation",
				Versions: []CBVersionRow{{Version: 1, URL: "/chargebacks/2026-10/versions/1", Status: "provisional", Reason: reason, Total: "170.00 EUR", When: "2026-11-03 12:00", Who: "ada@example.com"}}}}},
			[]string{`action="/chargebacks"`, `name="month" type="month" value="2026-10"`, `id="cb-month-error"`, `No exchange rate from GBP to EUR for 2026-10-14`,
				`href="/chargebacks/2026-10/versions/1"`, `badge-warn">provisional`, reason, `170.00 EUR`, `href="/chargebacks/2026-10/reconciliation"`, `href="/chargebacks/extra-charges"`}},
		{detail, []string{`October 2026 — version 2`, `badge-warn">provisional`, `id="status-reason">` + reason, `href="/chargebacks/2026-10/versions/2/pdf"`,
			`href="/chargebacks/2026-10/versions/2/csv"`, `action="/chargebacks/2026-10/versions/2/send"`, `Compute / Virtual Machines`, `Fixed fee: Platform team`,
			`1,334.50 EUR`, `Unallocated (not charged)`, `Changes from version 1`, `&#43;100.00`, `aria-current="page">v2`}},
		{ReconciliationPage{Layout: l, Month: "2026-10", MonthLabel: "October 2026", Status: "final", Currency: "EUR", Version: 1, Billed: "53.01 EUR",
			Charged: "45.02 EUR", Difference: "-7.99 EUR", Items: []Fact{{Label: "Unallocated cost: no rule places it", Value: "-20.00 EUR"}}, DetailURL: "/chargebacks/2026-10/versions/1"},
			[]string{`53.01 EUR`, `45.02 EUR`, `-7.99 EUR`, `Unallocated cost: no rule places it`, `-20.00 EUR`, `badge-ok">final`}},
		{ReconciliationPage{Layout: l, Month: "2026-10", MonthLabel: "October 2026", Status: "final", Balanced: true, Billed: "161.00 EUR", Charged: "161.00 EUR", Difference: "0.00 EUR"},
			[]string{`id="balanced"`, `add up to the billed total to the cent`}},
		{ExtraChargesPage{Layout: l, CanWrite: true, EditID: "xch_1", Units: []Choice{{Value: "grp_p", Label: "Platform", Selected: true}},
			Kinds: []Choice{{Value: "fixed_fee", Label: "Fixed fee"}, {Value: "markup", Label: "Markup", Selected: true}},
			Form:  chargebackInput("markup", "10"), FormErrors: FormErrors{FieldErrors: FieldErrors{"percent": "Enter the percentage as a number like 5 or 2.5."}},
			Extras: []ExtraRow{{ID: "xch_1", Unit: "Platform", Kind: "Markup", Description: "Overhead", Value: "10%", Period: "October 2026 onwards"}}},
			[]string{`action="/chargebacks/extra-charges"`, `name="id" value="xch_1"`, `value="grp_p" selected`, `value="markup" selected`, `id="x-percent-error"`,
				`October 2026 onwards`, `href="/chargebacks/extra-charges?edit=xch_1"`, `action="/chargebacks/extra-charges/delete"`, `Save changes`}},
	}
}

func chargebackInput(kind, percent string) chargeback.ExtraInput {
	return chargeback.ExtraInput{Unit: "grp_p", Kind: kind, Percent: percent, From: "2026-10", Recurring: true}
}
