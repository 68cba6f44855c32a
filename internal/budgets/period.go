package budgets

import "time"

// PeriodAt is the budget period containing day (UTC), half-open
// [start, end). Monthly, quarterly and yearly periods follow the
// calendar; a custom period is its own range whatever the day.
func PeriodAt(period string, customStart, customEnd *time.Time, day time.Time) (start, end time.Time) {
	day = day.UTC()
	y, m := day.Year(), day.Month()
	switch period {
	case Quarterly:
		start = time.Date(y, ((m-1)/3)*3+1, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(0, 3, 0)
	case Yearly:
		start = time.Date(y, 1, 1, 0, 0, 0, 0, time.UTC)
		return start, start.AddDate(1, 0, 0)
	case Custom:
		if customStart != nil && customEnd != nil {
			return customStart.UTC(), customEnd.UTC()
		}
	}
	start = time.Date(y, m, 1, 0, 0, 0, 0, time.UTC)
	return start, start.AddDate(0, 1, 0)
}

// days counts the days in [from, to).
func days(from, to time.Time) int {
	return int(to.Sub(from).Hours() / 24)
}

func midnight(t time.Time) time.Time { return t.UTC().Truncate(24 * time.Hour) }
