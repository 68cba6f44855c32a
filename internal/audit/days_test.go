package audit

import (
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
)

func TestDayRange(t *testing.T) {
	from, to, err := DayRange("2026-01-01", " 2026-01-31 ")
	if err != nil || from.Format("2006-01-02") != "2026-01-01" || to.Format("2006-01-02") != "2026-02-01" {
		t.Fatalf("inclusive days become [from, to+1): %v %v %v", from, to, err)
	}
	if from, to, err := DayRange("", ""); from != nil || to != nil || err != nil {
		t.Fatal("empty filters mean no bounds")
	}
	for _, c := range []struct{ from, to, field string }{{"2026-13-01", "", "from"}, {"", "31/01/2026", "to"}, {"2026-02-01", "2026-01-01", "to"}} {
		if _, _, err := DayRange(c.from, c.to); domain.ErrorField(err) != c.field {
			t.Errorf("%q..%q: want an error on %s, got %v", c.from, c.to, c.field, err)
		}
	}
}
