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
		sub.RenewsOn = &next
		if err := tx.UpdateMktSubscription(ctx, sub); err != nil {
			return err
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
