// Package chargeback turns a month's allocation into a chargeback per
// business unit in the organisation's reporting currency: versions that
// are never overwritten, provisional until Partner Center's
// reconciliation of the month is complete, manual extra charges, a
// reconciliation to the billed total, PDF and CSV statements and e-mail
// to the units' owners.
package chargeback

import (
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Statuses of a version.
const (
	Provisional = "provisional"
	Final       = "final"
)

// Line kinds: allocated cost and the three kinds of extra charge.
const (
	KindCost       = "cost"
	KindFixedFee   = "fixed_fee"   // an amount
	KindServiceFee = "service_fee" // a percent of the unit's allocated cost
	KindMarkup     = "markup"      // a percent of allocated cost plus fixed and service fees
)

// ExtraKinds are the extra charge kinds in the order the UI offers them.
var ExtraKinds = []string{KindFixedFee, KindServiceFee, KindMarkup}

// KindLabel names a line kind for people.
func KindLabel(kind string) string {
	switch kind {
	case KindCost:
		return "Allocated cost"
	case KindFixedFee:
		return "Fixed fee"
	case KindServiceFee:
		return "Service fee"
	case KindMarkup:
		return "Markup"
	}
	return kind
}

// Version summarises one generated chargeback of a month.
type Version struct {
	Month             string        `json:"month"` // YYYY-MM
	Version           int           `json:"version"`
	Status            string        `json:"status"`
	Reason            string        `json:"reason,omitempty"`
	Currency          string        `json:"currency"`
	AllocationVersion int           `json:"allocation_version"`
	Total             domain.Amount `json:"total"`
	Units             int           `json:"units"`
	CreatedBy         string        `json:"created_by"`
	CreatedAt         time.Time     `json:"created_at"`
}

// Unit is a business unit's chargeback: its allocated cost (exact), extra
// charges (exact) and total rounded to the currency's minor unit.
type Unit struct {
	ID        string        `json:"id"`
	Name      string        `json:"name"`
	Owners    []string      `json:"owners"`
	Allocated domain.Amount `json:"allocated"`
	Extra     domain.Amount `json:"extra"`
	Total     domain.Amount `json:"total"`
	Lines     []Line        `json:"lines"`
}

// Line is one line of a unit: allocated cost of a service, or an extra
// charge.
type Line struct {
	Kind        string        `json:"kind"`
	Category    string        `json:"category,omitempty"`
	Service     string        `json:"service,omitempty"`
	Description string        `json:"description,omitempty"`
	Amount      domain.Amount `json:"amount"`
}

// Label is what the line is, for people.
func (l Line) Label() string {
	if l.Kind != KindCost {
		if l.Description != "" {
			return KindLabel(l.Kind) + ": " + l.Description
		}
		return KindLabel(l.Kind)
	}
	cat, svc := l.Category, l.Service
	switch {
	case cat == "" && svc == "":
		return "(no service)"
	case cat == "" || cat == svc:
		return svc
	case svc == "":
		return cat
	}
	return cat + " / " + svc
}

// Detail is one version with its units and lines. Uncharged lists what
// the allocation sent to no unit (Unallocated, unassigned licences).
type Detail struct {
	Version
	OrgName   string  `json:"org_name"`
	Charged   []Unit  `json:"business_units"`
	Uncharged []Owned `json:"not_charged"`
}

// Owned is cost that no business unit is charged for.
type Owned struct {
	ID     string        `json:"id"`
	Name   string        `json:"name"`
	Amount domain.Amount `json:"amount"`
}

// Extra is a manual charge on a business unit.
type Extra struct {
	ID          string        `json:"id"`
	Unit        string        `json:"business_unit"`
	UnitName    string        `json:"business_unit_name"`
	Kind        string        `json:"kind"`
	Description string        `json:"description"`
	Amount      domain.Amount `json:"amount"`
	Currency    string        `json:"currency,omitempty"`
	Percent     string        `json:"percent,omitempty"`
	From        string        `json:"from"`         // YYYY-MM
	To          string        `json:"to,omitempty"` // YYYY-MM inclusive; empty: recurring
	Recurring   bool          `json:"recurring"`
	CreatedBy   string        `json:"created_by"`
	UpdatedAt   time.Time     `json:"updated_at"`
}

// ExtraInput is a new extra charge or its new state. One month: From
// alone (Recurring false); recurring: From on, until To if given.
type ExtraInput struct {
	Unit        string `json:"business_unit"`
	Kind        string `json:"kind"`
	Description string `json:"description"`
	Amount      string `json:"amount"`
	Currency    string `json:"currency"`
	Percent     string `json:"percent"`
	From        string `json:"from"`
	To          string `json:"to"`
	Recurring   bool   `json:"recurring"`
}

// MonthOf parses a month "YYYY-MM" (field names the input in errors).
func MonthOf(field, s string) (time.Time, error) {
	t, err := time.Parse("2006-01", s)
	if err != nil {
		return time.Time{}, domain.FieldError(field, "%q is not a month; write it like 2026-10.", s)
	}
	return t, nil
}

func monthText(t time.Time) string { return t.Format("2006-01") }

var zeroMonth time.Time // ListCBExtras: every month
