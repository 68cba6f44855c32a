package budgets

import (
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

func decs(t *testing.T, vs ...string) []*apd.Decimal {
	t.Helper()
	out := make([]*apd.Decimal, len(vs))
	for i, v := range vs {
		d, _, err := apd.NewFromString(v)
		if err != nil {
			t.Fatal(err)
		}
		out[i] = d
	}
	return out
}

// weekdayWeekend is n days ending on lastDay: 100 on weekdays, 40 on
// Saturdays and Sundays.
func weekdayWeekend(t *testing.T, lastDay time.Time, n int) []*apd.Decimal {
	var vs []string
	for i := n - 1; i >= 0; i-- {
		switch lastDay.AddDate(0, 0, -i).Weekday() {
		case time.Saturday, time.Sunday:
			vs = append(vs, "40")
		default:
			vs = append(vs, "100")
		}
	}
	return decs(t, vs...)
}

func texts(p Prediction) []string {
	out := make([]string, len(p.Daily))
	for i, d := range p.Daily {
		r := new(apd.Decimal)
		_, _ = apd.BaseContext.WithPrecision(34).Quantize(r, d, -6)
		out[i] = r.Text('f')
	}
	return out
}

// A stable weekday/weekend pattern is continued exactly: weekdays 100,
// weekends 40, from Wednesday 2026-03-11 (history ends Tuesday).
func TestForecastWeeklyPattern(t *testing.T) {
	last := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC) // a Tuesday
	p, err := Forecast(weekdayWeekend(t, last, 28), last, 7)
	if err != nil {
		t.Fatal(err)
	}
	want := "100.000000 100.000000 100.000000 40.000000 40.000000 100.000000 100.000000" // Wed..Tue
	if got := strings.Join(texts(p), " "); got != want || p.Method != MethodSeasonal {
		t.Fatalf("forecast %s (%s), want %s", got, p.Method, want)
	}
	if !strings.Contains(p.Note, "4 full weeks (2026-02-11 to 2026-03-10)") {
		t.Errorf("note %q", p.Note)
	}
}

// A level that rose from 70 a day to 84 a day over one week (no weekly
// pattern) keeps rising by 2 a day: the last week's mean 84 is centred
// three days before the last day, so the next day is 84 + 2·4.
func TestForecastTrend(t *testing.T) {
	var vs []string
	for range 7 {
		vs = append(vs, "70")
	}
	for range 7 {
		vs = append(vs, "84")
	}
	last := time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC)
	p, err := Forecast(decs(t, vs...), last, 3)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(texts(p), " "); got != "92.000000 94.000000 96.000000" {
		t.Fatalf("forecast %s", got)
	}
}

// With fewer than 14 days the forecast repeats the last seven days' mean
// and says why.
func TestForecastRunRateFallback(t *testing.T) {
	p, err := Forecast(decs(t, "1", "2", "3", "4", "5", "6", "7", "8", "9", "10"), time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), 2)
	if err != nil {
		t.Fatal(err)
	}
	if got := strings.Join(texts(p), " "); got != "7.000000 7.000000" || p.Method != MethodRunRate { // (4+...+10)/7
		t.Fatalf("forecast %s (%s)", got, p.Method)
	}
	if !strings.Contains(p.Note, "only 10 day(s) of history") {
		t.Errorf("note %q", p.Note)
	}
	none, err := Forecast(nil, time.Time{}, 3)
	if err != nil || none.Method != MethodNone || strings.Join(texts(none), " ") != "0.000000 0.000000 0.000000" {
		t.Fatalf("no history: %+v %v", none, err)
	}
}

// A falling trend never forecasts negative spend.
func TestForecastNeverNegative(t *testing.T) {
	var vs []string
	for range 7 {
		vs = append(vs, "100")
	}
	for range 7 {
		vs = append(vs, "10")
	}
	p, err := Forecast(decs(t, vs...), time.Date(2026, 3, 10, 0, 0, 0, 0, time.UTC), 10)
	if err != nil {
		t.Fatal(err)
	}
	for i, d := range p.Daily {
		if d.Sign() < 0 {
			t.Fatalf("day %d forecast %s", i, d)
		}
	}
	if p.Daily[9].Sign() != 0 {
		t.Errorf("day 10 forecast %s, want 0 (the trend ran out)", p.Daily[9])
	}
}

func TestPeriodAt(t *testing.T) {
	day := time.Date(2026, 5, 17, 13, 0, 0, 0, time.UTC)
	cs, ce := time.Date(2026, 4, 10, 0, 0, 0, 0, time.UTC), time.Date(2026, 6, 10, 0, 0, 0, 0, time.UTC)
	for _, c := range []struct {
		period     string
		start, end string
	}{
		{Monthly, "2026-05-01", "2026-06-01"},
		{Quarterly, "2026-04-01", "2026-07-01"},
		{Yearly, "2026-01-01", "2027-01-01"},
		{Custom, "2026-04-10", "2026-06-10"},
	} {
		s, e := PeriodAt(c.period, &cs, &ce, day)
		if s.Format(time.DateOnly) != c.start || e.Format(time.DateOnly) != c.end {
			t.Errorf("%s: [%s, %s), want [%s, %s)", c.period, s.Format(time.DateOnly), e.Format(time.DateOnly), c.start, c.end)
		}
	}
	if s, e := PeriodAt(Quarterly, nil, nil, time.Date(2026, 12, 31, 23, 0, 0, 0, time.UTC)); s.Month() != 10 || e.Year() != 2027 {
		t.Errorf("Q4: [%s, %s)", s, e)
	}
}
