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

// apply records a vendor's (or an operations user's) outcome for an
// order with the vendor, then lets the agreement's queue move.
func (s *Service) apply(ctx context.Context, orgID, orderID, actor string, out Outcome) error {
	var o Order
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var agr Agreement
		var err error
		if o, agr, err = s.lockOrder(ctx, tx, orgID, orderID); err != nil {
			return err
		}
		if o.SentAt == nil {
			return domain.Errorf(domain.CodeConflict, "order %s is waiting for an earlier order of agreement %s and is not with the vendor yet", o.ID, agr.ID)
		}
		switch out.State {
		case OutcomeCompleted:
			return s.completeTx(ctx, tx, agr, &o, actor, out.Message)
		case OutcomeFailed:
			return s.failTx(ctx, tx, agr, &o, actor, out.Message)
		case OutcomeQuerying:
			return s.queryTx(ctx, tx, &o, actor, out.Message)
		}
		return domain.FieldError("state", "%q is not an outcome: use completed, failed or querying", out.State)
	})
	if err != nil {
		return err
	}
	return s.dispatchLater(ctx, &o)
}

// completeTx applies a completed order: subscriptions start, change or
// end; the agreement becomes Active, or Terminated when nothing runs.
func (s *Service) completeTx(ctx context.Context, tx *store.Tx, agr Agreement, o *Order, actor, note string) error {
	if err := changeStatus(ctx, tx, Orders, o.OrgID, store.MktOrderObj, o.ID, OrderStatus(o.Status), OrderCompleted, actor, note); err != nil {
		return err
	}
	now := s.now()
	o.Status, o.CompletedAt = string(OrderCompleted), &now
	if err := tx.UpdateMktOrder(ctx, *o); err != nil {
		return err
	}
	if o.Type == OrderPurchase && agr.Anniversary == nil {
		day := Day(now)
		agr.Anniversary = &day
		if err := tx.UpdateMktAgreement(ctx, agr); err != nil {
			return err
		}
	}
	prog, err := s.programOf(ctx, agr.OrgID, agr.ProductID)
	if err != nil {
		return err
	}
	var returns []Charge
	for _, l := range o.Lines {
		sub, err := s.completeLine(ctx, tx, agr, o, l, PolicyOf(prog), now)
		if err != nil {
			return err
		}
		r, err := s.chargeCompletedLine(ctx, tx, agr, o, l, sub, PolicyOf(prog), now)
		if err != nil {
			return err
		}
		returns = append(returns, r...)
	}
	if err := s.creditReturns(ctx, tx, agr, o, returns, now); err != nil {
		return err
	}
	return s.settleAgreement(ctx, tx, agr.OrgID, agr.ID, "order "+o.ID+" completed")
}

// completeLine applies one line of a completed order to its
// subscription and returns the subscription as it is now.
func (s *Service) completeLine(ctx context.Context, tx *store.Tx, agr Agreement, o *Order, l OrderLine, pol Policy, now time.Time) (Subscription, error) {
	sub, err := tx.GetMktSubscription(ctx, o.OrgID, l.SubscriptionID, true)
	if err != nil {
		return sub, err
	}
	from, to := SubscriptionStatus(sub.Status), SubscriptionActive
	switch l.Action {
	case ActionNew:
		start := Day(now)
		sub.PurchasedAt, sub.StartsOn = &now, &start
		renews := AddMonths(start, Term(sub.Term).Months())
		if pol.CoTerm && Term(sub.Term).Months() == 12 && agr.Anniversary != nil {
			renews = Anniversary(*agr.Anniversary, start) // bought later: prorated to the anniversary
		}
		sub.RenewsOn = &renews
		if sub.PONumber == "" {
			sub.PONumber = firstNonEmpty(o.PONumber, agr.PONumber)
		}
	case ActionChange:
		sub.Quantity = l.Quantity
		if l.AutoRenew != nil {
			sub.AutoRenew = *l.AutoRenew
		}
		if l.PONumber != nil {
			sub.PONumber = *l.PONumber
		}
	case ActionTerminate:
		sub.EndedOn, to = &now, SubscriptionTerminated
	}
	if err := tx.UpdateMktSubscription(ctx, sub); err != nil {
		return sub, err
	}
	sub.Status = string(to)
	return sub, changeStatus(ctx, tx, Subscriptions, o.OrgID, store.MktSubscriptionObj, sub.ID, from, to, vendorActor, "order "+o.ID)
}

// creditReturns stores a return's negative charges on one credit memo,
// naming the invoice that billed what is returned (if any yet).
func (s *Service) creditReturns(ctx context.Context, tx *store.Tx, agr Agreement, o *Order, returns []Charge, now time.Time) error {
	if len(returns) == 0 {
		return nil
	}
	memo := store.MktCreditMemo{OrgID: o.OrgID, ID: NewID(PrefixCreditMemo), BuyerID: agr.BuyerID, OrderID: o.ID,
		Currency: agr.Currency, Reason: "Return under " + "order " + o.ID, IssuedAt: now}
	var total domain.Amount
	ids := make([]string, 0, len(returns))
	for _, r := range returns {
		a, err := amountOf(r.Amount)
		if err != nil {
			return err
		}
		if total, err = total.Add(a); err != nil {
			return err
		}
		if _, err := tx.AddMktCharge(ctx, r); err != nil {
			return err
		}
		ids = append(ids, r.ID)
	}
	memo.Total = total.String()
	inv, err := s.invoiceOfSubscription(ctx, tx, o.OrgID, returns[0].SubscriptionID)
	if err != nil {
		return err
	}
	memo.InvoiceID = inv
	return tx.CreateMktCreditMemo(ctx, memo, ids)
}

// invoiceOfSubscription is the latest invoice that billed a charge of
// the subscription, or "" when none was invoiced yet.
func (s *Service) invoiceOfSubscription(ctx context.Context, tx *store.Tx, orgID, subID string) (string, error) {
	charges, err := tx.ListMktCharges(ctx, orgID, store.MktChargeFilter{SubscriptionID: subID, ForUpdate: true})
	if err != nil {
		return "", err
	}
	for i := len(charges) - 1; i >= 0; i-- {
		if charges[i].StatementID != "" {
			st, err := tx.GetMktStatement(ctx, orgID, charges[i].StatementID)
			return st.InvoiceID, err
		}
	}
	return "", nil
}

// settleAgreement moves an agreement out of Provisioning or Updating
// once its order is done: Active while a subscription runs, else
// Terminated for good.
func (s *Service) settleAgreement(ctx context.Context, tx *store.Tx, orgID, agreementID, note string) error {
	agr, err := tx.GetMktAgreement(ctx, orgID, agreementID, true)
	if err != nil {
		return err
	}
	running, err := tx.MktRunningSubscriptions(ctx, agr.OrgID, agr.ID) // Active, Updating or Terminating
	if err != nil {
		return err
	}
	from, to := AgreementStatus(agr.Status), AgreementActive
	if running == 0 {
		to = AgreementTerminated
		note += "; no subscription runs any more"
	}
	if from == to || from == AgreementTerminated {
		return nil
	}
	return changeStatus(ctx, tx, Agreements, orgID, store.MktAgreementObj, agr.ID, from, to, "system", note)
}

// failTx records a failed (or cancelled) order and undoes what it had
// started: new subscriptions are deleted, changed or terminating ones
// are Active again, a purchase's agreement fails.
func (s *Service) failTx(ctx context.Context, tx *store.Tx, agr Agreement, o *Order, actor, reason string) error {
	if strings.TrimSpace(reason) == "" {
		reason = "no reason given"
	}
	started := o.SentAt != nil
	if err := changeStatus(ctx, tx, Orders, o.OrgID, store.MktOrderObj, o.ID, OrderStatus(o.Status), OrderFailed, actor, reason); err != nil {
		return err
	}
	o.Status, o.StatusNote = string(OrderFailed), reason
	if err := tx.UpdateMktOrder(ctx, *o); err != nil {
		return err
	}
	for _, l := range o.Lines {
		from, to := SubscriptionDraft, SubscriptionDeleted
		switch {
		case l.Action == ActionChange && started:
			from, to = SubscriptionUpdating, SubscriptionActive
		case l.Action == ActionTerminate && started:
			from, to = SubscriptionTerminating, SubscriptionActive
		case l.Action != ActionNew:
			continue // never started: the subscription did not move
		}
		if err := changeStatus(ctx, tx, Subscriptions, o.OrgID, store.MktSubscriptionObj, l.SubscriptionID, from, to, actor, "order "+o.ID+" failed"); err != nil {
			return err
		}
	}
	return s.settleFailed(ctx, tx, agr, o, actor, started)
}

func (s *Service) settleFailed(ctx context.Context, tx *store.Tx, agr Agreement, o *Order, actor string, started bool) error {
	switch AgreementStatus(agr.Status) {
	case AgreementDraft:
		return changeStatus(ctx, tx, Agreements, o.OrgID, store.MktAgreementObj, agr.ID, AgreementDraft, AgreementDeleted, actor, "purchase order "+o.ID+" cancelled")
	case AgreementProvisioning:
		return changeStatus(ctx, tx, Agreements, o.OrgID, store.MktAgreementObj, agr.ID, AgreementProvisioning, AgreementFailed, actor, "purchase order "+o.ID+" failed")
	}
	if !started {
		return nil
	}
	return s.settleAgreement(ctx, tx, agr.OrgID, agr.ID, "order "+o.ID+" failed")
}

// queryTx records the vendor's question: the order waits for the buyer.
func (s *Service) queryTx(ctx context.Context, tx *store.Tx, o *Order, actor, question string) error {
	if strings.TrimSpace(question) == "" {
		return domain.FieldError("message", "a query needs the question for the buyer")
	}
	if err := changeStatus(ctx, tx, Orders, o.OrgID, store.MktOrderObj, o.ID, OrderStatus(o.Status), OrderQuerying, actor, question); err != nil {
		return err
	}
	o.Status, o.QueryMessage = string(OrderQuerying), question
	return tx.UpdateMktOrder(ctx, *o)
}

// Decide records an outcome for an order by hand (operations users, for
// vendors without an adapter or to resolve a queried order).
func (s *Service) Decide(ctx context.Context, p *auth.Principal, who audit.Actor, orderID string, out Outcome) (Order, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return Order{}, err
	}
	if err := s.apply(ctx, p.Org.ID, orderID, actorName(who), out); err != nil {
		return Order{}, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.order.decide", TargetType: "order",
		TargetID: orderID, Details: map[string]any{"state": out.State, "message": out.Message}})
	return s.Store.GetMktOrder(ctx, p.Org.ID, orderID, false)
}
