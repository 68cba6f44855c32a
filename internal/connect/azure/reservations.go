package azureconn

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/cockroachdb/apd/v3"
)

// Reservation is one Azure reservation (Microsoft.Capacity).
type Reservation struct {
	OrderID, ID, Name, SKU, Location string
	Quantity                         int
	Term, BillingPlan                string // P1Y/P3Y, Upfront/Monthly
	AppliedScopeType                 string // Single or Shared
	Expiry                           time.Time
}

// UtilizationDay is a reservation's use on one day, exact as sent.
type UtilizationDay struct {
	Date                     time.Time
	ReservationID            string
	ReservedHours, UsedHours *apd.Decimal
	AvgUtilizationPercent    *apd.Decimal
	MinUtilizationPercent    *apd.Decimal
	MaxUtilizationPercent    *apd.Decimal
}

// Reservations lists the reservations the service principal may read
// (Reservations Reader at /providers/Microsoft.Capacity). armreservations
// is not among Canopy's modules, so this goes through the azcore pipeline.
func (c *Client) Reservations(ctx context.Context) ([]Reservation, error) {
	var out []Reservation
	err := c.retryExpired(ctx, func() (bool, error) {
		out = nil
		return false, c.listAll(ctx, c.cfg.ARMEndpoint+capacityScope+"/reservations?api-version=2022-11-01", func(raw json.RawMessage) error {
			r, err := reservationOf(raw)
			out = append(out, r)
			return err
		})
	})
	return out, err
}

func reservationOf(raw json.RawMessage) (Reservation, error) {
	var v struct {
		ID       string `json:"id"`
		Location string `json:"location"`
		SKU      struct {
			Name string `json:"name"`
		} `json:"sku"`
		Properties struct {
			DisplayName      string    `json:"displayName"`
			Quantity         int       `json:"quantity"`
			Term             string    `json:"term"`
			BillingPlan      string    `json:"billingPlan"`
			AppliedScopeType string    `json:"appliedScopeType"`
			ExpiryDateTime   time.Time `json:"expiryDateTime"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return Reservation{}, err
	}
	p := v.Properties
	return Reservation{OrderID: segmentAfter(v.ID, "reservationOrders"), ID: segmentAfter(v.ID, "reservations"),
		Name: p.DisplayName, SKU: v.SKU.Name, Location: v.Location, Quantity: p.Quantity, Term: p.Term,
		BillingPlan: p.BillingPlan, AppliedScopeType: p.AppliedScopeType, Expiry: p.ExpiryDateTime}, nil
}

func segmentAfter(id, name string) string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], name) {
			return parts[i+1]
		}
	}
	return ""
}

// ReservationUtilization returns the daily usage summaries of a
// reservation order over [from, to) (Microsoft.Consumption
// reservationSummaries, grain daily).
func (c *Client) ReservationUtilization(ctx context.Context, orderID string, from, to time.Time) ([]UtilizationDay, error) {
	f := "properties/usageDate ge " + from.UTC().Format(time.DateOnly) + " and properties/usageDate le " + to.UTC().AddDate(0, 0, -1).Format(time.DateOnly)
	u := c.cfg.ARMEndpoint + capacityScope + "/reservationorders/" + url.PathEscape(orderID) +
		"/providers/Microsoft.Consumption/reservationSummaries?grain=daily&api-version=2023-05-01&$filter=" + url.QueryEscape(f)
	var out []UtilizationDay
	err := c.retryExpired(ctx, func() (bool, error) {
		out = nil
		return false, c.listAll(ctx, u, func(raw json.RawMessage) error {
			d, err := utilizationOf(raw)
			out = append(out, d)
			return err
		})
	})
	return out, err
}

func utilizationOf(raw json.RawMessage) (UtilizationDay, error) {
	var v struct {
		Properties struct {
			ReservationID string      `json:"reservationId"`
			UsageDate     time.Time   `json:"usageDate"`
			Reserved      json.Number `json:"reservedHours"`
			Used          json.Number `json:"usedHours"`
			Avg           json.Number `json:"avgUtilizationPercentage"`
			Min           json.Number `json:"minUtilizationPercentage"`
			Max           json.Number `json:"maxUtilizationPercentage"`
		} `json:"properties"`
	}
	if err := json.Unmarshal(raw, &v); err != nil {
		return UtilizationDay{}, err
	}
	p := v.Properties
	return UtilizationDay{Date: p.UsageDate.UTC(), ReservationID: p.ReservationID, ReservedHours: dec(p.Reserved),
		UsedHours: dec(p.Used), AvgUtilizationPercent: dec(p.Avg), MinUtilizationPercent: dec(p.Min), MaxUtilizationPercent: dec(p.Max)}, nil
}

// dec parses an exact number; nil when absent or not a number.
func dec(n json.Number) *apd.Decimal {
	d, _, err := apd.NewFromString(string(n))
	if err != nil {
		return nil
	}
	return d
}

// listAll GETs an ARM list and its nextLink pages, calling fn per item.
// A bad page fails the listing.
func (c *Client) listAll(ctx context.Context, u string, fn func(json.RawMessage) error) error {
	pl, err := c.pipeline()
	if err != nil {
		return err
	}
	for u != "" {
		resp, err := get(ctx, pl, u)
		if err != nil {
			return err
		}
		var page struct {
			Value    []json.RawMessage `json:"value"`
			NextLink *string           `json:"nextLink"`
		}
		if err := runtime.UnmarshalAsJSON(resp, &page); err != nil {
			return err
		}
		for _, item := range page.Value {
			if err := fn(item); err != nil {
				return err
			}
		}
		u = deref(page.NextLink)
	}
	return nil
}
