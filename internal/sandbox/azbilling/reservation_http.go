package azbilling

import (
	"net/http"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// ActionReservationRead is what reading reservations (and their usage
// summaries) is authorized with; the Reservations Reader role grants it at
// the tenant scope /providers/Microsoft.Capacity.
const ActionReservationRead = "Microsoft.Capacity/reservationorders/read"

const capacityScope = "/providers/Microsoft.Capacity"

// visibleReservations returns the reservations the caller may read, or
// writes the refusal (an invalid token is refused outright; a missing role
// only hides orders, as the real list does).
func (b *Billing) visibleReservations(w http.ResponseWriter, r *http.Request) ([]*resState, bool) {
	claims, aerr := b.auth.Check(r, capacityScope, ActionReservationRead)
	if aerr != nil && aerr.Status == http.StatusUnauthorized {
		sbx.WriteARMError(w, aerr.Status, aerr.Code, aerr.Message)
		return nil, false
	}
	var out []*resState
	for _, res := range b.reservationList() {
		c := claims
		if aerr != nil {
			var e *sbx.AuthError
			if c, e = b.auth.Check(r, res.orderPath(), ActionReservationRead); e != nil {
				continue
			}
		}
		if b.sameTenant(res, c) {
			out = append(out, res)
		}
	}
	return out, true
}

func (b *Billing) sameTenant(res *resState, c sbx.Claims) bool {
	tid := c.String("tid")
	sub, _ := b.subscription(res.BillingSubscriptionID)
	return tid == "" || sub.TenantID == "" || strings.EqualFold(tid, sub.TenantID)
}

// findOrder returns the order rt names if the caller may read it, or
// writes 403/404.
func (b *Billing) findOrder(w http.ResponseWriter, r *http.Request, rt routed) (*resState, bool) {
	for _, res := range b.reservationList() {
		if !strings.EqualFold(res.OrderID, rt.order) {
			continue
		}
		c, ok := b.authorize(w, r, res.orderPath(), ActionReservationRead)
		if !ok {
			return nil, false
		}
		if b.sameTenant(res, c) && (rt.resvID == "" || strings.EqualFold(rt.resvID, res.ID)) {
			return res, true
		}
		break
	}
	if _, ok := b.authorize(w, r, capacityScope, ActionReservationRead); ok {
		sbx.WriteARMError(w, http.StatusNotFound, "ReservationOrderNotFound",
			"Reservation order '"+rt.order+"' was not found.")
	}
	return nil, false
}

func (b *Billing) serveOrders(w http.ResponseWriter, r *http.Request, rt routed) {
	if rt.order != "" {
		if res, ok := b.findOrder(w, r, rt); ok {
			writeJSON(w, http.StatusOK, orderJSON(res))
		}
		return
	}
	list, ok := b.visibleReservations(w, r)
	if !ok {
		return
	}
	value := []any{}
	for _, res := range list {
		value = append(value, orderJSON(res))
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": value, "nextLink": nil})
}

func (b *Billing) serveReservations(w http.ResponseWriter, r *http.Request, rt routed) {
	var list []*resState
	if rt.order != "" {
		res, ok := b.findOrder(w, r, rt)
		if !ok {
			return
		}
		if rt.resvID != "" {
			writeJSON(w, http.StatusOK, b.reservationJSON(res))
			return
		}
		list = []*resState{res}
	} else if l, ok := b.visibleReservations(w, r); ok {
		list = l
	} else {
		return
	}
	value := []any{}
	for _, res := range list {
		value = append(value, b.reservationJSON(res))
	}
	out := map[string]any{"value": value, "nextLink": nil}
	if rt.order == "" {
		out["summary"] = map[string]int{"succeededCount": len(list), "failedCount": 0, "expiringCount": 0,
			"expiredCount": 0, "pendingCount": 0, "cancelledCount": 0}
	}
	writeJSON(w, http.StatusOK, out)
}

func orderJSON(res *resState) map[string]any {
	start := res.PurchaseDate.Format(time.RFC3339)
	return map[string]any{
		"id":   "/providers/microsoft.capacity/reservationOrders/" + res.OrderID,
		"type": "Microsoft.Capacity/reservationOrders", "name": res.OrderID, "etag": 1,
		"properties": map[string]any{
			"displayName": res.DisplayName, "requestDateTime": start, "createdDateTime": start,
			"benefitStartTime": start, "expiryDate": res.expiry().Format("2006-01-02"),
			"expiryDateTime": res.expiry().Format(time.RFC3339), "term": res.Term, "billingPlan": res.BillingPlan,
			"provisioningState": "Succeeded", "originalQuantity": res.Quantity,
			"reservations": []map[string]string{{"id": "/providers/microsoft.capacity/reservationOrders/" + res.OrderID + "/reservations/" + res.ID}},
		},
	}
}
