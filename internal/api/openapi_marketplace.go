package api

import (
	"maps"

	"github.com/canopyhq/canopy/internal/marketplace"
)

var (
	vendorIDParam       = pathParam("vendor_id", "A vendor's ID (VND-...)")
	agreementIDParam    = pathParam("agreement_id", "An agreement's ID (AGR-xxxx-xxxx-xxxx)")
	subscriptionIDParam = pathParam("subscription_id", "A subscription's ID (SUB-xxxx-xxxx-xxxx)")
	orderIDParam        = pathParam("order_id", "An order's ID (ORD-xxxx-xxxx-xxxx-xxxx)")
	invoiceIDParam      = pathParam("invoice_id", "An invoice's ID (INV-xxxx-xxxx-xxxx-xxxx)")
	statementIDParam    = pathParam("statement_id", "A statement's ID (SOM-xxxx-xxxx-xxxx-xxxx)")
	periodParam         = queryParam("period", "Only of this billing month (YYYY-MM)")
	mktQParam           = queryParam("q", "Part of the name (any case), or exactly the ID or purchase-order number")
)

func statusEnumParam[S ~string](m marketplace.Machine[S]) parameter {
	var e []string
	for _, s := range m.All() {
		e = append(e, string(s))
	}
	return parameter{Name: "status", In: "query", Description: "Only objects in this status", Schema: &schema{Type: "string", Enum: e}}
}

func marketplaceOperations() []opEntry {
	read, buy, manage := "marketplace.read", "marketplace.purchase", "marketplace.manage"
	page := []parameter{limitParam, cursorParam}
	return append([]opEntry{
		doc("GET", "/catalog", opSpec{id: "getCatalog", summary: "Vendors, products, items with their prices, buyers and listings", perm: read, tag: "catalog",
			params: []parameter{queryParam("buyer_id", "Only what this buyer may buy: the products listed for it, their vendors and their items on sale")},
			status: 200, result: "Catalog"}),
		doc("POST", "/catalog/vendors", opSpec{id: "createVendor", summary: "Add a vendor and the programme whose rules it follows", perm: manage, tag: "catalog",
			body: "VendorInput", status: 201, result: "Vendor", description: "program: general, adobe-vip (14-day returns, co-terming on the anniversary, mid-term PO changes) or microsoft-nce (7-day returns)."}),
		doc("PUT", "/catalog/vendors/{vendor_id}/api", opSpec{id: "setVendorAPI", summary: "Reach the vendor's ordering system (https URL and API key)", perm: manage, tag: "catalog",
			params: []parameter{vendorIDParam}, body: "VendorAPIInput", status: 200, result: "Vendor",
			description: "The key is sealed at rest and never returned. An empty url switches the vendor to fulfilment by hand (POST /commerce/orders/{order_id}/decide)."}),
		doc("POST", "/catalog/products", opSpec{id: "createProduct", summary: "Add a product of a vendor", perm: manage, tag: "catalog", body: "ProductInput", status: 201, result: "Product"}),
		doc("POST", "/catalog/items", opSpec{id: "createItem", summary: "Add an item (SKU) with its prices per term and currency", perm: manage, tag: "catalog", body: "ItemInput", status: 201, result: "Item",
			description: "A price is per unit and billing period of its term: P1M (monthly), P1Y (one year, billed yearly), P1Y-M (one year, billed monthly)."}),
		doc("POST", "/catalog/buyers", opSpec{id: "createBuyer", summary: "Add a buyer (a legal entity invoiced in one currency)", perm: manage, tag: "catalog", body: "BuyerInput", status: 201, result: "Buyer"}),
		doc("GET", "/commerce/agreements", opSpec{id: "listAgreements", summary: "Agreements", perm: read, tag: "commerce",
			params: append([]parameter{statusEnumParam(marketplace.Agreements), queryParam("buyer_id", "Only this buyer's"), queryParam("product_id", "Only of this product"), mktQParam}, page...),
			status: 200, result: "AgreementList"}),
		doc("GET", "/commerce/agreements/{agreement_id}", opSpec{id: "getAgreement", summary: "An agreement with its subscriptions, orders, statements and status history", perm: read, tag: "commerce",
			params: []parameter{agreementIDParam}, status: 200, result: "AgreementDetail"}),
		doc("PUT", "/commerce/agreements/{agreement_id}/po-number", opSpec{id: "setAgreementPONumber", summary: "Set the agreement's recurring purchase-order number", perm: buy, tag: "commerce",
			params: []parameter{agreementIDParam}, body: "PONumberInput", status: 200, result: "Agreement",
			description: "Printed as \"PO No.\" on every consolidated invoice that bills the agreement (longer than 20 characters: the first 16 and an ellipsis)."}),
		doc("GET", "/commerce/subscriptions", opSpec{id: "listSubscriptions", summary: "Subscriptions", perm: read, tag: "commerce",
			params: append([]parameter{statusEnumParam(marketplace.Subscriptions), queryParam("agreement_id", "Only under this agreement"), mktQParam}, page...),
			status: 200, result: "SubscriptionList"}),
		doc("GET", "/commerce/subscriptions/{subscription_id}", opSpec{id: "getSubscription", summary: "A subscription with its item, status history and charges", perm: read, tag: "commerce",
			params: []parameter{subscriptionIDParam}, status: 200, result: "SubscriptionDetail"}),
		doc("PUT", "/commerce/subscriptions/{subscription_id}/po-number", opSpec{id: "setSubscriptionPONumber", summary: "Change a subscription's purchase-order number", perm: buy, tag: "commerce",
			params: []parameter{subscriptionIDParam}, body: "PONumberInput", status: 200, result: "Subscription",
			description: "During its term only for Adobe VIP Marketplace subscriptions; others answer 409 saying why (set it on the next order instead)."}),
		doc("GET", "/commerce/orders", opSpec{id: "listOrders", summary: "Orders", perm: read, tag: "commerce",
			params: append([]parameter{statusEnumParam(marketplace.Orders), {Name: "type", In: "query", Description: "Only of this type",
				Schema: &schema{Type: "string", Enum: []string{marketplace.OrderPurchase, marketplace.OrderChange, marketplace.OrderTermination}}},
				queryParam("agreement_id", "Only on this agreement"), queryParam("q", "Exactly the ID or PO number, or part of the notes")}, page...),
			status: 200, result: "OrderList"}),
		doc("POST", "/commerce/orders", opSpec{id: "createOrder", summary: "Place a purchase, change or termination order", perm: buy, tag: "commerce",
			body: "OrderInput", status: 201, result: "Order",
			description: "Purchase: buyer_id and item lines; a new agreement is created. Change: agreement_id with subscription lines (new quantity, auto_renew, po_number) and item lines. " +
				"Termination: agreement_id with one subscription line each. submit: false saves a quote (Quoted); true sends it for processing. " +
				"Only one order per agreement is with the vendor at a time; later ones wait (waiting_for on GET)."}),
		doc("GET", "/commerce/orders/{order_id}", opSpec{id: "getOrder", summary: "An order with its lines, status history, queue position and billing", perm: read, tag: "commerce",
			params: []parameter{orderIDParam}, status: 200, result: "OrderDetail"}),
		doc("POST", "/commerce/orders/{order_id}/submit", opSpec{id: "submitOrder", summary: "Submit a quoted order", perm: buy, tag: "commerce",
			params: []parameter{orderIDParam}, status: 200, result: "Order"}),
		doc("POST", "/commerce/orders/{order_id}/cancel", opSpec{id: "cancelOrder", summary: "Cancel a quoted, waiting or queried order", perm: buy, tag: "commerce",
			params: []parameter{orderIDParam}, body: "CancelInput", status: 200, result: "Order", description: "An order with the vendor cannot be cancelled (409)."}),
		doc("POST", "/commerce/orders/{order_id}/answer", opSpec{id: "answerOrder", summary: "Answer the vendor's query on an order", perm: buy, tag: "commerce",
			params: []parameter{orderIDParam}, body: "AnswerInput", status: 200, result: "Order"}),
		doc("POST", "/commerce/orders/{order_id}/decide", opSpec{id: "decideOrder", summary: "Record an order's outcome by hand (operations)", perm: manage, tag: "commerce",
			params: []parameter{orderIDParam}, body: "OutcomeInput", status: 200, result: "Order",
			description: "For vendors without an ordering system, or to resolve an order: state completed, failed (message: the reason) or querying (message: the question)."}),
		doc("GET", "/billing/invoices", opSpec{id: "listInvoices", summary: "Invoices", perm: read, tag: "billing",
			params: append([]parameter{statusEnumParam(marketplace.Invoices), queryParam("buyer_id", "Only this buyer's"),
				queryParam("agreement_id", "Only invoices with a statement for this agreement"), queryParam("order_id", "Only invoices that bill charges of this order"),
				queryParam("subscription_id", "Only invoices that bill charges of this subscription"), periodParam}, page...), status: 200, result: "InvoiceList"}),
		doc("POST", "/billing/invoices", opSpec{id: "issueInvoices", summary: "Issue the month's invoices from its unbilled charges", perm: manage, tag: "billing",
			body: "IssueInput", status: 200, result: "InvoiceList",
			description: "One consolidated invoice per buyer with a statement per agreement; returns go on credit memos. Issuing again bills only charges added since."}),
		doc("GET", "/billing/invoices/{invoice_id}", opSpec{id: "getInvoice", summary: "An invoice with its statements and charges, and the orders and subscriptions it bills", perm: read, tag: "billing",
			params: []parameter{invoiceIDParam}, status: 200, result: "InvoiceDetail"}),
		doc("PUT", "/billing/invoices/{invoice_id}/status", opSpec{id: "setInvoiceStatus", summary: "Mark an invoice Paid (or Overdue)", perm: manage, tag: "billing",
			params: []parameter{invoiceIDParam}, body: "InvoiceStatusInput", status: 200, result: "Invoice"}),
		doc("GET", "/billing/invoices/{invoice_id}/pdf", opSpec{id: "invoicePDF", summary: "The invoice as a PDF", perm: read, tag: "billing",
			params: []parameter{invoiceIDParam}, status: 200, result: "InvoicePDF", resultMedia: "application/pdf"}),
		doc("GET", "/billing/invoices/{invoice_id}/csv", opSpec{id: "invoiceCSV", summary: "The invoice's charges as CSV", perm: read, tag: "billing",
			params: []parameter{invoiceIDParam}, status: 200, result: "InvoiceCSV", resultMedia: "text/csv"}),
		doc("GET", "/billing/statements", opSpec{id: "listStatements", summary: "Statements: an invoice's part for one agreement, with its PO No.", perm: read, tag: "billing",
			params: append([]parameter{queryParam("invoice_id", "Only this invoice's"), queryParam("agreement_id", "Only this agreement's"),
				queryParam("buyer_id", "Only this buyer's"), periodParam}, page...), status: 200, result: "StatementList"}),
		doc("GET", "/billing/statements/{statement_id}", opSpec{id: "getStatement", summary: "A statement with its charges", perm: read, tag: "billing",
			params: []parameter{statementIDParam}, status: 200, result: "StatementDetail"}),
		doc("GET", "/billing/charges", opSpec{id: "listCharges", summary: "Charges, by the day they were billed", perm: read, tag: "billing",
			params: append([]parameter{queryParam("order_id", "Only this order's"), queryParam("subscription_id", "Only this subscription's"),
				queryParam("agreement_id", "Only this agreement's"), queryParam("statement_id", "Only those on this statement"), queryParam("buyer_id", "Only this buyer's"),
				{Name: "billed", In: "query", Description: "true: only charges on an invoice or credit memo; false: only those not yet", Schema: &schema{Type: "string", Enum: []string{"true", "false"}}},
				queryParam("period", "Only charges billed in this month (YYYY-MM): the month whose invoice takes them")}, page...),
			status: 200, result: "ChargeList"}),
		doc("GET", "/billing/credit-memos", opSpec{id: "listCreditMemos", summary: "Credit memos (returns), oldest first", perm: read, tag: "billing",
			params: append([]parameter{queryParam("order_id", "Only this order's"), queryParam("invoice_id", "Only those crediting what this invoice billed"),
				queryParam("buyer_id", "Only this buyer's"), queryParam("period", "Only those issued in this month (YYYY-MM)")}, page...),
			status: 200, result: "CreditMemoList"}),
	}, catalogAdminOperations()...)
}

func marketplaceSchemas() map[string]*schema {
	intp, boolp := &schema{Type: "integer"}, &schema{Type: "boolean"}
	nullBool := &schema{Type: []string{"boolean", "null"}}
	nullText := &schema{Type: []string{"string", "null"}}
	price := object("A unit price for one billing period of a term", props{"term": text("P1M, P1Y or P1Y-M"), "currency": currencyCode(""),
		"unit_price": decimal("")}, "term", "currency", "unit_price")
	amount := &schema{Type: "string", Pattern: `^-?[0-9]+(\.[0-9]+)?$`, Description: "Exact decimal; negative for credits"}
	history := object("A status change", props{"from": text("\"\" when created"), "to": text(""), "actor": text(""), "note": text(""), "at": timestamp()})
	charge := object("A billed amount for a subscription's service period", props{"id": text(""), "kind": text("purchase, renewal, recurring, proration or return"),
		"description": text(""), "agreement_id": text(""), "subscription_id": text(""), "order_id": text(""), "quantity": intp, "unit_price": decimal(""),
		"amount": amount, "currency": currencyCode(""), "period_start": timestamp(), "period_end": timestamp(), "billed_on": timestamp(),
		"statement_id": text("\"\" until invoiced"), "credit_memo_id": text("")})
	statementProps := props{"id": text(""), "invoice_id": text(""), "agreement_id": text(""), "buyer_id": text(""),
		"po_number": text(""), "po_printed": text("As printed: the first 16 characters and … beyond 20"), "total": amount, "currency": currencyCode(""),
		"period_start": timestamp(), "period_end": timestamp()}
	statement := object("An invoice's part for one agreement, with its charges", merge(maps.Clone(statementProps), props{"charges": {Type: "array", Items: ref("Charge")}}))
	line := object("An order line", props{"line_no": intp, "action": text("new, change or terminate"), "item_id": text(""), "subscription_id": text(""),
		"quantity": intp, "old_quantity": intp, "term": text(""), "unit_price": decimal(""), "auto_renew": nullBool, "po_number": nullText})
	lineIn := closed("An order line: an item to buy (item_id, term, quantity) or a subscription to change or terminate (subscription_id)", props{
		"item_id": text(""), "term": text("P1M, P1Y or P1Y-M"), "subscription_id": text(""), "quantity": intp, "auto_renew": boolp, "po_number": text("")})
	return map[string]*schema{
		"Vendor": object("A vendor", props{"id": text(""), "name": text(""), "program": text(""), "api_url": text(""), "api_key_set": boolp,
			"return_days": intp, "co_term": boolp, "mid_term_po": boolp, "api_connected_at": nullableTimestamp(), "created_at": timestamp()}),
		"VendorInput":    closed("A new vendor", props{"name": text(""), "program": text("general, adobe-vip or microsoft-nce")}, "name"),
		"VendorAPIInput": closed("The vendor's ordering system", props{"url": text("https://..."), "api_key": text("")}),
		"Product": object("A product", props{"id": text(""), "vendor_id": text(""), "name": text(""), "category": text(""), "description": text(""),
			"created_at": timestamp()}),
		"ProductInput": closed("A new product", props{"vendor_id": text(""), "name": text(""), "category": text(""), "description": text(""),
			"unlisted": {Type: "boolean", Description: "true: not listed for any buyer yet (by default a new product is listed for every buyer)"}}, "vendor_id", "name"),
		"Item": object("An item (SKU)", props{"id": text(""), "product_id": text(""), "name": text(""), "sku": text(""), "unit": text(""),
			"prices": {Type: "array", Items: price}, "on_sale": {Type: "boolean", Description: "false once taken off sale: it cannot be bought, running subscriptions go on"},
			"disabled_at": nullableTimestamp(), "created_at": timestamp()}),
		"ItemInput": closed("A new item", props{"product_id": text(""), "name": text(""), "sku": text(""), "unit": text("default licence"),
			"prices": {Type: "array", Items: price}}, "product_id", "name", "sku", "prices"),
		"Buyer":      object("A buyer", props{"id": text(""), "name": text(""), "currency": currencyCode(""), "address": text(""), "created_at": timestamp()}),
		"BuyerInput": closed("A new buyer", props{"name": text(""), "currency": currencyCode(""), "address": text("")}, "name", "currency"),
		"Catalog": object("The catalog", props{"vendors": {Type: "array", Items: ref("Vendor")}, "products": {Type: "array", Items: ref("Product")},
			"items": {Type: "array", Items: ref("Item")}, "buyers": {Type: "array", Items: ref("Buyer")}, "listings": {Type: "array", Items: ref("Listing")}}),
		"Agreement":          object("An agreement", agreementProps()),
		"AgreementList":      list("Agreement"),
		"AgreementDetail":    object("An agreement with everything under it", merge(agreementProps(), props{"buyer": ref("Buyer"), "product": ref("Product"), "vendor": ref("Vendor"), "subscriptions": {Type: "array", Items: ref("Subscription")}, "orders": {Type: "array", Items: ref("Order")}, "statements": {Type: "array", Items: statement}, "history": {Type: "array", Items: history}})),
		"Subscription":       object("A subscription", subscriptionProps()),
		"SubscriptionList":   list("Subscription"),
		"SubscriptionDetail": object("A subscription with its item, history and charges", merge(subscriptionProps(), props{"item": ref("Item"), "history": {Type: "array", Items: history}, "charges": {Type: "array", Items: ref("Charge")}})),
		"Order":              object("An order", orderProps(line)),
		"OrderList":          list("Order"),
		"OrderDetail": object("An order with its history, queue position and billing", merge(orderProps(line), props{"waiting_for": text("The order of the agreement with the vendor while this one waits"),
			"history": {Type: "array", Items: history}, "charges": {Type: "array", Items: ref("Charge")}, "invoices": stringList("Invoices that bill its charges"),
			"credit_memos": {Type: "array", Items: ref("CreditMemo")}})),
		"OrderInput": closed("A new order", props{"type": text("Purchase, Change or Termination"), "agreement_id": text("For Change and Termination"),
			"buyer_id": text("For Purchase"), "name": text("For Purchase: the agreement's name"), "po_number": text(""), "notes": text(""),
			"lines": {Type: "array", Items: lineIn}, "submit": boolp}, "type", "lines"),
		"PONumberInput":      closed("A purchase-order number (\"\" clears it)", props{"po_number": text("At most 64 printable characters")}, "po_number"),
		"CancelInput":        closed("Why", props{"reason": text("")}),
		"AnswerInput":        closed("The buyer's answer", props{"answer": text("")}, "answer"),
		"OutcomeInput":       closed("An outcome", props{"state": text("completed, failed or querying"), "message": text("")}, "state"),
		"IssueInput":         closed("The month to invoice", props{"month": text("YYYY-MM")}, "month"),
		"InvoiceStatusInput": closed("The new status", props{"status": text("Paid or Overdue")}, "status"),
		"Invoice":            object("A consolidated invoice", invoiceProps(amount)),
		"InvoiceList":        list("Invoice"),
		"InvoiceDetail": object("An invoice with its statements", merge(invoiceProps(amount), props{"statements": {Type: "array", Items: statement},
			"orders": stringList("Orders whose charges it bills"), "subscriptions": stringList("Subscriptions it bills"),
			"credit_memos": {Type: "array", Items: ref("CreditMemo"), Description: "Credit memos for returns of what it billed"},
			"history":      {Type: "array", Items: history, Description: "Every status change: issued, overdue, paid"}})),
		"Statement":       object("An invoice's part for one agreement", statementProps),
		"StatementList":   list("Statement"),
		"StatementDetail": statement,
		"Charge":          charge,
		"ChargeList":      list("Charge"),
		"CreditMemo": object("A credit memo", props{"id": text(""), "buyer_id": text(""), "order_id": text(""), "invoice_id": text("The invoice that billed what is returned"),
			"total": amount, "currency": currencyCode(""), "reason": text(""), "issued_at": timestamp()}),
		"CreditMemoList": list("CreditMemo"),
		"InvoicePDF":     {Type: "string", Format: "binary", Description: "PDF: buyer, dates, a table per statement with the agreement's PO No., the total due"},
		"InvoiceCSV": {Type: "string", Description: "CSV: invoice_id, statement_id, agreement_id, po_number, order_id, subscription_id, charge_id, kind, " +
			"description, quantity, unit_price, amount, currency, period_start, period_end, billed_on"},
	}
}

func agreementProps() props {
	return props{"id": text(""), "name": text(""), "status": text(""), "buyer_id": text(""), "product_id": text(""), "currency": currencyCode(""),
		"po_number": text(""), "anniversary": nullableTimestamp(), "created_at": timestamp(), "updated_at": timestamp()}
}

func subscriptionProps() props {
	return props{"id": text(""), "agreement_id": text(""), "item_id": text(""), "name": text(""), "status": text(""), "quantity": {Type: "integer"},
		"term": text(""), "unit_price": decimal(""), "currency": currencyCode(""), "auto_renew": {Type: "boolean"}, "po_number": text(""),
		"purchased_at": nullableTimestamp(), "starts_on": nullableTimestamp(), "renews_on": nullableTimestamp(), "ended_on": nullableTimestamp()}
}

func orderProps(line *schema) props {
	return props{"id": text(""), "agreement_id": text(""), "type": text(""), "status": text(""), "po_number": text(""), "notes": text(""),
		"query_message": text("The vendor's question while Querying"), "status_note": text("Why it failed or was cancelled"), "vendor_ref": text(""),
		"created_by": text(""), "submitted_at": nullableTimestamp(), "sent_at": nullableTimestamp(), "completed_at": nullableTimestamp(),
		"created_at": timestamp(), "lines": {Type: "array", Items: line}}
}

func invoiceProps(amount *schema) props {
	return props{"id": text(""), "buyer_id": text(""), "status": text("Issued, Paid or Overdue"), "total": amount, "currency": currencyCode(""),
		"period_start": timestamp(), "period_end": timestamp(), "issued_at": timestamp(), "due_on": timestamp()}
}
