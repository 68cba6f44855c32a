package marketplace

import (
	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
)

// chargeContext computes charges exactly and rounds the result half away
// from zero to the currency's minor unit, as invoices do.
var chargeContext = func() *apd.Context {
	c := apd.BaseContext.WithPrecision(60)
	c.Rounding = apd.RoundHalfUp
	return c
}()

// ChargeAmount is unit × quantity × days / periodDays, rounded once to the
// minor unit of cur: the price of quantity licences for days of a billing
// period of periodDays (days == periodDays for a full period).
func ChargeAmount(unit domain.Amount, quantity, days, periodDays int64, cur domain.Currency) (domain.Amount, error) {
	info, ok := cur.Info()
	if !ok {
		return domain.Amount{}, domain.FieldError("currency", "%q is not an ISO 4217 currency", cur)
	}
	if periodDays <= 0 || days < 0 || days > periodDays {
		return domain.Amount{}, domain.Errorf(domain.CodeInvalid, "a charge covers %d of %d days", days, periodDays)
	}
	var v apd.Decimal
	c := chargeContext
	_, err := c.Mul(&v, unit.Decimal(), apd.New(quantity*days, 0))
	if err == nil {
		_, err = c.Quo(&v, &v, apd.New(periodDays, 0))
	}
	if err == nil {
		_, err = c.Quantize(&v, &v, -int32(info.MinorUnits))
	}
	if err != nil {
		return domain.Amount{}, domain.Errorf(domain.CodeInvalid, "charge out of range: %v", err)
	}
	return domain.AmountFromDecimal(&v)
}

// Neg is -a.
func Neg(a domain.Amount) domain.Amount { return domain.Amount{Units: -a.Units, Nanos: -a.Nanos} }

// Sum adds amounts exactly.
func Sum(as ...domain.Amount) (domain.Amount, error) {
	var t domain.Amount
	for _, a := range as {
		var err error
		if t, err = t.Add(a); err != nil {
			return domain.Amount{}, err
		}
	}
	return t, nil
}
