package azbilling

import (
	"fmt"
	"strings"
	"time"
)

// Reservation is an Azure reservation (one reservation in its own order).
// Zero fields get defaults in AddReservation.
type Reservation struct {
	OrderID     string // GUID; derived from the seed and DisplayName when empty
	ID          string // GUID of the reservation inside the order
	DisplayName string
	SKU         string // e.g. Standard_D2s_v3; it covers VMs of this size
	Location    string
	Quantity    int
	Term        string // P1Y or P3Y
	BillingPlan string // Upfront or Monthly
	// PurchaseDate is when the benefit starts (a UTC date).
	PurchaseDate time.Time
	// AppliedScopeType is Single (AppliedScopes lists subscription IDs) or Shared.
	AppliedScopeType      string
	AppliedScopes         []string
	BillingSubscriptionID string
	// Price is the total price for the term in the billing subscription's
	// currency, as a decimal string ("3504.00").
	Price string
	// TargetUtilization is the average utilisation in percent the emulation
	// produces (40 gives a reservation that alerts should flag).
	TargetUtilization int
}

// resState is a stored reservation with its price in micro-units.
type resState struct {
	Reservation
	price int64
}

func (r *resState) expiry() time.Time {
	years := 1
	if r.Term == "P3Y" {
		years = 3
	}
	return r.PurchaseDate.AddDate(years, 0, 0)
}

func (r *resState) termDays() int64 {
	return int64(r.expiry().Sub(r.PurchaseDate) / (24 * time.Hour))
}

func (r *resState) activeOn(d time.Time) bool {
	return !d.Before(r.PurchaseDate) && d.Before(r.expiry())
}

// dailyAmortized is the price spread evenly over the term's days.
func (r *resState) dailyAmortized() int64 { return r.price / r.termDays() }

func (r *resState) orderPath() string {
	return "/providers/Microsoft.Capacity/reservationOrders/" + r.OrderID
}

func (r *resState) path() string { return r.orderPath() + "/reservations/" + r.ID }

// appliesTo reports whether the reservation's benefit reaches subscription sub.
func (r *resState) appliesTo(sub Subscription, billingTenant string) bool {
	if r.AppliedScopeType == "Shared" {
		return strings.EqualFold(sub.TenantID, billingTenant)
	}
	for _, s := range r.AppliedScopes {
		if strings.EqualFold(strings.TrimPrefix(s, "/subscriptions/"), sub.ID) {
			return true
		}
	}
	return false
}

// AddReservation stores r (filling defaults) and returns it as stored.
func (b *Billing) AddReservation(r Reservation) (Reservation, error) {
	if err := b.fillReservation(&r); err != nil {
		return Reservation{}, err
	}
	price, err := ParseMicro(r.Price)
	if err != nil || price <= 0 {
		return Reservation{}, fmt.Errorf("azbilling: reservation %q: price %q is not a positive decimal", r.DisplayName, r.Price)
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, x := range b.reservations {
		if strings.EqualFold(x.OrderID, r.OrderID) {
			return Reservation{}, fmt.Errorf("azbilling: reservation order %s exists", r.OrderID)
		}
	}
	b.reservations = append(b.reservations, &resState{Reservation: r, price: price})
	return r, nil
}

func (b *Billing) fillReservation(r *Reservation) error {
	if r.DisplayName == "" {
		r.DisplayName = fmt.Sprintf("VM_RI_%d", len(b.reservationList())+1)
	}
	if r.OrderID == "" {
		r.OrderID = uuid(b.seed, "reservationOrder", r.DisplayName)
	}
	if r.ID == "" {
		r.ID = uuid(b.seed, "reservation", r.OrderID)
	}
	r.SKU = orDefault(r.SKU, "Standard_D2s_v3")
	r.Location = orDefault(r.Location, "westeurope")
	r.Term = orDefault(r.Term, "P1Y")
	r.BillingPlan = orDefault(r.BillingPlan, "Upfront")
	r.AppliedScopeType = orDefault(r.AppliedScopeType, "Shared")
	if r.Quantity <= 0 {
		r.Quantity = 1
	}
	if r.TargetUtilization <= 0 {
		r.TargetUtilization = 100
	}
	r.PurchaseDate = day(r.PurchaseDate)
	if r.Term != "P1Y" && r.Term != "P3Y" {
		return fmt.Errorf("azbilling: reservation term %q is not P1Y or P3Y", r.Term)
	}
	if _, ok := b.subscription(r.BillingSubscriptionID); !ok {
		return fmt.Errorf("azbilling: billing subscription %q is unknown", r.BillingSubscriptionID)
	}
	return nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (b *Billing) reservationList() []*resState {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]*resState(nil), b.reservations...)
}

// utilizationBP is the reservation's utilisation on day d in basis points
// (0..10000): the target with a deterministic daily wobble, 0 when no VM
// in its scope can use it.
func (b *Billing) utilizationBP(r *resState, covered int, d time.Time) int64 {
	if covered == 0 || !r.activeOn(d) {
		return 0
	}
	u := int64(r.TargetUtilization)*100 + hashN(b.seed, 601, "util", r.ID, dateKey(d)) - 300
	return min(max(u, 0), 10000)
}
