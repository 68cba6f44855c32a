package azbilling

import (
	"maps"
	"strings"
	"time"
)

// line is one cost record of a day, at the grain Cost Management groups
// and filters on.
type line struct {
	Sub                    Subscription
	ResourceGroup          string
	ResourceID             string
	ResourceType           string
	Location               string
	Tags                   map[string]string
	Meter                  meter
	ChargeType             string // Usage, Purchase, UnusedReservation
	PricingModel           string // OnDemand, Reservation
	ReservationID, ResName string
	Cost                   int64 // micro-units in Sub's currency
}

// snapshot is the state one query (or one DailyCost call) reads: the
// resources and which VMs each reservation covers, taken once.
type snapshot struct {
	now     time.Time
	subs    []Subscription
	res     map[string][]Resource // by lower-case subscription ID
	cover   map[string]*resState  // lower-case VM resource ID -> reservation
	covered map[*resState][]Resource
	resv    []*resState
	spikes  map[spikeKey]int64
}

func (b *Billing) snapshot() *snapshot {
	s := &snapshot{now: b.clock.Now(), subs: b.src.Subscriptions(), res: map[string][]Resource{},
		cover: map[string]*resState{}, covered: map[*resState][]Resource{}, resv: b.reservationList()}
	for _, sub := range s.subs {
		s.res[strings.ToLower(sub.ID)] = b.src.Resources(sub.ID)
	}
	b.mu.Lock()
	s.spikes = maps.Clone(b.spikes)
	b.mu.Unlock()
	for _, r := range s.resv {
		s.assignCoverage(b, r)
	}
	return s
}

// assignCoverage gives r up to Quantity VMs of its SKU in its scope that
// no earlier reservation covers.
func (s *snapshot) assignCoverage(b *Billing, r *resState) {
	billing, _ := b.subscription(r.BillingSubscriptionID)
	for _, sub := range s.subs {
		if !r.appliesTo(sub, billing.TenantID) {
			continue
		}
		for _, res := range s.res[strings.ToLower(sub.ID)] {
			id := strings.ToLower(res.ID)
			if len(s.covered[r]) >= r.Quantity || s.cover[id] != nil ||
				!strings.EqualFold(res.Type, "Microsoft.Compute/virtualMachines") || !strings.EqualFold(vmSKU(res), r.SKU) {
				continue
			}
			s.cover[id] = r
			s.covered[r] = append(s.covered[r], res)
		}
	}
}

// lines returns sub's cost records of day d as known at s.now: nothing for
// today or later, and the last two days still being revised.
func (b *Billing) lines(s *snapshot, sub Subscription, d time.Time, amortized bool) []line {
	d = day(d)
	if !d.Before(day(s.now)) {
		return nil
	}
	var out []line
	for _, res := range s.res[strings.ToLower(sub.ID)] {
		for _, m := range metersFor(res) {
			out = append(out, b.resourceLine(s, sub, res, m, d, amortized))
		}
	}
	for _, r := range s.resv {
		if strings.EqualFold(r.BillingSubscriptionID, sub.ID) {
			out = append(out, b.reservationLines(s, sub, r, d, amortized)...)
		}
	}
	return out
}

func (b *Billing) resourceLine(s *snapshot, sub Subscription, res Resource, m meter, d time.Time, amortized bool) line {
	l := line{Sub: sub, ResourceGroup: res.ResourceGroup, ResourceID: res.ID, ResourceType: res.Type,
		Location: res.Location, Tags: res.Tags, Meter: m, ChargeType: "Usage", PricingModel: "OnDemand"}
	r := s.cover[strings.ToLower(res.ID)]
	if !m.Compute || r == nil || !r.activeOn(d) {
		l.Cost = b.onDemandCost(res, m, d, s.now) * s.spikeFactor(res.ID, d)
		return l
	}
	l.PricingModel, l.ReservationID, l.ResName = "Reservation", r.path(), r.DisplayName
	if amortized {
		l.Cost = b.coveredShare(s, r, res, d)
	}
	return l
}

// onDemandCost is the meter's cost on day d as reported at now: final from
// three days back, 80-90 % of it yesterday and 93-99 % the day before
// (late and revised usage records).
func (b *Billing) onDemandCost(res Resource, m meter, d, now time.Time) int64 {
	id := strings.ToLower(res.ID)
	base := m.Min + hashN(b.seed, m.Max-m.Min+1, "base", id, m.Name)
	final := base * (850 + hashN(b.seed, 301, "day", id, m.Name, dateKey(d))) / 1000
	switch int(day(now).Sub(d) / (24 * time.Hour)) {
	case 1:
		return final * (80 + hashN(b.seed, 11, "rev1", id, m.Name, dateKey(d))) / 100
	case 2:
		return final * (93 + hashN(b.seed, 7, "rev2", id, m.Name, dateKey(d))) / 100
	}
	return final
}

// coveredShare is a covered VM's part of the reservation's used amortized
// cost; the first VM takes the remainder so the parts add up exactly.
func (b *Billing) coveredShare(s *snapshot, r *resState, res Resource, d time.Time) int64 {
	vms := s.covered[r]
	used := r.dailyAmortized() * b.utilizationBP(r, len(vms), d) / 10000
	per := used / int64(len(vms))
	if strings.EqualFold(vms[0].ID, res.ID) {
		return used - per*int64(len(vms)-1)
	}
	return per
}

// reservationLines are the reservation's own records in its billing
// subscription: the purchase (ActualCost) or the unused part of the day's
// amortized cost (AmortizedCost).
func (b *Billing) reservationLines(s *snapshot, sub Subscription, r *resState, d time.Time, amortized bool) []line {
	l := line{Sub: sub, Location: r.Location, ChargeType: "Purchase", PricingModel: "Reservation",
		ReservationID: r.path(), ResName: r.DisplayName,
		Meter: meter{Service: "Virtual Machines", Category: "Virtual Machines", SubCategory: "Reservation", Name: r.SKU}}
	if !amortized {
		if l.Cost = purchaseOn(r, d); l.Cost == 0 {
			return nil
		}
		return []line{l}
	}
	if !r.activeOn(d) {
		return nil
	}
	daily := r.dailyAmortized()
	unused := daily - daily*b.utilizationBP(r, len(s.covered[r]), d)/10000
	if unused == 0 {
		return nil
	}
	l.ChargeType, l.Cost = "UnusedReservation", unused
	return []line{l}
}

// purchaseOn is what the reservation charges on day d: the whole price on
// the purchase date (Upfront), or a monthly instalment on the purchase
// date's day of month (clamped to short months).
func purchaseOn(r *resState, d time.Time) int64 {
	if !r.activeOn(d) {
		return 0
	}
	if r.BillingPlan != "Monthly" {
		if d.Equal(r.PurchaseDate) {
			return r.price
		}
		return 0
	}
	months := int64(12)
	if r.Term == "P3Y" {
		months = 36
	}
	last := time.Date(d.Year(), d.Month()+1, 0, 0, 0, 0, 0, time.UTC).Day()
	if d.Day() != min(r.PurchaseDate.Day(), last) {
		return 0
	}
	n := int64(d.Year()*12+int(d.Month())) - int64(r.PurchaseDate.Year()*12+int(r.PurchaseDate.Month()))
	inst := r.price / months
	if n == months-1 {
		return r.price - inst*(months-1)
	}
	return inst
}

// CostTotals are a subscription's exact totals of one day.
type CostTotals struct {
	Currency  string
	Actual    string // ActualCost (and Usage): purchases on their day, covered usage at 0
	Amortized string // AmortizedCost: reservations spread over their term
}

// DailyCost returns subscriptionID's totals for day as the query API
// reports them at the clock's current time (decimal strings).
func (b *Billing) DailyCost(subscriptionID string, d time.Time) CostTotals {
	sub, ok := b.subscription(subscriptionID)
	if !ok {
		return CostTotals{}
	}
	s := b.snapshot()
	var act, amo int64
	for _, l := range b.lines(s, sub, d, false) {
		act += l.Cost
	}
	for _, l := range b.lines(s, sub, d, true) {
		amo += l.Cost
	}
	return CostTotals{Currency: sub.currency(), Actual: formatMicro(act), Amortized: formatMicro(amo)}
}
