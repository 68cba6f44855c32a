package azbilling

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

var usageDateFilter = regexp.MustCompile(`(?i)^\s*\(?\s*properties/usageDate\s+ge\s+'?([0-9T:Z.-]+)'?\s+and\s+properties/usageDate\s+le\s+'?([0-9T:Z.-]+)'?\s*\)?\s*$`)

// usagePeriod parses the $filter both Consumption reservation APIs require.
func usagePeriod(w http.ResponseWriter, r *http.Request) (time.Time, time.Time, bool) {
	f := r.URL.Query().Get("$filter")
	m := usageDateFilter.FindStringSubmatch(f)
	var from, to time.Time
	var err1, err2 error
	if m != nil {
		from, err1 = parseDate(m[1])
		to, err2 = parseDate(m[2])
	}
	if m == nil || err1 != nil || err2 != nil || to.Before(from) {
		sbx.WriteARMError(w, http.StatusBadRequest, "BadRequest",
			"Invalid $filter '"+f+"': expected 'properties/usageDate ge yyyy-MM-dd and properties/usageDate le yyyy-MM-dd'.")
		return from, to, false
	}
	return from, to, true
}

// serveSummaries answers .../providers/Microsoft.Consumption/reservationSummaries.
func (b *Billing) serveSummaries(w http.ResponseWriter, r *http.Request, rt routed) {
	res, ok := b.findOrder(w, r, rt)
	if !ok {
		return
	}
	grain := strings.ToLower(r.URL.Query().Get("grain"))
	if grain != "daily" && grain != "monthly" {
		sbx.WriteARMError(w, http.StatusBadRequest, "BadRequest",
			"The query parameter 'grain' must be 'daily' or 'monthly'; got '"+r.URL.Query().Get("grain")+"'.")
		return
	}
	from, to, ok := usagePeriod(w, r)
	if !ok {
		return
	}
	days := b.usageRange(b.snapshot(), res, from, to)
	if grain == "monthly" {
		days = monthly(days)
	}
	value := []any{}
	for _, u := range days {
		value = append(value, summaryJSON(res, u))
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": value})
}

func summaryJSON(r *resState, u dayUsage) map[string]any {
	key := u.date.Format("20060102")
	qty := int64(r.Quantity) * microPerUnit
	return map[string]any{
		"id":   r.path() + "/providers/Microsoft.Consumption/reservationSummaries/" + key,
		"name": r.OrderID + "_" + r.ID + "_" + key, "type": "Microsoft.Consumption/reservationSummaries",
		"tags": nil,
		"properties": map[string]any{
			"reservationOrderId": r.OrderID, "reservationId": r.ID, "skuName": r.SKU, "kind": "Reservation",
			"reservedHours": num(u.reservedMicroH), "usedHours": num(u.usedMicroH),
			"usageDate":                u.date.Format("2006-01-02T15:04:05Z"),
			"minUtilizationPercentage": pct(u.minBP), "avgUtilizationPercentage": pct(u.avgBP),
			"maxUtilizationPercentage": pct(u.maxBP), "purchasedQuantity": r.Quantity,
			"remainingQuantity": num(qty - qty*u.avgBP/10000), "totalReservedQuantity": r.Quantity,
			"usedQuantity": num(qty * u.avgBP / 10000), "utilizedPercentage": pct(u.avgBP),
		},
	}
}

// serveDetails answers .../providers/Microsoft.Consumption/reservationDetails:
// one record per day and covered VM.
func (b *Billing) serveDetails(w http.ResponseWriter, r *http.Request, rt routed) {
	res, ok := b.findOrder(w, r, rt)
	if !ok {
		return
	}
	from, to, ok := usagePeriod(w, r)
	if !ok {
		return
	}
	s := b.snapshot()
	vms := s.covered[res]
	value := []any{}
	for _, u := range b.usageRange(s, res, from, to) {
		for i, vm := range vms {
			value = append(value, detailJSON(b.seed, res, u, vm, i, len(vms)))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": value})
}

// detailJSON splits the day's hours evenly over the covered VMs (the first
// takes the remainder).
func detailJSON(seed int64, r *resState, u dayUsage, vm Resource, i, n int) map[string]any {
	reserved, used := u.reservedMicroH/int64(n), u.usedMicroH/int64(n)
	if i == 0 {
		reserved, used = u.reservedMicroH-reserved*int64(n-1), u.usedMicroH-used*int64(n-1)
	}
	name := uuid(seed, "detail", r.ID, dateKey(u.date), strings.ToLower(vm.ID))
	return map[string]any{
		"id":   r.path() + "/providers/Microsoft.Consumption/reservationDetails/" + name,
		"name": name, "type": "Microsoft.Consumption/reservationDetails", "tags": nil,
		"properties": map[string]any{
			"reservationOrderId": r.OrderID, "reservationId": r.ID, "skuName": r.SKU, "kind": "Reservation",
			"reservedHours": num(reserved), "usedHours": num(used), "usageDate": u.date.Format("2006-01-02T15:04:05Z"),
			"instanceId": strings.ToLower(vm.ID), "totalReservedQuantity": r.Quantity,
			"instanceFlexibilityGroup": vmSeries(vm), "instanceFlexibilityRatio": 1,
		},
	}
}
