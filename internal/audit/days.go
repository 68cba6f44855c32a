package audit

import (
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// DayRange turns the "from" and "to" filters people type (whole UTC days,
// YYYY-MM-DD, both inclusive; either may be empty) into the half-open
// range [from, to+1 day) the store filters on. Errors name the field.
func DayRange(from, to string) (*time.Time, *time.Time, error) {
	var out [2]*time.Time
	for i, d := range []struct {
		field, val string
		add        time.Duration
	}{{"from", from, 0}, {"to", to, 24 * time.Hour}} {
		v := strings.TrimSpace(d.val)
		if v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return nil, nil, domain.FieldError(d.field, "%s must be a date like 2026-01-31 (YYYY-MM-DD, UTC).", d.field)
		}
		t = t.Add(d.add)
		out[i] = &t
	}
	if out[0] != nil && out[1] != nil && !out[0].Before(*out[1]) {
		return nil, nil, domain.FieldError("to", "to must be the same day as from or later.")
	}
	return out[0], out[1], nil
}
