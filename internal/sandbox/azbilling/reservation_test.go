package azbilling

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	cm "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/costmanagement/armcostmanagement/v2"
)

// get does a GET through the azcore ARM pipeline (the reservation and
// Advisor SDK modules are not available here) and decodes the body.
func get(t *testing.T, e *env, oid, pathAndQuery string, out any) int {
	t.Helper()
	u := pathAndQuery
	if !strings.HasPrefix(u, "https://") {
		u = e.url + pathAndQuery
	}
	req, err := runtime.NewRequest(context.Background(), http.MethodGet, u)
	if err != nil {
		t.Fatal(err)
	}
	resp, err := e.armClient(t, oid).Pipeline().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode == 200 && out != nil {
		if err := runtime.UnmarshalAsJSON(resp, out); err != nil {
			t.Fatal(err)
		}
	}
	return resp.StatusCode
}

type listBody struct {
	Value    []map[string]any `json:"value"`
	NextLink *string          `json:"nextLink"`
}

func TestReservationsList(t *testing.T) {
	e := newEnv(t)
	var orders, none listBody
	if st := get(t, e, "resread", "/providers/Microsoft.Capacity/reservationOrders?api-version=2022-11-01", &orders); st != 200 || len(orders.Value) != 2 {
		t.Fatalf("orders: %d %v", st, orders.Value)
	}
	if st := get(t, e, "nobody", "/providers/Microsoft.Capacity/reservationOrders?api-version=2022-11-01", &none); st != 200 || len(none.Value) != 0 {
		t.Fatalf("no role sees %d orders (status %d)", len(none.Value), st)
	}
	var all listBody
	get(t, e, "resread", "/providers/Microsoft.Capacity/reservations?api-version=2022-11-01", &all)
	if len(all.Value) != 2 {
		t.Fatalf("reservations: %v", all.Value)
	}
	low := false
	for _, r := range all.Value {
		p := r["properties"].(map[string]any)
		if p["displayProvisioningState"] != "Succeeded" || r["sku"].(map[string]any)["name"] == "" {
			t.Fatalf("reservation %v", r)
		}
		aggs := p["utilization"].(map[string]any)["aggregates"].([]any)
		if v := aggs[2].(map[string]any)["value"].(float64); v < 45 {
			low = true
		}
	}
	if !low {
		t.Fatal("no reservation is under-utilised over 30 days")
	}
	order := orders.Value[0]["name"].(string)
	var inOrder listBody
	if st := get(t, e, "resread", "/providers/Microsoft.Capacity/reservationOrders/"+order+"/reservations?api-version=2022-11-01", &inOrder); st != 200 || len(inOrder.Value) != 1 {
		t.Fatalf("reservations of order: %d %v", st, inOrder.Value)
	}
	if st := get(t, e, "nobody", "/providers/Microsoft.Capacity/reservationOrders/"+order+"/reservations?api-version=2022-11-01", nil); st != 403 {
		t.Fatalf("order without a role: %d", st)
	}
}

func TestReservationSummariesShowLowUtilisation(t *testing.T) {
	e := newEnv(t)
	var low *resState
	for _, r := range e.b.reservationList() {
		if r.TargetUtilization == 40 {
			low = r
		}
	}
	base := "/providers/Microsoft.Capacity/reservationorders/" + low.OrderID + "/providers/Microsoft.Consumption/"
	filter := "&$filter=" + "properties%2FusageDate+ge+2026-11-01+and+properties%2FusageDate+le+2026-11-30"
	var sums listBody
	if st := get(t, e, "resread", base+"reservationSummaries?grain=daily&api-version=2023-05-01"+filter, &sums); st != 200 {
		t.Fatalf("summaries: %d", st)
	}
	if len(sums.Value) != 19 {
		t.Fatalf("%d daily summaries, want 19 (to yesterday)", len(sums.Value))
	}
	for _, s := range sums.Value {
		p := s["properties"].(map[string]any)
		avg := p["avgUtilizationPercentage"].(float64)
		if avg < 37 || avg > 43 || p["reservedHours"].(float64) != 24 || p["minUtilizationPercentage"].(float64) > avg {
			t.Fatalf("summary %v", p)
		}
	}
	var month listBody
	get(t, e, "resread", base+"reservationSummaries?grain=monthly&api-version=2023-05-01"+filter, &month)
	if len(month.Value) != 1 || month.Value[0]["properties"].(map[string]any)["reservedHours"].(float64) != 19*24 {
		t.Fatalf("monthly: %v", month.Value)
	}
	var details listBody
	get(t, e, "resread", base+"reservationDetails?api-version=2023-05-01"+filter, &details)
	if len(details.Value) != 19 || !strings.Contains(details.Value[0]["properties"].(map[string]any)["instanceId"].(string), "/virtualmachines/vm-batch-1") {
		t.Fatalf("details: %v", details.Value)
	}
	if st := get(t, e, "resread", base+"reservationSummaries?grain=daily&api-version=2023-05-01", nil); st != 400 {
		t.Fatalf("no $filter: %d", st)
	}
}

// TestAmortizedVersusActual: on a day without purchases, amortized minus
// actual is exactly the reservations' daily amortized cost; purchases show
// only in ActualCost and unused reservation only in AmortizedCost.
func TestAmortizedVersusActual(t *testing.T) {
	e := newEnv(t)
	d := time.Date(2026, 11, 10, 0, 0, 0, 0, time.UTC)
	tot := e.b.DailyCost(subA, d)
	act, _ := ParseMicro(tot.Actual)
	amo, _ := ParseMicro(tot.Amortized)
	var spread int64
	for _, r := range e.b.reservationList() {
		spread += r.dailyAmortized()
	}
	if amo-act != spread {
		t.Fatalf("amortized %s - actual %s != reservations' daily %s", tot.Amortized, tot.Actual, formatMicro(spread))
	}
	from, until := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)
	types := map[cm.ExportType]map[string]bool{}
	for _, typ := range []cm.ExportType{cm.ExportTypeActualCost, cm.ExportTypeAmortizedCost} {
		e.clock.Advance(time.Minute) // a fresh rate-limit window
		def := custom(typ, from, until, dim("ChargeType"))
		def.Dataset.Granularity = nil
		cols, rows, _ := allPages(t, e, "reader", "subscriptions/"+subA, def)
		types[typ] = map[string]bool{}
		for _, r := range rows {
			types[typ][r[colIndex(t, cols, "ChargeType")].(string)] = true
		}
	}
	if !types[cm.ExportTypeActualCost]["Purchase"] || types[cm.ExportTypeActualCost]["UnusedReservation"] {
		t.Fatalf("actual charge types %v", types[cm.ExportTypeActualCost])
	}
	if types[cm.ExportTypeAmortizedCost]["Purchase"] || !types[cm.ExportTypeAmortizedCost]["UnusedReservation"] {
		t.Fatalf("amortized charge types %v", types[cm.ExportTypeAmortizedCost])
	}
}

func TestAdvisorPages(t *testing.T) {
	e := newEnv(t)
	u := "/subscriptions/" + subA + "/providers/Microsoft.Advisor/recommendations?api-version=2023-01-01&$top=2&$filter=" + "Category+eq+%27Cost%27"
	var all []map[string]any
	pages := 0
	for u != "" {
		var page listBody
		if st := get(t, e, "reader", u, &page); st != 200 {
			t.Fatalf("page %d: %d", pages, st)
		}
		all, pages, u = append(all, page.Value...), pages+1, ""
		if page.NextLink != nil {
			u = *page.NextLink
		}
	}
	want := e.b.recommendations(Subscription{ID: subA}, "")
	if len(all) != len(want) || pages != (len(want)+1)/2 || len(all) < 3 {
		t.Fatalf("%d recommendations in %d pages, want %d", len(all), pages, len(want))
	}
	ids := map[string]bool{}
	types := map[string]bool{}
	for _, r := range all {
		p := r["properties"].(map[string]any)
		ids[r["id"].(string)] = true
		types[p["recommendationTypeId"].(string)] = true
		ext := p["extendedProperties"].(map[string]any)
		if p["category"] != "Cost" || ext["savingsAmount"] == nil || ext["savingsCurrency"] != "USD" {
			t.Fatalf("recommendation %v", p)
		}
		rid := p["resourceMetadata"].(map[string]any)["resourceId"].(string)
		if !strings.HasPrefix(rid, "/subscriptions/"+subA) {
			t.Fatalf("resourceId %s", rid)
		}
	}
	if len(ids) != len(all) || !types[RecBuyVMRI] {
		t.Fatalf("ids %d types %v", len(ids), types)
	}
	if st := get(t, e, "nobody", "/subscriptions/"+subA+"/providers/Microsoft.Advisor/recommendations?api-version=2023-01-01", nil); st != 403 {
		t.Fatalf("no role: %d", st)
	}
}
