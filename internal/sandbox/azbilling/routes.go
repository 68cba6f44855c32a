package azbilling

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

type routeKind int

const (
	routeNone routeKind = iota
	routeQuery
	routeOrders
	routeReservations
	routeSummaries
	routeDetails
	routeAdvisor
)

// routed is a parsed request path.
type routed struct {
	kind          routeKind
	sub, rg       string // query and Advisor scopes
	order, resvID string // reservation paths ("" = all)
}

// scope is the query scope as ARM spells it.
func (rt routed) scope() string {
	s := "/subscriptions/" + rt.sub
	if rt.rg != "" {
		s += "/resourceGroups/" + rt.rg
	}
	return s
}

// route parses a path (case-insensitive, as ARM is).
func route(path string) routed {
	seg := strings.Split(strings.TrimPrefix(path, "/"), "/")
	low := strings.Split(strings.ToLower(strings.TrimPrefix(path, "/")), "/")
	switch {
	case len(low) >= 2 && low[0] == "subscriptions":
		return routeSubscription(seg, low)
	case len(low) >= 3 && low[0] == "providers" && low[1] == "microsoft.capacity":
		return routeCapacity(seg[2:], low[2:])
	}
	return routed{}
}

func routeSubscription(seg, low []string) routed {
	rt := routed{sub: seg[1]}
	rest, lrest := seg[2:], low[2:]
	if len(lrest) >= 2 && lrest[0] == "resourcegroups" {
		rt.rg, rest, lrest = rest[1], rest[2:], lrest[2:]
	}
	_ = rest
	switch strings.Join(lrest, "/") {
	case "providers/microsoft.costmanagement/query":
		rt.kind = routeQuery
	case "providers/microsoft.advisor/recommendations":
		if rt.rg == "" {
			rt.kind = routeAdvisor
		}
	}
	return rt
}

// routeCapacity parses what follows /providers/Microsoft.Capacity.
func routeCapacity(seg, low []string) routed {
	if len(low) == 1 && low[0] == "reservations" {
		return routed{kind: routeReservations}
	}
	if low[0] != "reservationorders" {
		return routed{}
	}
	rt := routed{}
	if len(seg) >= 2 {
		rt.order = seg[1]
	}
	tail := low[min(len(low), 2):]
	if len(tail) >= 2 && tail[0] == "reservations" {
		rt.resvID, tail = seg[3], tail[2:]
	}
	switch {
	case len(low) <= 2:
		rt.kind = routeOrders
	case len(tail) == 1 && tail[0] == "reservations":
		rt.kind = routeReservations
	case len(tail) == 0 && rt.resvID != "":
		rt.kind = routeReservations
	case strings.Join(tail, "/") == "providers/microsoft.consumption/reservationsummaries":
		rt.kind = routeSummaries
	case strings.Join(tail, "/") == "providers/microsoft.consumption/reservationdetails":
		rt.kind = routeDetails
	}
	return rt
}

// apiVersions are the api-versions each provider accepts (real published
// versions; the emulation answers all of them the same way).
var apiVersions = map[routeKind][]string{
	routeQuery: {"2019-11-01", "2020-06-01", "2021-10-01", "2022-10-01", "2023-03-01", "2023-04-01-preview",
		"2023-07-01-preview", "2023-08-01", "2023-09-01", "2023-11-01", "2024-08-01", "2025-03-01"},
	routeOrders:       {"2017-11-01", "2019-04-01", "2020-10-01-preview", "2021-07-01", "2022-03-01", "2022-11-01"},
	routeReservations: {"2017-11-01", "2019-04-01", "2020-10-01-preview", "2021-07-01", "2022-03-01", "2022-11-01"},
	routeSummaries:    {"2019-10-01", "2021-10-01", "2023-03-01", "2023-05-01", "2023-11-01", "2024-08-01"},
	routeDetails:      {"2019-10-01", "2021-10-01", "2023-03-01", "2023-05-01", "2023-11-01", "2024-08-01"},
	routeAdvisor:      {"2017-04-19", "2020-01-01", "2022-10-01", "2023-01-01", "2025-01-01"},
}

func (b *Billing) checkAPIVersion(w http.ResponseWriter, r *http.Request, k routeKind) bool {
	v := r.URL.Query().Get("api-version")
	if v == "" {
		sbx.WriteARMError(w, http.StatusBadRequest, "MissingApiVersionParameter",
			"The api-version query parameter (?api-version=) is required for all requests.")
		return false
	}
	for _, ok := range apiVersions[k] {
		if v == ok {
			return true
		}
	}
	sbx.WriteARMError(w, http.StatusBadRequest, "NoRegisteredProviderFound",
		"No registered resource provider found for location 'global' and API version '"+v+
			"'. The supported api-versions are '"+strings.Join(apiVersions[k], ", ")+"'.")
	return false
}

// writeJSON writes v as an ARM JSON body.
func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	enc := newEncoder(w)
	_ = enc.Encode(v)
}

// authorize checks action at scope and writes the refusal when there is one.
func (b *Billing) authorize(w http.ResponseWriter, r *http.Request, scope, action string) (sbx.Claims, bool) {
	c, aerr := b.auth.Check(r, scope, action)
	if aerr != nil {
		sbx.WriteARMError(w, aerr.Status, aerr.Code, aerr.Message)
		return nil, false
	}
	return c, true
}

func newEncoder(w io.Writer) *json.Encoder {
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	return enc
}
