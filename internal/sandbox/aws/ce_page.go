package awssandbox

import (
	"sort"
	"time"
)

// buildCostPage turns a page's rows into ResultsByTime: consecutive rows
// of one period share a ResultByTime, so a period whose groups straddle a
// page boundary appears on both pages with different groups, as in the
// real service.
func buildCostPage(q *costQuery, acc *account, rows []costRow, asOf time.Time) *costResponse {
	resp := &costResponse{GroupDefinitions: q.GroupBy, ResultsByTime: []resultByTime{}, DimensionValueAttributes: []dimensionAttributes{}}
	linked := map[string]bool{}
	for _, r := range rows {
		n := len(resp.ResultsByTime)
		if n == 0 || resp.ResultsByTime[n-1].TimePeriod.Start != r.period[0].Format(time.DateOnly) {
			resp.ResultsByTime = append(resp.ResultsByTime, resultByTime{
				TimePeriod: dateInterval{r.period[0].Format(time.DateOnly), r.period[1].Format(time.DateOnly)},
				Total:      map[string]metricValue{}, Groups: []costGroup{}, Estimated: estimated(r.period, asOf),
			})
			n++
		}
		cur := &resp.ResultsByTime[n-1]
		switch {
		case r.m == nil: // a grouped period with nothing in it
		case len(q.GroupBy) == 0:
			cur.Total = metricsOf(q, r.m)
		default:
			cur.Groups = append(cur.Groups, costGroup{Keys: r.keys, Metrics: metricsOf(q, r.m)})
			markLinked(q, r.keys, linked)
		}
	}
	resp.DimensionValueAttributes = linkedAttributes(acc, linked)
	return resp
}

func metricsOf(q *costQuery, m *metricValues) map[string]metricValue {
	out := make(map[string]metricValue, len(q.Metrics))
	for _, name := range q.Metrics {
		amount, unit := m.get(name)
		out[name] = metricValue{Amount: amount, Unit: unit}
	}
	return out
}

// estimated marks figures that may still change: this month's (the bill
// is not final) and the last days' (usage is still arriving).
func estimated(p [2]time.Time, asOf time.Time) bool {
	monthStart := time.Date(asOf.Year(), asOf.Month(), 1, 0, 0, 0, 0, time.UTC)
	return p[1].After(monthStart) || p[1].After(asOf.AddDate(0, 0, -2))
}

func markLinked(q *costQuery, keys []string, seen map[string]bool) {
	for i, g := range q.GroupBy {
		if g.Type == "DIMENSION" && g.Key == "LINKED_ACCOUNT" {
			seen[keys[i]] = true
		}
	}
}

// linkedAttributes describes the page's linked accounts by name, as
// DimensionValueAttributes does.
func linkedAttributes(acc *account, seen map[string]bool) []dimensionAttributes {
	out := []dimensionAttributes{}
	for id := range seen {
		out = append(out, dimensionAttributes{Value: id, Attributes: map[string]string{"description": linkedName(acc, id)}})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Value < out[j].Value })
	return out
}

func linkedName(acc *account, id string) string {
	for i, l := range acc.LinkedAccounts {
		if l == id {
			return acc.Name + []string{"", " Workloads", " Data"}[i%3]
		}
	}
	return id
}
