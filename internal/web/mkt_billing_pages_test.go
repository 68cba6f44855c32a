package web

func mktBillingSamplePages() []pageCase {
	l := sampleLayout(NavMarketplace)
	l.Can["marketplace.read"], l.Can["marketplace.manage"] = true, true
	tabs := MktTabs{Tab: MktTabInvoices}
	charge := MktChargeRow{ID: "CHG-1111-2222-3333-4444", Kind: "purchase", Description: "Photoshop × 5, 2 Nov 2026 – 1 Nov 2027", OrderID: "ORD-1000-2000-3000-4000",
		SubscriptionID: "SUB-1000-2000-3000", AgreementID: "AGR-1000-2000-3000", Quantity: "5", UnitPrice: "263.88 EUR", Amount: "1,319.40 EUR",
		Period: "2 Nov 2026 – 1 Nov 2027", BilledOn: "2 Nov 2026"}
	billed := charge
	billed.InvoiceID = "INV-1000-2000-3000-4000"
	return []pageCase{
		{MktInvoicesPage{Layout: l, MktTabs: tabs, CanManage: true, IssueMonth: "2026-11", Cursor: "INV-0000-0000-0000-0001", NextCursor: "INV-1000-2000-3000-4000",
			Filter:     MktInvoiceFilter{Buyer: "buy_acme", Status: "Issued", Month: "2026-11"},
			Buyers:     []Choice{{Value: "buy_acme", Label: "Acme GmbH", Selected: true}},
			Statuses:   []Choice{{Value: "Issued", Label: "Issued", Selected: true}, {Value: "Paid", Label: "Paid"}, {Value: "Overdue", Label: "Overdue"}},
			FormErrors: FormErrors{FieldErrors: FieldErrors{"issue_month": "Enter the month to invoice as YYYY-MM, like 2026-11."}},
			Rows: []MktInvoiceRow{{ID: "INV-1000-2000-3000-4000", Buyer: "Acme GmbH", Period: "November 2026", Issued: "2 Nov 2026", Due: "2 Dec 2026",
				Status: "Issued", Total: "1,679.40 EUR"}}},
			[]string{`action="/marketplace/invoices"`, `name="issue_month" type="month" value="2026-11"`, `id="mkt-issue-month-error"`, `Issue invoices for month`,
				`value="buy_acme" selected`, `value="Issued" selected`, `href="/marketplace/invoices/INV-1000-2000-3000-4000"`, `mkt-status-issued`, `1,679.40 EUR`,
				`href="/marketplace/charges"`, `href="/marketplace/credit-memos"`, `href="/marketplace/invoices?buyer=buy_acme&amp;cursor=INV-1000-2000-3000-4000&amp;month=2026-11&amp;status=Issued"`,
				`href="/marketplace/invoices" aria-current="page"`}},
		{MktInvoicePage{Layout: l, MktTabs: tabs, ID: "INV-1000-2000-3000-4000", Status: "Overdue", Currency: "EUR", Buyer: "Acme GmbH", BuyerAddress: "Hauptstraße 1, Berlin",
			Period: "November 2026", Issued: "2 Nov 2026", Due: "2 Dec 2026", Net: "1,679.40 EUR", Gross: "1,679.40 EUR", CanManage: true, CanMarkPaid: true,
			PDFURL: "/marketplace/invoices/INV-1000-2000-3000-4000/pdf", CSVURL: "/marketplace/invoices/INV-1000-2000-3000-4000/csv",
			Statements: []MktStatementView{{ID: "SOM-1000-2000-3000-4000", AgreementID: "AGR-1000-2000-3000", AgreementName: "Creative Cloud",
				PONumber: "4500012345-CREATIVE-CLOUD-2026", POPrinted: "4500012345-CREAT…", Total: "1,319.40 EUR", Charges: []MktChargeRow{charge}}},
			Orders:        []MktBilledOrder{{ID: "ORD-1000-2000-3000-4000", Amount: "1,319.40 EUR", Charges: 1, AlsoOn: []string{"INV-9000-2000-3000-4000"}, CreditMemos: []string{"CRM-1000-2000-3000-4000"}}},
			Subscriptions: []MktBilledSub{{ID: "SUB-1000-2000-3000", AgreementID: "AGR-1000-2000-3000", Amount: "1,319.40 EUR", Charges: 1}},
			CreditMemos:   []MktCreditMemoRow{{ID: "CRM-1000-2000-3000-4000", OrderID: "ORD-5000-2000-3000-4000", Total: "-1,319.40 EUR", Reason: "Return", Issued: "10 Nov 2026"}}},
			[]string{`Invoice INV-1000-2000-3000-4000`, `mkt-status-overdue`, `id="mkt-overdue"`, `Acme GmbH`, `id="mkt-gross"`, `PO No. 4500012345-CREAT…`,
				`title="4500012345-CREATIVE-CLOUD-2026"`, `href="/marketplace/invoices/INV-1000-2000-3000-4000/pdf"`, `href="/marketplace/invoices/INV-1000-2000-3000-4000/csv"`,
				`action="/marketplace/invoices/INV-1000-2000-3000-4000/paid"`, `href="/marketplace/orders/ORD-1000-2000-3000-4000"`, `href="/marketplace/subscriptions/SUB-1000-2000-3000"`,
				`href="/marketplace/agreements/AGR-1000-2000-3000"`, `href="/marketplace/invoices/INV-9000-2000-3000-4000"`, `CRM-1000-2000-3000-4000`, `-1,319.40 EUR`}},
		{MktChargesPage{Layout: l, MktTabs: tabs, Filter: MktChargeFilter{Order: "ORD-1000-2000-3000-4000", Billed: "unbilled", Month: "2026-1"},
			FormErrors: FormErrors{FieldErrors: FieldErrors{"month": `"2026-1" is not a month: use YYYY-MM, like 2026-11`}},
			Rows:       []MktChargeRow{billed, charge}, NextCursor: "CHG-1111-2222-3333-4444"},
			[]string{`action="/marketplace/charges"`, `name="order" type="text" value="ORD-1000-2000-3000-4000"`, `value="unbilled" selected`, `id="mkt-ch-month-error"`,
				`href="/marketplace/invoices/INV-1000-2000-3000-4000"`, `not yet billed`, `rel="next"`}},
		{MktCreditMemosPage{Layout: l, MktTabs: tabs, Filter: MktCreditMemoFilter{Invoice: "INV-1000-2000-3000-4000"}, Buyers: []Choice{{Value: "buy_acme", Label: "Acme GmbH"}},
			Rows: []MktCreditMemoRow{{ID: "CRM-1000-2000-3000-4000", Buyer: "Acme GmbH", OrderID: "ORD-5000-2000-3000-4000", InvoiceID: "INV-1000-2000-3000-4000",
				Total: "-1,319.40 EUR", Reason: "Return within 14 days", Issued: "10 Nov 2026"}}},
			[]string{`action="/marketplace/credit-memos"`, `name="invoice" type="text" value="INV-1000-2000-3000-4000"`, `CRM-1000-2000-3000-4000`,
				`href="/marketplace/invoices/INV-1000-2000-3000-4000"`, `Return within 14 days`}},
	}
}
