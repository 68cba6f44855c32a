package marketplace

import (
	"context"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/store"
)

// Filters of the lists (the store's).
type (
	AgreementFilter    = store.MktAgreementFilter
	SubscriptionFilter = store.MktSubscriptionFilter
	OrderFilter        = store.MktOrderFilter
	InvoiceFilter      = store.MktInvoiceFilter
	ChargeFilter       = store.MktChargeFilter
	StatementFilter    = store.MktStatementFilter
	CreditMemoFilter   = store.MktCreditMemoFilter
)

// Page is one page of a list and the cursor of the next ("" at the end).
type Page[T any] struct {
	Items []T
	Next  string
}

func pageOf[T any](items []T, limit int, id func(T) string) Page[T] {
	p := Page[T]{Items: items}
	if limit > 0 && len(items) == limit {
		p.Next = id(items[len(items)-1])
	}
	return p
}

// Agreements lists agreements (marketplace.read).
func (s *Service) Agreements(ctx context.Context, p *auth.Principal, f AgreementFilter) (Page[Agreement], error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return Page[Agreement]{}, err
	}
	f.Limit = limitOf(f.Limit)
	list, err := s.Store.ListMktAgreements(ctx, p.Org.ID, f)
	return pageOf(list, f.Limit, func(a Agreement) string { return a.ID }), err
}

// AgreementDetail is an agreement with everything under it.
type AgreementDetail struct {
	Agreement     Agreement
	Buyer         Buyer
	Product       Product
	Vendor        Vendor
	Subscriptions []Subscription
	Orders        []Order
	Statements    []Statement
	History       []StatusChange
}

// Agreement returns an agreement with its subscriptions, orders,
// statements and status history.
func (s *Service) Agreement(ctx context.Context, p *auth.Principal, id string) (AgreementDetail, error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return AgreementDetail{}, err
	}
	var d AgreementDetail
	var err error
	org := p.Org.ID
	if d.Agreement, err = s.Store.GetMktAgreement(ctx, org, id, false); err != nil {
		return d, err
	}
	if d.Buyer, err = s.Store.GetMktBuyer(ctx, org, d.Agreement.BuyerID); err != nil {
		return d, err
	}
	if d.Product, err = s.Store.GetMktProduct(ctx, org, d.Agreement.ProductID); err != nil {
		return d, err
	}
	if d.Vendor, err = s.Store.GetMktVendor(ctx, org, d.Product.VendorID); err != nil {
		return d, err
	}
	if d.Subscriptions, err = s.Store.ListMktSubscriptions(ctx, org, SubscriptionFilter{AgreementID: id, Limit: 500}); err != nil {
		return d, err
	}
	if d.Orders, err = s.Store.ListMktOrders(ctx, org, OrderFilter{AgreementID: id, Limit: 500}); err != nil {
		return d, err
	}
	if d.Statements, err = s.Store.MktStatements(ctx, org, "", id); err != nil {
		return d, err
	}
	d.History, err = s.Store.MktHistory(ctx, org, id)
	return d, err
}

// Subscriptions lists subscriptions.
func (s *Service) Subscriptions(ctx context.Context, p *auth.Principal, f SubscriptionFilter) (Page[Subscription], error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return Page[Subscription]{}, err
	}
	f.Limit, f.RenewsBy = limitOf(f.Limit), nil
	list, err := s.Store.ListMktSubscriptions(ctx, p.Org.ID, f)
	return pageOf(list, f.Limit, func(x Subscription) string { return x.ID }), err
}

// SubscriptionDetail is a subscription with its history and charges.
type SubscriptionDetail struct {
	Subscription Subscription
	Item         Item
	History      []StatusChange
	Charges      []Charge
}

// Subscription returns one subscription with its history and charges.
func (s *Service) Subscription(ctx context.Context, p *auth.Principal, id string) (SubscriptionDetail, error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return SubscriptionDetail{}, err
	}
	var d SubscriptionDetail
	var err error
	if d.Subscription, err = s.Store.GetMktSubscription(ctx, p.Org.ID, id, false); err != nil {
		return d, err
	}
	if d.Item, err = s.Store.GetMktItem(ctx, p.Org.ID, d.Subscription.ItemID); err != nil {
		return d, err
	}
	if d.History, err = s.Store.MktHistory(ctx, p.Org.ID, id); err != nil {
		return d, err
	}
	d.Charges, err = s.Store.ListMktCharges(ctx, p.Org.ID, ChargeFilter{SubscriptionID: id})
	return d, err
}

// Orders lists orders (without their lines).
func (s *Service) Orders(ctx context.Context, p *auth.Principal, f OrderFilter) (Page[Order], error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return Page[Order]{}, err
	}
	f.Limit = limitOf(f.Limit)
	list, err := s.Store.ListMktOrders(ctx, p.Org.ID, f)
	return pageOf(list, f.Limit, func(o Order) string { return o.ID }), err
}

// OrderDetail is an order with its lines, history, place in its
// agreement's queue and billing.
type OrderDetail struct {
	Order     Order
	Agreement Agreement
	History   []StatusChange
	// WaitingFor is the order of the agreement with the vendor while
	// this one waits its turn ("" otherwise).
	WaitingFor string
	Billing    OrderBilling
}

// Order returns one order with its lines, history and billing.
func (s *Service) Order(ctx context.Context, p *auth.Principal, id string) (OrderDetail, error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return OrderDetail{}, err
	}
	var d OrderDetail
	var err error
	if d.Order, err = s.Store.GetMktOrder(ctx, p.Org.ID, id, false); err != nil {
		return d, err
	}
	if d.Agreement, err = s.Store.GetMktAgreement(ctx, p.Org.ID, d.Order.AgreementID, false); err != nil {
		return d, err
	}
	if d.History, err = s.Store.MktHistory(ctx, p.Org.ID, id); err != nil {
		return d, err
	}
	if d.Order.Status == string(OrderProcessing) && d.Order.SentAt == nil {
		q, err := s.Store.MktOrderQueue(ctx, p.Org.ID, d.Order.AgreementID)
		if err != nil {
			return d, err
		}
		if len(q) > 0 && q[0].ID != id {
			d.WaitingFor = q[0].ID
		}
	}
	d.Billing, err = s.OrderBilling(ctx, p, id)
	return d, err
}

// Invoices lists invoices.
func (s *Service) Invoices(ctx context.Context, p *auth.Principal, f InvoiceFilter) (Page[Invoice], error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return Page[Invoice]{}, err
	}
	f.Limit = limitOf(f.Limit)
	list, err := s.Store.ListMktInvoices(ctx, p.Org.ID, f)
	return pageOf(list, f.Limit, func(i Invoice) string { return i.ID }), err
}

// Charges lists a page of charges, by billed day.
func (s *Service) Charges(ctx context.Context, p *auth.Principal, f ChargeFilter) (Page[Charge], error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return Page[Charge]{}, err
	}
	f.ForUpdate, f.OpenAt, f.Limit = false, nil, limitOf(f.Limit)
	list, err := s.Store.ListMktCharges(ctx, p.Org.ID, f)
	return pageOf(list, f.Limit, func(c Charge) string { return c.ID }), err
}

// CreditMemos lists a page of credit memos, oldest first.
func (s *Service) CreditMemos(ctx context.Context, p *auth.Principal, f CreditMemoFilter) (Page[CreditMemo], error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return Page[CreditMemo]{}, err
	}
	f.Limit = limitOf(f.Limit)
	list, err := s.Store.ListMktCreditMemos(ctx, p.Org.ID, f)
	return pageOf(list, f.Limit, func(m CreditMemo) string { return m.ID }), err
}

func limitOf(n int) int {
	if n <= 0 || n > 500 {
		return 50
	}
	return n
}
