package marketplace

import (
	"context"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

// LineInput is one line of a new order: an item to buy (ItemID,
// Quantity, Term) or a running subscription to change (SubscriptionID
// with a new Quantity, AutoRenew or PONumber).
type LineInput struct {
	ItemID         string  `json:"item_id,omitempty"`
	Term           string  `json:"term,omitempty"`
	SubscriptionID string  `json:"subscription_id,omitempty"`
	Quantity       int64   `json:"quantity,omitempty"`
	AutoRenew      *bool   `json:"auto_renew,omitempty"`
	PONumber       *string `json:"po_number,omitempty"`
}

// OrderInput is a new order. Submit sends it for processing at once;
// otherwise it is saved as a quote to submit later.
type OrderInput struct {
	// BuyerID and Name are for purchases (the new agreement's buyer and
	// name; Name defaults to the product's).
	BuyerID  string      `json:"buyer_id,omitempty"`
	Name     string      `json:"name,omitempty"`
	PONumber string      `json:"po_number,omitempty"`
	Notes    string      `json:"notes,omitempty"`
	Lines    []LineInput `json:"lines"`
	Submit   bool        `json:"submit"`
}

// draft is an order being put together, with what it creates.
type draft struct {
	agr     Agreement
	newAgr  bool
	order   Order
	subs    []Subscription // new subscriptions (Draft)
	program Program
	buyer   Buyer // of a purchase: the product must be listed for it
}

// Purchase places a purchase order: a new agreement for the buyer with
// a Draft subscription per line.
func (s *Service) Purchase(ctx context.Context, p *auth.Principal, who audit.Actor, in OrderInput) (Order, error) {
	if err := p.Require(auth.PermMarketplacePurchase); err != nil {
		return Order{}, err
	}
	buyer, err := s.Store.GetMktBuyer(ctx, p.Org.ID, in.BuyerID)
	if err != nil {
		return Order{}, fieldNotFound("buyer_id", err)
	}
	if len(in.Lines) == 0 {
		return Order{}, domain.FieldError("lines", "a purchase needs at least one item")
	}
	d := draft{newAgr: true, agr: Agreement{OrgID: p.Org.ID, ID: NewID(PrefixAgreement), BuyerID: buyer.ID,
		Status: string(AgreementNew), Currency: buyer.Currency}, buyer: buyer}
	if d.agr.PONumber, err = CleanPO(in.PONumber); err != nil {
		return Order{}, err
	}
	if err := s.newLines(ctx, &d, in.Lines, true); err != nil {
		return Order{}, err
	}
	d.agr.Name = strings.TrimSpace(in.Name)
	if d.agr.Name == "" {
		pr, err := s.Store.GetMktProduct(ctx, p.Org.ID, d.agr.ProductID)
		if err != nil {
			return Order{}, err
		}
		d.agr.Name = pr.Name + " for " + buyer.Name
	}
	return s.place(ctx, p, who, &d, OrderPurchase, in)
}

// Change places a change order on an agreement: new quantities,
// auto-renewal or PO numbers of its subscriptions, and new items.
func (s *Service) Change(ctx context.Context, p *auth.Principal, who audit.Actor, agreementID string, in OrderInput) (Order, error) {
	d, err := s.onAgreement(ctx, p, agreementID, in)
	if err != nil {
		return Order{}, err
	}
	var buy []LineInput
	for i, l := range in.Lines {
		if l.SubscriptionID == "" {
			buy = append(buy, l)
			continue
		}
		if err := s.changeLine(ctx, &d, i, l); err != nil {
			return Order{}, err
		}
	}
	if err := s.newLines(ctx, &d, buy, false); err != nil {
		return Order{}, err
	}
	return s.place(ctx, p, who, &d, OrderChange, in)
}

// Terminate places a termination order for subscriptions of an
// agreement (each line names one).
func (s *Service) Terminate(ctx context.Context, p *auth.Principal, who audit.Actor, agreementID string, in OrderInput) (Order, error) {
	d, err := s.onAgreement(ctx, p, agreementID, in)
	if err != nil {
		return Order{}, err
	}
	seen := map[string]bool{}
	for i, l := range in.Lines {
		sub, err := s.runningSub(ctx, &d, i, l.SubscriptionID)
		if err != nil {
			return Order{}, err
		}
		if seen[sub.ID] {
			return Order{}, domain.FieldError("lines", "line %d repeats subscription %s", i+1, sub.ID)
		}
		seen[sub.ID] = true
		if err := PolicyOf(d.program).CheckReduction(sub.ID, deref(sub.PurchasedAt), s.now(), deref(sub.RenewsOn), true); err != nil {
			return Order{}, err
		}
		d.order.Lines = append(d.order.Lines, OrderLine{Action: ActionTerminate, ItemID: sub.ItemID, SubscriptionID: sub.ID,
			Quantity: 0, OldQuantity: sub.Quantity, Term: sub.Term, UnitPrice: sub.UnitPrice})
	}
	return s.place(ctx, p, who, &d, OrderTermination, in)
}

// onAgreement starts an order on an existing agreement: it must be
// running (Active or Updating) and the order must have lines.
func (s *Service) onAgreement(ctx context.Context, p *auth.Principal, agreementID string, in OrderInput) (draft, error) {
	if err := p.Require(auth.PermMarketplacePurchase); err != nil {
		return draft{}, err
	}
	agr, err := s.Store.GetMktAgreement(ctx, p.Org.ID, agreementID, false)
	if err != nil {
		return draft{}, err
	}
	if st := AgreementStatus(agr.Status); st != AgreementActive && st != AgreementUpdating {
		return draft{}, domain.Errorf(domain.CodeConflict, "agreement %s is %s: orders can change only an Active agreement", agr.ID, st)
	}
	if len(in.Lines) == 0 {
		return draft{}, domain.FieldError("lines", "the order has no lines")
	}
	prog, err := s.programOf(ctx, p.Org.ID, agr.ProductID)
	return draft{agr: agr, program: prog}, err
}

func (s *Service) programOf(ctx context.Context, orgID, productID string) (Program, error) {
	pr, err := s.Store.GetMktProduct(ctx, orgID, productID)
	if err != nil {
		return "", err
	}
	v, err := s.Store.GetMktVendor(ctx, orgID, pr.VendorID)
	return Program(v.Program), err
}

// newLines adds a line and a Draft subscription per item bought; every
// item must be of one product (the agreement's) and priced in the
// agreement's currency for the term.
func (s *Service) newLines(ctx context.Context, d *draft, lines []LineInput, purchase bool) error {
	for i, l := range lines {
		it, err := s.Store.GetMktItem(ctx, d.agr.OrgID, l.ItemID)
		if err != nil {
			return domain.FieldError("lines", "line %d: %s", i+1, domain.ErrorMessage(err))
		}
		if err := checkOnSale(i, it); err != nil {
			return err
		}
		if d.agr.ProductID == "" {
			d.agr.ProductID = it.ProductID
			if d.program, err = s.programOf(ctx, d.agr.OrgID, it.ProductID); err != nil {
				return err
			}
			if purchase {
				if why, err := notListed(ctx, &s.Store.Queries, d.agr.OrgID, it.ProductID, d.buyer); err != nil || why != "" {
					return orField(err, "lines", "line %d: %s", i+1, why)
				}
			}
		}
		if it.ProductID != d.agr.ProductID {
			return domain.FieldError("lines", "line %d: %s belongs to another product; an agreement covers one product, so order it separately", i+1, it.Name)
		}
		if l.Quantity < 1 || l.Quantity > 1_000_000 {
			return domain.FieldError("lines", "line %d: the quantity must be between 1 and 1000000", i+1)
		}
		price, err := priceOf(it, l.Term, d.agr.Currency)
		if err != nil {
			return domain.FieldError("lines", "line %d: %s", i+1, domain.ErrorMessage(err))
		}
		sub := Subscription{OrgID: d.agr.OrgID, ID: NewID(PrefixSubscription), AgreementID: d.agr.ID, ItemID: it.ID, Name: it.Name,
			Status: string(SubscriptionDraft), Quantity: l.Quantity, Term: l.Term, UnitPrice: price, Currency: d.agr.Currency,
			AutoRenew: l.AutoRenew == nil || *l.AutoRenew}
		if l.PONumber != nil {
			if sub.PONumber, err = CleanPO(*l.PONumber); err != nil {
				return err
			}
		}
		d.subs = append(d.subs, sub)
		d.order.Lines = append(d.order.Lines, OrderLine{Action: ActionNew, ItemID: it.ID, SubscriptionID: sub.ID,
			Quantity: l.Quantity, Term: l.Term, UnitPrice: price})
	}
	return nil
}

// priceOf is the item's unit price for a term in a currency.
func priceOf(it Item, term, currency string) (string, error) {
	if _, err := ParseTerm(term); err != nil {
		return "", err
	}
	for _, p := range it.Prices {
		if p.Term == term && p.Currency == currency {
			return p.UnitPrice, nil
		}
	}
	return "", domain.FieldError("term", "%s has no %s price in %s", it.Name, Term(term).Label(), currency)
}

// changeLine adds the i-th line of a change order for a running
// subscription.
func (s *Service) changeLine(ctx context.Context, d *draft, i int, l LineInput) error {
	sub, err := s.runningSub(ctx, d, i, l.SubscriptionID)
	if err != nil {
		return err
	}
	line := OrderLine{Action: ActionChange, ItemID: sub.ItemID, SubscriptionID: sub.ID, Quantity: sub.Quantity,
		OldQuantity: sub.Quantity, Term: sub.Term, UnitPrice: sub.UnitPrice, AutoRenew: l.AutoRenew}
	if l.Quantity != 0 {
		if l.Quantity < 1 || l.Quantity > 1_000_000 {
			return domain.FieldError("lines", "line %d: the quantity must be between 1 and 1000000 (terminate to end a subscription)", i+1)
		}
		line.Quantity = l.Quantity
	}
	if line.Quantity < sub.Quantity {
		if err := PolicyOf(d.program).CheckReduction(sub.ID, deref(sub.PurchasedAt), s.now(), deref(sub.RenewsOn), false); err != nil {
			return err
		}
	}
	if l.PONumber != nil {
		po, err := CleanPO(*l.PONumber)
		if err != nil {
			return err
		}
		if po != sub.PONumber {
			if err := PolicyOf(d.program).CheckPOChange(sub.ID, SubscriptionStatus(sub.Status)); err != nil {
				return err
			}
		}
		line.PONumber = &po
	}
	if line.Quantity == sub.Quantity && line.PONumber == nil && (line.AutoRenew == nil || *line.AutoRenew == sub.AutoRenew) {
		return domain.FieldError("lines", "line %d changes nothing on %s", i+1, sub.ID)
	}
	d.order.Lines = append(d.order.Lines, line)
	return nil
}

// runningSub is the Active subscription a line names, under the draft's
// agreement and in no other open order.
func (s *Service) runningSub(ctx context.Context, d *draft, i int, id string) (Subscription, error) {
	sub, err := s.Store.GetMktSubscription(ctx, d.agr.OrgID, id, false)
	if err != nil || sub.AgreementID != d.agr.ID {
		return sub, domain.FieldError("lines", "line %d: subscription %q is not part of agreement %s", i+1, id, d.agr.ID)
	}
	if o, err := s.Store.MktOpenOrderFor(ctx, d.agr.OrgID, d.agr.ID, sub.ID); err != nil || o != "" {
		if err == nil {
			err = domain.Errorf(domain.CodeConflict, "line %d: subscription %s is already in open order %s; wait for it to finish or cancel it", i+1, sub.ID, o)
		}
		return sub, err
	}
	if sub.Status != string(SubscriptionActive) {
		return sub, domain.Errorf(domain.CodeConflict, "line %d: subscription %s is %s; only an Active subscription can be changed or terminated", i+1, sub.ID, sub.Status)
	}
	return sub, nil
}
