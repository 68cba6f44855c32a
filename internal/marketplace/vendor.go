package marketplace

import "context"

// Outcome states a vendor reports for an order.
const (
	OutcomeProcessing = "processing"
	OutcomeCompleted  = "completed"
	OutcomeFailed     = "failed"
	OutcomeQuerying   = "querying"
)

// Outcome is where a vendor is with an order; Message is the vendor's
// reason for a failure or its question for a query.
type Outcome struct {
	State   string `json:"state"`
	Message string `json:"message,omitempty"`
}

// Request is an order as a vendor receives it.
type Request struct {
	OrderID     string        `json:"order_id"`
	AgreementID string        `json:"agreement_id"`
	Type        string        `json:"type"`
	Buyer       string        `json:"buyer"`
	PONumber    string        `json:"po_number,omitempty"`
	Notes       string        `json:"notes,omitempty"`
	Lines       []RequestLine `json:"lines"`
}

// RequestLine is one line of a Request.
type RequestLine struct {
	Action         string `json:"action"`
	SKU            string `json:"sku"`
	SubscriptionID string `json:"subscription_id"`
	Quantity       int64  `json:"quantity"`
	Term           string `json:"term"`
}

// Adapter speaks one vendor system's ordering protocol. Send must be
// idempotent by OrderID: a retried dispatch sends the same order again.
type Adapter interface {
	Send(ctx context.Context, r Request) (ref string, err error)
	Status(ctx context.Context, ref string) (Outcome, error)
	Answer(ctx context.Context, ref, answer string) error
}

// Fulfiller finds the adapter of a vendor; false means the vendor has
// none, and operations users fulfil its orders by hand.
type Fulfiller interface {
	Adapter(v Vendor) (Adapter, bool)
}

// FulfillerFunc adapts a function to Fulfiller.
type FulfillerFunc func(v Vendor) (Adapter, bool)

// Adapter calls f.
func (f FulfillerFunc) Adapter(v Vendor) (Adapter, bool) {
	if f == nil {
		return nil, false
	}
	return f(v)
}
