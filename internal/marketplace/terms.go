package marketplace

import (
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Term is how long a subscription commits and how it is billed.
type Term string

// Terms an item can be sold on.
const (
	TermMonthly       Term = "P1M"   // month to month, billed monthly
	TermYearly        Term = "P1Y"   // one-year commitment, billed yearly in advance
	TermYearlyMonthly Term = "P1Y-M" // one-year commitment, billed monthly
)

// Terms lists every term in display order.
var Terms = []Term{TermMonthly, TermYearly, TermYearlyMonthly}

// ParseTerm checks a term code.
func ParseTerm(s string) (Term, error) {
	for _, t := range Terms {
		if string(t) == s {
			return t, nil
		}
	}
	return "", domain.FieldError("term", "%q is not a term: use P1M (monthly), P1Y (yearly, billed yearly) or P1Y-M (yearly, billed monthly)", s)
}

// Label is the term as people read it.
func (t Term) Label() string {
	switch t {
	case TermMonthly:
		return "Monthly"
	case TermYearly:
		return "1 year, billed yearly"
	case TermYearlyMonthly:
		return "1 year, billed monthly"
	}
	return string(t)
}

// Months is the length of one term.
func (t Term) Months() int {
	if t == TermMonthly {
		return 1
	}
	return 12
}

// BillingMonths is the length of one billing period; the item's price is
// per unit and billing period.
func (t Term) BillingMonths() int {
	if t == TermYearly {
		return 12
	}
	return 1
}

// AddMonths moves a date by n calendar months, keeping the day of the
// month where it exists and else the month's last day (31 Jan + 1 month
// is 28 or 29 Feb, not 3 March as time.AddDate would have it).
func AddMonths(t time.Time, n int) time.Time {
	y, m, d := t.Date()
	first := time.Date(y, m+time.Month(n), 1, t.Hour(), t.Minute(), t.Second(), t.Nanosecond(), t.Location())
	last := first.AddDate(0, 1, -1).Day()
	return first.AddDate(0, 0, min(d, last)-1)
}

// Day truncates t to its UTC day: subscription dates are days.
func Day(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }

// Days counts whole days in [from, to).
func Days(from, to time.Time) int64 { return int64(Day(to).Sub(Day(from)) / (24 * time.Hour)) }
