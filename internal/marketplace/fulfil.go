package marketplace

import (
	"context"
	"fmt"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// resendAfter is how old a claim on an order without a vendor reference
// must be before another dispatcher sends it again: younger, its send
// may still be under way.
const resendAfter = time.Minute

// vendorActor names the vendor's adapter in status histories.
const vendorActor = "vendor"

// DispatchAgreement sends the agreement's next order to its vendor when
// none is with the vendor: only one order per agreement is processed at
// a time, the others wait in submission order. Sending is claimed in a
// transaction that locks the agreement, so two dispatchers never send
// two orders of one agreement; a claimed order whose send failed is
// sent again (adapters are idempotent by order ID).
func (s *Service) DispatchAgreement(ctx context.Context, orgID, agreementID string) error {
	var head *Order
	var vendor Vendor
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		agr, err := tx.GetMktAgreement(ctx, orgID, agreementID, true)
		if err != nil {
			return err
		}
		queue, err := tx.MktOrderQueue(ctx, orgID, agreementID)
		if err != nil || len(queue) == 0 {
			return err
		}
		o, err := tx.GetMktOrder(ctx, orgID, queue[0].ID, true)
		if err != nil {
			return err
		}
		if vendor, err = s.vendorOf(ctx, &tx.Queries, agr); err != nil {
			return err
		}
		if o.SentAt != nil {
			if o.VendorRef == "" && o.Status == string(OrderProcessing) && s.now().Sub(*o.SentAt) > resendAfter {
				head = &o // claimed, but the send did not get through
			}
			return nil
		}
		if err := s.start(ctx, tx, agr, &o, Program(vendor.Program)); err != nil {
			return err
		}
		head = &o
		return nil
	})
	if err != nil || head == nil || head.Status != string(OrderProcessing) {
		return err
	}
	return s.send(ctx, vendor, *head)
}

// vendorOf is the vendor of the agreement's product, read through q (the
// store or a transaction).
func (s *Service) vendorOf(ctx context.Context, q *store.Queries, agr Agreement) (Vendor, error) {
	pr, err := q.GetMktProduct(ctx, agr.OrgID, agr.ProductID)
	if err != nil {
		return Vendor{}, err
	}
	return q.GetMktVendor(ctx, agr.OrgID, pr.VendorID)
}

// start claims the order for the vendor and moves what it changes into
// its processing states (agreement Updating, subscriptions Updating or
// Terminating). A reduction whose return window closed while the order
// waited fails the order instead.
func (s *Service) start(ctx context.Context, tx *store.Tx, agr Agreement, o *Order, prog Program) error {
	now := s.now()
	if err := s.recheck(ctx, tx, o, prog, now); err != nil {
		return s.failTx(ctx, tx, agr, o, "system", domain.ErrorMessage(err))
	}
	o.SentAt = &now
	if err := tx.UpdateMktOrder(ctx, *o); err != nil {
		return err
	}
	if o.Type == OrderPurchase {
		return nil
	}
	if AgreementStatus(agr.Status) == AgreementActive {
		if err := changeStatus(ctx, tx, Agreements, agr.OrgID, store.MktAgreementObj, agr.ID, AgreementActive, AgreementUpdating, "system", "order "+o.ID+" is with the vendor"); err != nil {
			return err
		}
	}
	for _, l := range o.Lines {
		to := map[string]SubscriptionStatus{ActionChange: SubscriptionUpdating, ActionTerminate: SubscriptionTerminating}[l.Action]
		if to == "" {
			continue
		}
		if err := changeStatus(ctx, tx, Subscriptions, o.OrgID, store.MktSubscriptionObj, l.SubscriptionID, SubscriptionActive, to, "system", "order "+o.ID); err != nil {
			return err
		}
	}
	return nil
}

// recheck applies the programme's reduction rules again when the order
// reaches the vendor.
func (s *Service) recheck(ctx context.Context, tx *store.Tx, o *Order, prog Program, now time.Time) error {
	for _, l := range o.Lines {
		if l.Action == ActionNew || (l.Action == ActionChange && l.Quantity >= l.OldQuantity) {
			continue
		}
		sub, err := tx.GetMktSubscription(ctx, o.OrgID, l.SubscriptionID, true)
		if err != nil {
			return err
		}
		if err := PolicyOf(prog).CheckReduction(sub.ID, deref(sub.PurchasedAt), now, deref(sub.RenewsOn), l.Action == ActionTerminate); err != nil {
			return err
		}
	}
	return nil
}

// send hands the order to the vendor's adapter (none: operations
// fulfil it by hand) and stores the vendor's reference.
func (s *Service) send(ctx context.Context, v Vendor, o Order) error {
	ad, ok := s.Vendors.Adapter(v)
	if !ok {
		return nil
	}
	req, err := s.request(ctx, o)
	if err != nil {
		return err
	}
	ref, err := ad.Send(ctx, req)
	if err != nil {
		return fmt.Errorf("send order %s to %s: %w", o.ID, v.Name, err)
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		cur, err := tx.GetMktOrder(ctx, o.OrgID, o.ID, true)
		if err != nil || cur.VendorRef != "" {
			return err
		}
		cur.VendorRef = ref
		return tx.UpdateMktOrder(ctx, cur)
	})
}

func (s *Service) request(ctx context.Context, o Order) (Request, error) {
	agr, err := s.Store.GetMktAgreement(ctx, o.OrgID, o.AgreementID, false)
	if err != nil {
		return Request{}, err
	}
	b, err := s.Store.GetMktBuyer(ctx, o.OrgID, agr.BuyerID)
	if err != nil {
		return Request{}, err
	}
	r := Request{OrderID: o.ID, AgreementID: agr.ID, Type: o.Type, Buyer: b.Name, PONumber: firstNonEmpty(o.PONumber, agr.PONumber), Notes: o.Notes}
	for _, l := range o.Lines {
		it, err := s.Store.GetMktItem(ctx, o.OrgID, l.ItemID)
		if err != nil {
			return Request{}, err
		}
		r.Lines = append(r.Lines, RequestLine{Action: l.Action, SKU: it.SKU, SubscriptionID: l.SubscriptionID, Quantity: l.Quantity, Term: l.Term})
	}
	return r, nil
}

func firstNonEmpty(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// Poll asks the vendor where an order is and applies the answer; done
// reports that the order no longer needs polling.
func (s *Service) Poll(ctx context.Context, orgID, orderID string) (done bool, err error) {
	o, err := s.Store.GetMktOrder(ctx, orgID, orderID, false)
	if err != nil {
		return true, err
	}
	if o.Status == string(OrderCompleted) || o.Status == string(OrderFailed) {
		return true, nil
	}
	if o.Status == string(OrderQuerying) {
		return true, nil // waiting for the buyer; AnswerQuery polls again
	}
	if o.VendorRef == "" {
		return false, nil // not sent yet
	}
	agr, err := s.Store.GetMktAgreement(ctx, orgID, o.AgreementID, false)
	if err != nil {
		return true, err
	}
	v, err := s.vendorOf(ctx, &s.Store.Queries, agr)
	if err != nil {
		return true, err
	}
	ad, ok := s.Vendors.Adapter(v)
	if !ok {
		return true, nil
	}
	out, err := ad.Status(ctx, o.VendorRef)
	if err != nil {
		return false, err
	}
	if out.State == OutcomeProcessing {
		return false, nil
	}
	// Done either way: a queried order is polled again once answered.
	return true, s.apply(ctx, orgID, orderID, vendorActor, out)
}
