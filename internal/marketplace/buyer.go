package marketplace

import (
	"context"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// AnswerQuery gives the vendor the information it asked for: the order
// goes back to Processing and the answer to the vendor.
func (s *Service) AnswerQuery(ctx context.Context, p *auth.Principal, who audit.Actor, orderID, answer string) (Order, error) {
	if err := p.Require(auth.PermMarketplacePurchase); err != nil {
		return Order{}, err
	}
	answer = strings.TrimSpace(answer)
	if answer == "" || len(answer) > 2000 {
		return Order{}, domain.FieldError("answer", "the answer is required (at most 2000 characters)")
	}
	var v Vendor
	o, err := s.onLockedOrder(ctx, p, who, orderID, "answer", func(tx *store.Tx, o *Order, agr Agreement) error {
		if err := changeStatus(ctx, tx, Orders, o.OrgID, store.MktOrderObj, o.ID, OrderStatus(o.Status), OrderProcessing, actorName(who), answer); err != nil {
			return err
		}
		o.Status = string(OrderProcessing)
		if err := tx.UpdateMktOrder(ctx, *o); err != nil {
			return err
		}
		var err error
		v, err = s.vendorOf(ctx, &tx.Queries, agr)
		return err
	})
	if err != nil {
		return Order{}, err
	}
	if ad, ok := s.Vendors.Adapter(v); ok && o.VendorRef != "" {
		if err := ad.Answer(ctx, o.VendorRef, answer); err != nil {
			return o, domain.Errorf(domain.CodeConflict, "the answer is saved, but %s did not take it: %v; try again", v.Name, err)
		}
	}
	if s.Poller != nil {
		return o, s.Poller(ctx, o.OrgID, o.ID)
	}
	return o, nil
}

// Cancel withdraws a quoted order, a submitted one still waiting its
// turn, or a queried one (the buyer will not answer).
func (s *Service) Cancel(ctx context.Context, p *auth.Principal, who audit.Actor, orderID, reason string) (Order, error) {
	if err := p.Require(auth.PermMarketplacePurchase); err != nil {
		return Order{}, err
	}
	o, err := s.onLockedOrder(ctx, p, who, orderID, "cancel", func(tx *store.Tx, o *Order, agr Agreement) error {
		if o.Status == string(OrderProcessing) && o.SentAt != nil {
			return domain.Errorf(domain.CodeConflict, "order %s is with the vendor and can no longer be cancelled; wait for its outcome", o.ID)
		}
		return s.failTx(ctx, tx, agr, o, actorName(who), "cancelled: "+firstNonEmpty(strings.TrimSpace(reason), "no reason given"))
	})
	if err != nil {
		return Order{}, err
	}
	return o, s.dispatchLater(ctx, &o)
}

// onLockedOrder runs change on an order with its agreement locked, in
// one transaction, and audits it as marketplace.order.<action>.
func (s *Service) onLockedOrder(ctx context.Context, p *auth.Principal, who audit.Actor, orderID, action string,
	change func(tx *store.Tx, o *Order, agr Agreement) error) (Order, error) {
	var o Order
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var agr Agreement
		var err error
		if o, agr, err = s.lockOrder(ctx, tx, p.Org.ID, orderID); err != nil {
			return err
		}
		return change(tx, &o, agr)
	})
	if err != nil {
		return Order{}, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: o.OrgID, Action: "marketplace.order." + action, TargetType: "order", TargetID: o.ID})
	return o, nil
}

// SetAgreementPO sets the agreement's recurring purchase-order number,
// printed on every consolidated invoice.
func (s *Service) SetAgreementPO(ctx context.Context, p *auth.Principal, who audit.Actor, id, po string) (Agreement, error) {
	if err := p.Require(auth.PermMarketplacePurchase); err != nil {
		return Agreement{}, err
	}
	po, err := CleanPO(po)
	if err != nil {
		return Agreement{}, err
	}
	var agr Agreement
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if agr, err = tx.GetMktAgreement(ctx, p.Org.ID, id, true); err != nil {
			return err
		}
		old := agr.PONumber
		agr.PONumber = po
		if err := tx.UpdateMktAgreement(ctx, agr); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.agreement.po", TargetType: "agreement",
			TargetID: id, Details: map[string]any{"from": old, "to": po}})
	})
	return agr, err
}

// SetSubscriptionPO changes a subscription's purchase-order number: in
// its term only where the programme allows it (Adobe VIP Marketplace).
func (s *Service) SetSubscriptionPO(ctx context.Context, p *auth.Principal, who audit.Actor, id, po string) (Subscription, error) {
	if err := p.Require(auth.PermMarketplacePurchase); err != nil {
		return Subscription{}, err
	}
	po, err := CleanPO(po)
	if err != nil {
		return Subscription{}, err
	}
	var sub Subscription
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if sub, err = tx.GetMktSubscription(ctx, p.Org.ID, id, true); err != nil {
			return err
		}
		agr, err := tx.GetMktAgreement(ctx, p.Org.ID, sub.AgreementID, true)
		if err != nil {
			return err
		}
		prog, err := s.programOf(ctx, p.Org.ID, agr.ProductID)
		if err != nil {
			return err
		}
		if err := PolicyOf(prog).CheckPOChange(sub.ID, SubscriptionStatus(sub.Status)); err != nil {
			return err
		}
		old := sub.PONumber
		sub.PONumber = po
		if err := tx.UpdateMktSubscription(ctx, sub); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.subscription.po", TargetType: "subscription",
			TargetID: id, Details: map[string]any{"from": old, "to": po}})
	})
	return sub, err
}
