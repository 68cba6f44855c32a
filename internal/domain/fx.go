package domain

import (
	"time"

	"github.com/cockroachdb/apd/v3"
)

// FXRate says one unit of Base is worth Value units of Quote on Day (a UTC
// date at midnight).
type FXRate struct {
	Day    time.Time
	Base   Currency
	Quote  Currency
	Value  *apd.Decimal
	Source string // e.g. "ecb", "manual", "import"
}

// FXRateChange is one entry of a rate's history.
type FXRateChange struct {
	FXRate
	Previous  *apd.Decimal // nil when the rate was new
	ChangedAt time.Time
	ChangedBy string
}
