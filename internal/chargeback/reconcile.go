package chargeback

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Reconciliation item kinds: each is what it adds to the chargebacks
// against the billed total (negative: charged to nobody).
const (
	ReconUnallocated = "unallocated"
	ReconUnassigned  = "unassigned_licences"
	ReconPriceList   = "price_list_licences"
	ReconExtra       = "extra_charges"
	ReconRounding    = "currency_rounding"
	ReconDataChanged = "cost_data_changed"
)

// Reconciliation compares a month's chargebacks (one version) with the
// month's billed total in the cost store, both in the reporting currency.
// Difference = Charged − Billed, and the items add up to it exactly.
type Reconciliation struct {
	Month      string        `json:"month"`
	Version    int           `json:"version"`
	Status     string        `json:"status"`
	Currency   string        `json:"currency"`
	Billed     domain.Amount `json:"billed"`  // rounded to the minor unit
	Charged    domain.Amount `json:"charged"` // the units' rounded totals added up
	Difference domain.Amount `json:"difference"`
	Balanced   bool          `json:"balanced"`
	Items      []ReconItem   `json:"items"`
}

// ReconItem is one reason chargebacks and billed total differ.
type ReconItem struct {
	Kind   string        `json:"kind"`
	Label  string        `json:"label"`
	Amount domain.Amount `json:"amount"`
}

var reconLabels = map[string]string{
	ReconUnallocated: "Unallocated cost: no rule places it, so no business unit is charged",
	ReconUnassigned:  "Unassigned licences: seats bought but assigned to nobody",
	ReconPriceList:   "Licences valued from the price list (no billed line carries them yet)",
	ReconExtra:       "Extra charges: fixed fees, service fees and markups",
	ReconRounding:    "Currency rounding: each unit's total rounded to the cent, against the rounded billed total",
	ReconDataChanged: "Cost data changed since this version was generated: regenerate to include it",
}

// Reconcile checks a version (0: the latest) of a month against the
// billed total now in the cost store.
func (s *Service) Reconcile(ctx context.Context, p *auth.Principal, month time.Time, version int) (Reconciliation, error) {
	if err := p.Require(auth.PermChargebacksRead); err != nil {
		return Reconciliation{}, err
	}
	d, err := s.Store.GetChargeback(ctx, p.Org.ID, month, version)
	if err != nil {
		return Reconciliation{}, err
	}
	fxc, err := s.FX.Converter(ctx, p.Org.ID, d.Month, d.Month.AddDate(0, 1, 0))
	if err != nil {
		return Reconciliation{}, err
	}
	now, err := s.billed(ctx, p.Org.ID, d.Month, converter{c: fxc, to: d.Currency})
	if err != nil {
		return Reconciliation{}, err
	}
	return reconcile(d, now)
}

// reconcile works the identity out: with U unallocated, A unassigned, L
// price-list licences, E extra charges, the charged units' exact totals
// add up to billed-at-generation + L − U − A + E (+ a sub-cent conversion
// remainder, counted as rounding).
func reconcile(d store.CBDetail, billedNow domain.Amount) (Reconciliation, error) {
	r := Reconciliation{Month: monthText(d.Month), Version: d.Version, Status: d.Status, Currency: d.Currency, Items: []ReconItem{}}
	var sum sums
	roundedBilled, err := domain.RoundMinor(billedNow, d.Currency)
	sum.err = err
	r.Billed = roundedBilled
	var all, exact domain.Amount
	amt := map[string]domain.Amount{}
	for _, u := range d.Units {
		all = sum.add(all, u.Allocated)
		amt[ReconPriceList] = sum.add(amt[ReconPriceList], u.PriceList)
		switch {
		case u.UnitID == allocation.Unallocated:
			amt[ReconUnallocated] = sum.add(amt[ReconUnallocated], neg(u.Allocated))
		case u.UnitID == allocation.UnassignedLicences:
			amt[ReconUnassigned] = sum.add(amt[ReconUnassigned], neg(u.Allocated))
		case u.Charged:
			r.Charged = sum.add(r.Charged, u.Total)
			exact = sum.add(sum.add(exact, u.Allocated), u.Extra)
			amt[ReconExtra] = sum.add(amt[ReconExtra], u.Extra)
		}
	}
	remainder := sum.sub(sum.sub(all, amt[ReconPriceList]), d.Billed) // conversion remainder, sub-cent
	amt[ReconRounding] = sum.add(sum.add(sum.sub(r.Charged, exact), sum.sub(billedNow, roundedBilled)), remainder)
	amt[ReconDataChanged] = sum.sub(d.Billed, billedNow)
	r.Difference = sum.sub(r.Charged, r.Billed)
	if sum.err != nil {
		return r, sum.err
	}
	for _, k := range []string{ReconUnallocated, ReconUnassigned, ReconPriceList, ReconExtra, ReconRounding, ReconDataChanged} {
		if !amt[k].IsZero() {
			r.Items = append(r.Items, ReconItem{Kind: k, Label: reconLabels[k], Amount: amt[k]})
		}
	}
	r.Balanced = r.Difference.IsZero()
	return r, nil
}

// sums adds amounts and keeps the first overflow.
type sums struct{ err error }

func (s *sums) add(a, b domain.Amount) domain.Amount {
	out, err := a.Add(b)
	if err != nil && s.err == nil {
		s.err = err
	}
	return out
}

func (s *sums) sub(a, b domain.Amount) domain.Amount { return s.add(a, neg(b)) }
