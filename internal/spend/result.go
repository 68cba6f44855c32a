package spend

import (
	"fmt"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// Result is the explorer's answer. Amounts are exact (domain.Amount);
// rounding to a currency's minor unit happens only where they are shown.
type Result struct {
	From, To         time.Time // charge days [From, To)
	PrevFrom, PrevTo time.Time // the compared period, zero without Compare
	Granularity      Granularity
	Metric           costs.Metric
	Mode             Mode
	GroupBy          costs.Dim
	GroupTag         string
	Compare          bool
	Periods          []Period
	// Blocks holds one set of totals per currency: exactly one, in the
	// reporting currency, in Reporting mode; one per billing currency, in
	// code order, in Billing mode.
	Blocks   []Block
	Warnings []Warning
}

// Period is one column of the time axis: [Start, End).
type Period struct {
	Start, End time.Time
	Label      string // "2026-11-03" or "2026-11"
}

// Block is every total of one currency.
type Block struct {
	Currency     domain.Currency
	Series       []Series // every group, in the request's sort order
	Chart        []Series // the top groups by total plus "Other"
	PeriodTotals []domain.Amount
	Total        domain.Amount
	Previous     domain.Amount // total of the previous period (Compare)
	Change       Change
}

// Series is one group's amounts.
type Series struct {
	Group    string // the dimension value; NoValue for lines without one
	Label    string
	Other    bool // the chart's sum of the groups beyond the top
	Amounts  []domain.Amount
	Total    domain.Amount
	Previous domain.Amount
	Change   Change
}

// Change compares a total with the previous period's.
type Change struct {
	Delta domain.Amount
	// Percent of the previous total, rounded to one decimal ("12.5",
	// "-3.0"); "" when the previous total is zero.
	Percent string
}

// OtherLabel names the chart's rest group.
const OtherLabel = "Other"

// AllLabel names the one series of an ungrouped request.
const AllLabel = "All costs"

// NoValueLabel shows lines without a value for the grouped dimension.
const NoValueLabel = "(none)"

// Warning reports amounts left out of converted totals because no
// exchange rate covered their charge day.
type Warning struct {
	Currency domain.Currency // the billing currency without a rate
	Target   domain.Currency
	Previous bool // in the compared period, not the shown one
	Days     []time.Time
	Amount   domain.Amount // in Currency, of the chosen metric
}

// Message says what was left out, for people.
func (w Warning) Message() string {
	when := "in the shown period"
	if w.Previous {
		when = "in the previous period"
	}
	return fmt.Sprintf("No %s→%s exchange rate for %s %s: %s %s is left out of the totals.",
		w.Currency, w.Target, dayCount(len(w.Days)), when, w.Amount.String(), w.Currency)
}

func dayCount(n int) string {
	if n == 1 {
		return "1 day"
	}
	return fmt.Sprintf("%d days", n)
}

// DayRanges writes the affected days as runs: "2026-11-01 – 2026-11-05, 2026-11-09".
func (w Warning) DayRanges() string {
	var parts []string
	for i := 0; i < len(w.Days); {
		j := i
		for j+1 < len(w.Days) && w.Days[j+1].Sub(w.Days[j]) == 24*time.Hour {
			j++
		}
		if j == i {
			parts = append(parts, w.Days[i].Format(time.DateOnly))
		} else {
			parts = append(parts, w.Days[i].Format(time.DateOnly)+" – "+w.Days[j].Format(time.DateOnly))
		}
		i = j + 1
	}
	return strings.Join(parts, ", ")
}

// Empty reports a result without any amount in any block.
func (r *Result) Empty() bool {
	for _, b := range r.Blocks {
		if len(b.Series) > 0 {
			return false
		}
	}
	return true
}
