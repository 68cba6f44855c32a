package marketplace

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/store"
)

// RenewalResult counts what a renewal run did.
type RenewalResult struct {
	Renewed, Expired, Terminated int
}

// RenewDue renews or expires the organisation's Active subscriptions
// whose term ended by now: with auto-renew on, a new term starts where
// the last one ended; otherwise the subscription expires, and an
// agreement left with nothing running is terminated for good. Each
// subscription is handled in its own transaction and re-read there, so
// several workers running it at once renew nothing twice.
func (s *Service) RenewDue(ctx context.Context, orgID string, now time.Time) (RenewalResult, error) {
	var res RenewalResult
	due, err := s.Store.ListMktSubscriptions(ctx, orgID, store.MktSubscriptionFilter{Status: string(SubscriptionActive), RenewsBy: &now, Limit: 500})
	if err != nil {
		return res, err
	}
	for _, sub := range due {
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error { return s.renewOne(ctx, tx, sub.OrgID, sub.AgreementID, sub.ID, now, &res) }); err != nil {
			return res, err
		}
	}
	return res, nil
}

func (s *Service) renewOne(ctx context.Context, tx *store.Tx, orgID, agreementID, id string, now time.Time, res *RenewalResult) error {
	agr, err := tx.GetMktAgreement(ctx, orgID, agreementID, true) // the agreement's lock orders renewals with orders
	if err != nil {
		return err
	}
	sub, err := tx.GetMktSubscription(ctx, orgID, id, true)
	if err != nil || sub.Status != string(SubscriptionActive) || sub.RenewsOn == nil || sub.RenewsOn.After(now) {
		return err // changed meanwhile
	}
	if sub.AutoRenew {
		next := AddMonths(*sub.RenewsOn, Term(sub.Term).Months())
		note := "renewed for " + Term(sub.Term).Label() + " until " + next.Format("2 Jan 2006")
		termStart := *sub.RenewsOn
		sub.RenewsOn = &next
		if err := tx.UpdateMktSubscription(ctx, sub); err != nil {
			return err
		}
		if Term(sub.Term).BillingMonths() == 12 {
			if err := s.addPeriodCharge(ctx, tx, agr, sub, ChargeRenewal, termStart); err != nil {
				return err
			}
		}
		res.Renewed++
		return tx.AddMktHistory(ctx, orgID, store.MktStatusChange{ObjectType: store.MktSubscriptionObj, ObjectID: sub.ID,
			From: sub.Status, To: sub.Status, Actor: "system", Note: note}, s.now())
	}
	ended := *sub.RenewsOn
	sub.EndedOn = &ended
	if err := tx.UpdateMktSubscription(ctx, sub); err != nil {
		return err
	}
	if err := changeStatus(ctx, tx, Subscriptions, orgID, store.MktSubscriptionObj, sub.ID, SubscriptionActive, SubscriptionExpired,
		"system", "term ended on "+ended.Format("2 Jan 2006")+" without auto-renew"); err != nil {
		return err
	}
	res.Expired++
	if AgreementStatus(agr.Status) != AgreementActive {
		return nil // an order is open; it settles the agreement when done
	}
	if err := s.settleAgreement(ctx, tx, orgID, agr.ID, "subscription "+sub.ID+" expired"); err != nil {
		return err
	}
	if a, err := tx.GetMktAgreement(ctx, orgID, agr.ID, true); err == nil && a.Status == string(AgreementTerminated) {
		res.Terminated++
	}
	return nil
}

// addPeriodCharge bills sub's billing period at at (once: its dedup key
// is the subscription and period), for the order that created it.
func (s *Service) addPeriodCharge(ctx context.Context, tx *store.Tx, agr Agreement, sub Subscription, kind string, at time.Time) error {
	origin, err := tx.MktOriginOrder(ctx, sub.OrgID, sub.ID)
	if err != nil {
		return err
	}
	c, err := periodChargeOf(sub, agr, origin, kind, at, s.now())
	if err != nil {
		return err
	}
	_, err = tx.AddMktCharge(ctx, c)
	return err
}

// BillRecurring bills the monthly period that contains at of every
// running monthly-billed subscription of the organisation (a period is
// billed once, whoever runs this and however often).
func (s *Service) BillRecurring(ctx context.Context, orgID string, at time.Time) (int, error) {
	n := 0
	for _, st := range []SubscriptionStatus{SubscriptionActive, SubscriptionUpdating, SubscriptionTerminating} {
		after := ""
		for {
			subs, err := s.Store.ListMktSubscriptions(ctx, orgID, store.MktSubscriptionFilter{Status: string(st), After: after, Limit: 500})
			if err != nil || len(subs) == 0 {
				if err != nil {
					return n, err
				}
				break
			}
			for _, sub := range subs {
				added, err := s.billMonth(ctx, sub, at)
				if err != nil {
					return n, err
				}
				if added {
					n++
				}
			}
			after = subs[len(subs)-1].ID
		}
	}
	return n, nil
}

func (s *Service) billMonth(ctx context.Context, sub Subscription, at time.Time) (bool, error) {
	if Term(sub.Term).BillingMonths() != 1 || sub.StartsOn == nil || at.Before(*sub.StartsOn) {
		return false, nil
	}
	added := false
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		agr, err := tx.GetMktAgreement(ctx, sub.OrgID, sub.AgreementID, true)
		if err != nil {
			return err
		}
		if sub, err = tx.GetMktSubscription(ctx, sub.OrgID, sub.ID, true); err != nil {
			return err
		}
		origin, err := tx.MktOriginOrder(ctx, sub.OrgID, sub.ID)
		if err != nil {
			return err
		}
		c, err := periodChargeOf(sub, agr, origin, ChargeRecurring, at, s.now())
		if err != nil {
			return err
		}
		added, err = tx.AddMktCharge(ctx, c)
		return err
	})
	return added, err
}
