package marketplace

import (
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Charge kinds.
const (
	ChargePurchase  = "purchase"  // the first billing period of a new subscription
	ChargeRenewal   = "renewal"   // a new yearly term
	ChargeRecurring = "recurring" // a monthly billing period
	ChargeProration = "proration" // licences added mid-period
	ChargeReturn    = "return"    // credited licences (negative)
)

// Charge is one billed amount.
type Charge = store.MktCharge

// billingPeriod is the billing period of sub that contains at: its
// term for yearly billing (the first one may be short when co-termed),
// else the month from its start day; nominal is the length its price is
// for (a year or a month).
func billingPeriod(sub Subscription, at time.Time) (start, end time.Time, nominalDays int64) {
	first, renews := Day(deref(sub.StartsOn)), Day(deref(sub.RenewsOn))
	if Term(sub.Term).BillingMonths() == 12 {
		start = later(first, AddMonths(renews, -12))
		return start, renews, Days(AddMonths(renews, -12), renews)
	}
	k := 0
	for !AddMonths(first, k+1).After(at) {
		k++
	}
	start, end = AddMonths(first, k), AddMonths(first, k+1)
	return start, end, Days(start, end)
}

// periodCharge is the charge for qty licences of sub over [from, end) of
// a billing period whose price covers nominal days.
func periodCharge(sub Subscription, qty int64, from, end time.Time, nominal int64) (string, error) {
	unit, err := amountOf(sub.UnitPrice)
	if err != nil {
		return "", err
	}
	a, err := ChargeAmount(unit, qty, Days(from, end), nominal, domain.Currency(sub.Currency))
	if err != nil {
		return "", err
	}
	return a.String(), nil
}

func amountOf(s string) (domain.Amount, error) {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return domain.Amount{}, domain.Errorf(domain.CodeInvalid, "%q is not an amount", s)
	}
	return domain.AmountFromDecimal(d)
}

// chargeOf builds a charge of sub; the dedup key makes it once only.
func chargeOf(sub Subscription, agr Agreement, orderID, kind, key string, qty int64, from, end time.Time, amount string, now time.Time) Charge {
	return Charge{OrgID: sub.OrgID, ID: NewID(PrefixCharge), DedupKey: key, BuyerID: agr.BuyerID, AgreementID: agr.ID,
		SubscriptionID: sub.ID, OrderID: orderID, ItemID: sub.ItemID, Kind: kind, Quantity: qty, UnitPrice: sub.UnitPrice,
		Amount: amount, Currency: sub.Currency, PeriodStart: from, PeriodEnd: end, BilledOn: Day(now),
		Description: fmt.Sprintf("%s × %d, %s – %s", sub.Name, qty, from.Format("2 Jan 2006"), end.AddDate(0, 0, -1).Format("2 Jan 2006"))}
}

// periodChargeOf is the charge for sub's whole billing period at at.
func periodChargeOf(sub Subscription, agr Agreement, orderID, kind string, at, now time.Time) (Charge, error) {
	start, end, nominal := billingPeriod(sub, at)
	amount, err := periodCharge(sub, sub.Quantity, start, end, nominal)
	if err != nil {
		return Charge{}, err
	}
	return chargeOf(sub, agr, orderID, kind, "sub:"+sub.ID+":"+start.Format(time.DateOnly), sub.Quantity, start, end, amount, now), nil
}

// chargeCompletedLine adds what a completed order line bills: a new
// subscription's first period, licences added for the rest of the
// period, or a return's credit (in the order's credit memo).
func (s *Service) chargeCompletedLine(ctx context.Context, tx *store.Tx, agr Agreement, o *Order, l OrderLine, sub Subscription, pol Policy, now time.Time) ([]Charge, error) {
	switch {
	case l.Action == ActionNew:
		c, err := periodChargeOf(sub, agr, o.ID, ChargePurchase, now, now)
		if err != nil {
			return nil, err
		}
		_, err = tx.AddMktCharge(ctx, c)
		return nil, err
	case l.Action == ActionChange && l.Quantity > l.OldQuantity:
		start, end, nominal := billingPeriod(sub, now)
		from := later(start, Day(now))
		amount, err := periodCharge(sub, l.Quantity-l.OldQuantity, from, end, nominal)
		if err != nil {
			return nil, err
		}
		c := chargeOf(sub, agr, o.ID, ChargeProration, fmt.Sprintf("ord:%s:%d", o.ID, l.LineNo), l.Quantity-l.OldQuantity, from, end, amount, now)
		_, err = tx.AddMktCharge(ctx, c)
		return nil, err
	case l.Action == ActionChange && l.Quantity < l.OldQuantity && pol.InReturnWindow(deref(sub.PurchasedAt), now):
		start, end, nominal := billingPeriod(sub, now)
		amount, err := periodCharge(sub, l.OldQuantity-l.Quantity, start, end, nominal)
		if err != nil {
			return nil, err
		}
		c := chargeOf(sub, agr, o.ID, ChargeReturn, fmt.Sprintf("ord:%s:%d", o.ID, l.LineNo), l.Quantity-l.OldQuantity, start, end, "-"+amount, now)
		return []Charge{c}, nil
	case l.Action == ActionTerminate && pol.InReturnWindow(deref(sub.PurchasedAt), now):
		return s.returnCharges(ctx, tx, agr, o, l, sub, now)
	}
	return nil, nil
}

// returnCharges credits in full every charge of sub whose period has not
// ended (a return within the programme's window).
func (s *Service) returnCharges(ctx context.Context, tx *store.Tx, agr Agreement, o *Order, l OrderLine, sub Subscription, now time.Time) ([]Charge, error) {
	open, err := tx.ListMktCharges(ctx, sub.OrgID, store.MktChargeFilter{SubscriptionID: sub.ID, OpenAt: &now, ForUpdate: true})
	if err != nil {
		return nil, err
	}
	var out []Charge
	for i, c := range open {
		if c.Kind == ChargeReturn || c.Amount == "0" {
			continue
		}
		r := chargeOf(sub, agr, o.ID, ChargeReturn, fmt.Sprintf("ord:%s:%d:%d", o.ID, l.LineNo, i), -c.Quantity, c.PeriodStart, c.PeriodEnd, negate(c.Amount), now)
		r.Description = "Return of " + c.Description
		out = append(out, r)
	}
	return out, nil
}

func negate(amount string) string {
	if len(amount) > 0 && amount[0] == '-' {
		return amount[1:]
	}
	return "-" + amount
}

func later(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}
