// Package marketplace is the software a company buys through Canopy:
// the catalog (vendors, products, items with prices), agreements, the
// subscriptions under them, the orders that change them, and the
// charges, statements, invoices and credit memos that bill them. The
// vocabulary follows SoftwareOne's Marketplace Platform where it fits.
//
// Every status change of an agreement, subscription, order or invoice
// goes through its Machine in this file: the one place that says which
// transitions exist, so the store, the services, the UI and the API
// cannot disagree about them.
package marketplace

import (
	"fmt"
	"slices"

	"github.com/canopyhq/canopy/internal/domain"
)

// AgreementStatus is an agreement's lifecycle state.
type AgreementStatus string

// Agreement statuses.
const (
	AgreementNew          AgreementStatus = "New"          // created with its first order
	AgreementDraft        AgreementStatus = "Draft"        // its purchase order was saved for later
	AgreementProvisioning AgreementStatus = "Provisioning" // its purchase order is with the vendor
	AgreementActive       AgreementStatus = "Active"       // at least one subscription runs, no order open
	AgreementUpdating     AgreementStatus = "Updating"     // a change or termination order is open
	AgreementTerminated   AgreementStatus = "Terminated"   // no subscription runs any more; for good
	AgreementFailed       AgreementStatus = "Failed"       // the purchase order failed
	AgreementDeleted      AgreementStatus = "Deleted"      // the draft purchase order was deleted
)

// SubscriptionStatus is a subscription's lifecycle state.
type SubscriptionStatus string

// Subscription statuses.
const (
	SubscriptionDraft       SubscriptionStatus = "Draft"       // its purchase order is not completed yet
	SubscriptionActive      SubscriptionStatus = "Active"      // in use and billed
	SubscriptionUpdating    SubscriptionStatus = "Updating"    // a change order is open
	SubscriptionTerminating SubscriptionStatus = "Terminating" // a termination order is open
	SubscriptionTerminated  SubscriptionStatus = "Terminated"  // the termination order completed
	SubscriptionExpired     SubscriptionStatus = "Expired"     // its term ended without renewal
	SubscriptionDeleted     SubscriptionStatus = "Deleted"     // its purchase order failed or was deleted
)

// OrderStatus is an order's lifecycle state.
type OrderStatus string

// Order statuses.
const (
	OrderDraft      OrderStatus = "Draft"      // being put together
	OrderQuoted     OrderStatus = "Quoted"     // saved for later, with its price
	OrderProcessing OrderStatus = "Processing" // submitted: with the vendor, or waiting its turn
	OrderQuerying   OrderStatus = "Querying"   // the vendor needs information from the buyer
	OrderCompleted  OrderStatus = "Completed"  // fulfilled by the vendor
	OrderFailed     OrderStatus = "Failed"     // refused by the vendor or cancelled
)

// InvoiceStatus is an invoice's settlement state.
type InvoiceStatus string

// Invoice statuses.
const (
	InvoiceIssued  InvoiceStatus = "Issued"
	InvoicePaid    InvoiceStatus = "Paid"
	InvoiceOverdue InvoiceStatus = "Overdue"
)

// Machine is the set of allowed transitions of one kind of object, with
// the reason a person reads when a transition is refused.
type Machine[S ~string] struct {
	object string
	edges  map[S][]S
	// final states never change again; why says so in words.
	final map[S]string
}

// All is every state of the machine, in a stable order.
func (m Machine[S]) All() []S {
	var out []S
	for s := range m.edges {
		out = append(out, s)
	}
	for s := range m.final {
		if !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	slices.Sort(out)
	return out
}

// Valid reports whether s is a state of the machine.
func (m Machine[S]) Valid(s S) bool {
	_, edge := m.edges[s]
	_, fin := m.final[s]
	return edge || fin
}

// Next lists the states s may move to.
func (m Machine[S]) Next(s S) []S { return slices.Clone(m.edges[s]) }

// Can reports whether from may move to to.
func (m Machine[S]) Can(from, to S) bool { return slices.Contains(m.edges[from], to) }

// Check returns nil when from may move to to, else a conflict error that
// names the object, both states and, for a final state, why it is final.
func (m Machine[S]) Check(id string, from, to S) error {
	if !m.Valid(to) {
		return domain.FieldError("status", "%q is not a status of %s", to, plural(m.object))
	}
	if m.Can(from, to) {
		return nil
	}
	name := m.object
	if id != "" {
		name += " " + id
	}
	if why, ok := m.final[from]; ok {
		return domain.Errorf(domain.CodeConflict, "%s is %s and cannot become %s: %s", name, from, to, why)
	}
	return domain.Errorf(domain.CodeConflict, "%s is %s and cannot become %s (from %s it can become %s)",
		name, from, to, from, list(m.edges[from]))
}

func plural(object string) string { return object + "s" }

func list[S ~string](ss []S) string {
	if len(ss) == 0 {
		return "nothing else"
	}
	out := ""
	for i, s := range ss {
		switch {
		case i == 0:
		case i == len(ss)-1:
			out += " or "
		default:
			out += ", "
		}
		out += string(s)
	}
	return out
}

// Agreements is the agreement state machine. Terminated is final: an
// agreement ends when its last subscription is terminated or expires,
// and a new purchase makes a new agreement.
var Agreements = Machine[AgreementStatus]{
	object: "agreement",
	edges: map[AgreementStatus][]AgreementStatus{
		AgreementNew:          {AgreementDraft, AgreementProvisioning},
		AgreementDraft:        {AgreementProvisioning, AgreementDeleted},
		AgreementProvisioning: {AgreementActive, AgreementFailed},
		AgreementActive:       {AgreementUpdating, AgreementTerminated},
		AgreementUpdating:     {AgreementActive, AgreementTerminated},
	},
	final: map[AgreementStatus]string{
		AgreementTerminated: "a terminated agreement cannot be reactivated; buy again to start a new agreement",
		AgreementFailed:     "its purchase order failed; place a new purchase order",
		AgreementDeleted:    "its draft purchase order was deleted",
	},
}

// Subscriptions is the subscription state machine. A subscription is
// never edited directly: every move comes from an order (or from its
// term ending).
var Subscriptions = Machine[SubscriptionStatus]{
	object: "subscription",
	edges: map[SubscriptionStatus][]SubscriptionStatus{
		SubscriptionDraft:       {SubscriptionActive, SubscriptionDeleted},
		SubscriptionActive:      {SubscriptionUpdating, SubscriptionTerminating, SubscriptionExpired},
		SubscriptionUpdating:    {SubscriptionActive},
		SubscriptionTerminating: {SubscriptionTerminated, SubscriptionActive},
	},
	final: map[SubscriptionStatus]string{
		SubscriptionTerminated: "a terminated subscription cannot be changed; buy the item again",
		SubscriptionExpired:    "its term ended; buy the item again",
		SubscriptionDeleted:    "its purchase never completed",
	},
}

// Orders is the order state machine.
var Orders = Machine[OrderStatus]{
	object: "order",
	edges: map[OrderStatus][]OrderStatus{
		OrderDraft:      {OrderQuoted, OrderProcessing},
		OrderQuoted:     {OrderProcessing, OrderFailed},
		OrderProcessing: {OrderQuerying, OrderCompleted, OrderFailed},
		OrderQuerying:   {OrderProcessing, OrderFailed},
	},
	final: map[OrderStatus]string{
		OrderCompleted: "a completed order cannot change; place a new order",
		OrderFailed:    "a failed order cannot change; place a new order",
	},
}

// Invoices is the invoice state machine (credit memos, not edits,
// correct an issued invoice).
var Invoices = Machine[InvoiceStatus]{
	object: "invoice",
	edges: map[InvoiceStatus][]InvoiceStatus{
		InvoiceIssued:  {InvoicePaid, InvoiceOverdue},
		InvoiceOverdue: {InvoicePaid},
	},
	final: map[InvoiceStatus]string{
		InvoicePaid: "a paid invoice is settled; returns are credited with a credit memo",
	},
}

// String describes the machine for docs and tests.
func (m Machine[S]) String() string {
	out := m.object + ":"
	for _, s := range m.All() {
		out += fmt.Sprintf(" %s→[%s]", s, list(m.edges[s]))
	}
	return out
}
