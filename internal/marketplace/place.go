package marketplace

import (
	"context"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

func deref(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}

// place stores a drafted order with what it creates, then saves it as a
// quote or submits it.
func (s *Service) place(ctx context.Context, p *auth.Principal, who audit.Actor, d *draft, typ string, in OrderInput) (Order, error) {
	var err error
	o := &d.order
	o.OrgID, o.ID, o.AgreementID, o.Type, o.Status, o.CreatedBy = p.Org.ID, NewID(PrefixOrder), d.agr.ID, typ, string(OrderDraft), actorName(who)
	if o.PONumber, err = CleanPO(in.PONumber); err != nil {
		return Order{}, err
	}
	if o.Notes = strings.TrimSpace(in.Notes); len(o.Notes) > 2000 {
		return Order{}, domain.FieldError("notes", "notes are longer than 2000 characters")
	}
	actor, now := actorName(who), s.now()
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if !d.newAgr { // the agreement's lock orders its queue
			if d.agr, err = tx.GetMktAgreement(ctx, d.agr.OrgID, d.agr.ID, true); err != nil {
				return err
			}
		}
		if err := s.storeDraft(ctx, tx, d, actor, now); err != nil {
			return err
		}
		if in.Submit {
			return s.submit(ctx, tx, d.agr, o, actor, now)
		}
		if d.newAgr {
			if err := changeStatus(ctx, tx, Agreements, o.OrgID, store.MktAgreementObj, d.agr.ID, AgreementNew, AgreementDraft, actor, "purchase order "+o.ID+" saved for later"); err != nil {
				return err
			}
		}
		o.Status = string(OrderQuoted)
		return changeStatus(ctx, tx, Orders, o.OrgID, store.MktOrderObj, o.ID, OrderDraft, OrderQuoted, actor, "saved for later")
	})
	if err != nil {
		return Order{}, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: o.OrgID, Action: "marketplace.order.create", TargetType: "order",
		TargetID: o.ID, Details: map[string]any{"type": typ, "agreement": d.agr.ID, "status": o.Status, "lines": len(o.Lines)}})
	return *o, s.dispatchLater(ctx, o)
}

// storeDraft inserts the new agreement, subscriptions and the order,
// each with its first history entry.
func (s *Service) storeDraft(ctx context.Context, tx *store.Tx, d *draft, actor string, now time.Time) error {
	if d.newAgr {
		if _, err := tx.CreateMktAgreement(ctx, d.agr); err != nil {
			return err
		}
		if err := created(ctx, tx, d.agr.OrgID, store.MktAgreementObj, d.agr.ID, d.agr.Status, actor, "created by purchase order "+d.order.ID, now); err != nil {
			return err
		}
	}
	for _, sub := range d.subs {
		if _, err := tx.CreateMktSubscription(ctx, sub); err != nil {
			return err
		}
		if err := created(ctx, tx, sub.OrgID, store.MktSubscriptionObj, sub.ID, sub.Status, actor, "created by order "+d.order.ID, now); err != nil {
			return err
		}
	}
	if _, err := tx.CreateMktOrder(ctx, d.order); err != nil {
		return err
	}
	return created(ctx, tx, d.order.OrgID, store.MktOrderObj, d.order.ID, d.order.Status, actor, "", now)
}

// submit moves an order to Processing, queued behind the agreement's
// earlier submitted orders; a purchase's agreement starts provisioning.
func (s *Service) submit(ctx context.Context, tx *store.Tx, agr Agreement, o *Order, actor string, now time.Time) error {
	from := OrderStatus(o.Status)
	if err := changeStatus(ctx, tx, Orders, o.OrgID, store.MktOrderObj, o.ID, from, OrderProcessing, actor, "submitted"); err != nil {
		return err
	}
	n, err := tx.NextMktQueueNo(ctx, o.OrgID, agr.ID)
	if err != nil {
		return err
	}
	o.Status, o.SubmittedAt, o.QueueNo = string(OrderProcessing), &now, n
	if err := tx.UpdateMktOrder(ctx, *o); err != nil {
		return err
	}
	if o.Type != OrderPurchase {
		return nil
	}
	return changeStatus(ctx, tx, Agreements, o.OrgID, store.MktAgreementObj, agr.ID, AgreementStatus(agr.Status), AgreementProvisioning, actor, "purchase order "+o.ID+" submitted")
}

// Submit sends a quoted order for processing.
func (s *Service) Submit(ctx context.Context, p *auth.Principal, who audit.Actor, orderID string) (Order, error) {
	if err := p.Require(auth.PermMarketplacePurchase); err != nil {
		return Order{}, err
	}
	o, err := s.onLockedOrder(ctx, p, who, orderID, "submit", func(tx *store.Tx, o *Order, agr Agreement) error {
		if o.Status != string(OrderQuoted) {
			return Orders.Check(o.ID, OrderStatus(o.Status), OrderProcessing)
		}
		if o.Type != OrderPurchase && AgreementStatus(agr.Status) != AgreementActive && AgreementStatus(agr.Status) != AgreementUpdating {
			return domain.Errorf(domain.CodeConflict, "agreement %s is %s: the quoted order can no longer be submitted; cancel it", agr.ID, agr.Status)
		}
		if err := stillSold(ctx, tx, agr, *o); err != nil {
			return err
		}
		return s.submit(ctx, tx, agr, o, actorName(who), s.now())
	})
	if err != nil {
		return Order{}, err
	}
	return o, s.dispatchLater(ctx, &o)
}

// lockOrder reads an order and locks its agreement for the transaction.
func (s *Service) lockOrder(ctx context.Context, tx *store.Tx, orgID, orderID string) (Order, Agreement, error) {
	o, err := tx.GetMktOrder(ctx, orgID, orderID, false)
	if err != nil {
		return o, Agreement{}, err
	}
	agr, err := tx.GetMktAgreement(ctx, orgID, o.AgreementID, true)
	if err != nil {
		return o, agr, err
	}
	o, err = tx.GetMktOrder(ctx, orgID, orderID, true) // again, under the lock
	return o, agr, err
}

// dispatchLater lets the agreement's queue move once a submitted order
// is stored.
func (s *Service) dispatchLater(ctx context.Context, o *Order) error {
	if o.Status != string(OrderProcessing) && o.Status != string(OrderFailed) && o.Status != string(OrderCompleted) {
		return nil
	}
	if s.Dispatch != nil {
		return s.Dispatch(ctx, o.OrgID, o.AgreementID)
	}
	return s.DispatchAgreement(ctx, o.OrgID, o.AgreementID)
}
