package api

import (
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Rates are JSON strings holding the exact stored decimal: a JSON number
// would be read as a float by most clients and lose digits.

type rateView struct {
	Day    string `json:"day"` // YYYY-MM-DD, UTC
	Base   string `json:"base"`
	Quote  string `json:"quote"`
	Rate   string `json:"rate"`
	Source string `json:"source"`
}

func rateOf(r domain.FXRate) rateView {
	return rateView{Day: r.Day.UTC().Format(time.DateOnly), Base: string(r.Base), Quote: string(r.Quote),
		Rate: decimalText(r.Value), Source: r.Source}
}

type rateChangeView struct {
	rateView
	Previous  *string   `json:"previous"` // null when the rate was new
	ChangedAt time.Time `json:"changed_at"`
	ChangedBy string    `json:"changed_by"`
}

func rateChangeOf(c domain.FXRateChange) rateChangeView {
	v := rateChangeView{rateView: rateOf(c.FXRate), ChangedAt: c.ChangedAt.UTC(), ChangedBy: c.ChangedBy}
	if c.Previous != nil {
		p := decimalText(c.Previous)
		v.Previous = &p
	}
	return v
}

type ratesSavedView struct {
	Added     int `json:"added"`
	Corrected int `json:"corrected"`
	Unchanged int `json:"unchanged"`
}

func savedOf(s store.RatesSaved) ratesSavedView {
	return ratesSavedView{Added: s.Added, Corrected: s.Corrected, Unchanged: s.Unchanged}
}

// decimalText writes a decimal without an exponent, digit for digit.
func decimalText(d *apd.Decimal) string {
	if d == nil {
		return ""
	}
	return d.Text('f')
}
