package azbilling

import (
	"encoding/json"
	"strings"
	"time"
)

// dayUsage is a reservation's utilisation on one day, in basis points and
// micro-hours so that monthly sums stay exact.
type dayUsage struct {
	date                time.Time
	reservedMicroH      int64
	usedMicroH          int64
	minBP, avgBP, maxBP int64
}

func (b *Billing) usageOn(s *snapshot, r *resState, d time.Time) dayUsage {
	avg := b.utilizationBP(r, len(s.covered[r]), d)
	spread := hashN(b.seed, 1501, "spread", r.ID, dateKey(d))
	reserved := int64(r.Quantity) * 24 * microPerUnit
	return dayUsage{date: d, reservedMicroH: reserved, usedMicroH: reserved * avg / 10000,
		minBP: max(avg-spread, 0), avgBP: avg, maxBP: min(avg+spread, 10000)}
}

// usageRange returns the days of [from, to] on which r was active and
// whose data exists (up to yesterday).
func (b *Billing) usageRange(s *snapshot, r *resState, from, to time.Time) []dayUsage {
	var out []dayUsage
	yesterday := day(s.now).AddDate(0, 0, -1)
	for d := day(from); !d.After(to) && !d.After(yesterday); d = d.AddDate(0, 0, 1) {
		if r.activeOn(d) {
			out = append(out, b.usageOn(s, r, d))
		}
	}
	return out
}

// monthly folds daily usage into calendar months.
func monthly(days []dayUsage) []dayUsage {
	var out []dayUsage
	for _, u := range days {
		m := time.Date(u.date.Year(), u.date.Month(), 1, 0, 0, 0, 0, time.UTC)
		if n := len(out); n > 0 && out[n-1].date.Equal(m) {
			p := &out[n-1]
			p.reservedMicroH += u.reservedMicroH
			p.usedMicroH += u.usedMicroH
			p.minBP, p.maxBP = min(p.minBP, u.minBP), max(p.maxBP, u.maxBP)
			p.avgBP = p.usedMicroH * 10000 / p.reservedMicroH
			continue
		}
		u.date = m
		out = append(out, u)
	}
	return out
}

// num writes micro-units as a JSON number.
func num(m int64) json.RawMessage { return json.RawMessage(formatMicro(m)) }

// pct writes basis points as a JSON percentage number (4000 -> 40).
func pct(bp int64) json.RawMessage { return num(bp * 10000) }

// utilizationJSON is the reservation's utilization property: the last
// 1, 7 and 30 days' average and the trend between the last day and week.
func (b *Billing) utilizationJSON(s *snapshot, r *resState) map[string]any {
	yesterday := day(s.now).AddDate(0, 0, -1)
	var aggs []map[string]any
	avgs := map[int]int64{}
	for _, g := range []int{1, 7, 30} {
		days := b.usageRange(s, r, yesterday.AddDate(0, 0, 1-g), yesterday)
		var res, used int64
		for _, u := range days {
			res, used = res+u.reservedMicroH, used+u.usedMicroH
		}
		if res > 0 {
			avgs[g] = used * 10000 / res
		}
		aggs = append(aggs, map[string]any{"grain": g, "grainUnit": "days", "value": pct(avgs[g]), "valueUnit": "percentage"})
	}
	trend := "SAME"
	if d := avgs[1] - avgs[7]; d > 50 {
		trend = "UP"
	} else if d < -50 {
		trend = "DOWN"
	}
	return map[string]any{"trend": trend, "aggregates": aggs}
}

func (b *Billing) reservationJSON(r *resState) map[string]any {
	s := b.snapshot()
	props := map[string]any{
		"appliedScopeType": r.AppliedScopeType, "userFriendlyAppliedScopeType": r.AppliedScopeType,
		"displayName": r.DisplayName, "displayProvisioningState": "Succeeded", "provisioningState": "Succeeded",
		"provisioningSubState": nil, "effectiveDateTime": r.PurchaseDate.Format(time.RFC3339),
		"purchaseDate": dateKey(r.PurchaseDate), "purchaseDateTime": r.PurchaseDate.Format(time.RFC3339),
		"expiryDate": dateKey(r.expiry()), "expiryDateTime": r.expiry().Format(time.RFC3339),
		"quantity": r.Quantity, "renew": false, "userFriendlyRenewState": "Off", "term": r.Term,
		"billingPlan": r.BillingPlan, "billingScopeId": "/subscriptions/" + r.BillingSubscriptionID,
		"reservedResourceType": "VirtualMachines", "instanceFlexibility": "On", "skuDescription": nil,
		"archived": false, "utilization": b.utilizationJSON(s, r),
	}
	if r.AppliedScopeType == "Single" {
		props["appliedScopes"] = r.AppliedScopes
	}
	return map[string]any{
		"id":   "/providers/microsoft.capacity/reservationOrders/" + r.OrderID + "/reservations/" + r.ID,
		"name": r.OrderID + "/" + r.ID, "type": "Microsoft.Capacity/reservationOrders/reservations",
		"location": strings.ToLower(r.Location), "etag": 1, "sku": map[string]string{"name": r.SKU},
		"properties": props,
	}
}
