package azbilling

import (
	"context"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	cm "github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/costmanagement/armcostmanagement/v2"
)

func custom(typ cm.ExportType, from, to_ time.Time, groups ...*cm.QueryGrouping) cm.QueryDefinition {
	return cm.QueryDefinition{
		Type: to.Ptr(typ), Timeframe: to.Ptr(cm.TimeframeTypeCustom),
		TimePeriod: &cm.QueryTimePeriod{From: to.Ptr(from), To: to.Ptr(to_)},
		Dataset: &cm.QueryDataset{
			Granularity: to.Ptr(cm.GranularityTypeDaily),
			Aggregation: map[string]*cm.QueryAggregation{"totalCost": {Name: to.Ptr("Cost"), Function: to.Ptr(cm.FunctionTypeSum)}},
			Grouping:    groups,
		},
	}
}

func dim(name string) *cm.QueryGrouping {
	return &cm.QueryGrouping{Type: to.Ptr(cm.QueryColumnTypeDimension), Name: to.Ptr(name)}
}

func micro(t *testing.T, v any) int64 {
	t.Helper()
	f, ok := v.(float64)
	if !ok {
		t.Fatalf("amount %v is %T", v, v)
	}
	m, err := ParseMicro(strconv.FormatFloat(f, 'f', -1, 64))
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func colIndex(t *testing.T, cols []*cm.QueryColumn, name string) int {
	t.Helper()
	for i, c := range cols {
		if *c.Name == name {
			return i
		}
	}
	t.Fatalf("no column %s", name)
	return -1
}

// allPages runs the query and follows nextLink (re-POSTing the body, as
// the real API wants).
func allPages(t *testing.T, e *env, oid, scope string, def cm.QueryDefinition) ([]*cm.QueryColumn, [][]any, int) {
	t.Helper()
	ctx := context.Background()
	resp, err := e.queryClient(t, oid).Usage(ctx, scope, def, nil)
	if err != nil {
		t.Fatal(err)
	}
	cols, rows, pages := resp.Properties.Columns, resp.Properties.Rows, 1
	next := resp.Properties.NextLink
	pl := e.armClient(t, oid).Pipeline()
	for next != nil && *next != "" {
		req, err := runtime.NewRequest(ctx, http.MethodPost, *next)
		if err != nil {
			t.Fatal(err)
		}
		if err := runtime.MarshalAsJSON(req, def); err != nil {
			t.Fatal(err)
		}
		raw, err := pl.Do(req)
		if err != nil || raw.StatusCode != 200 {
			t.Fatalf("next page: %v %v", err, raw.Status)
		}
		var page cm.QueryResult
		if err := runtime.UnmarshalAsJSON(raw, &page); err != nil {
			t.Fatal(err)
		}
		rows, next, pages = append(rows, page.Properties.Rows...), page.Properties.NextLink, pages+1
	}
	return cols, rows, pages
}

func TestQueryPagingSumsToDailyCost(t *testing.T) {
	e := newEnv(t)
	e.b.SetQueryBudget(100)
	e.b.SetPageSize(40)
	from, until := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 25, 0, 0, 0, 0, time.UTC)
	for _, typ := range []cm.ExportType{cm.ExportTypeActualCost, cm.ExportTypeAmortizedCost} {
		cols, rows, pages := allPages(t, e, "reader", "subscriptions/"+subA, custom(typ, from, until, dim("ResourceId"), dim("ChargeType")))
		if pages < 3 {
			t.Fatalf("%s: %d pages, want several", typ, pages)
		}
		ci, di, ri, ki := colIndex(t, cols, "Cost"), colIndex(t, cols, "UsageDate"), colIndex(t, cols, "ResourceId"), colIndex(t, cols, "ChargeType")
		seen, perDay := map[string]bool{}, map[int]int64{}
		for _, r := range rows {
			key := strconv.Itoa(int(r[di].(float64))) + r[ri].(string) + r[ki].(string)
			if seen[key] {
				t.Fatalf("%s: row %s twice", typ, key)
			}
			seen[key] = true
			perDay[int(r[di].(float64))] += micro(t, r[ci])
			if r[len(r)-1] != "USD" {
				t.Fatalf("currency %v", r[len(r)-1])
			}
		}
		for d := from; d.Before(day(now)); d = d.AddDate(0, 0, 1) {
			want := e.b.DailyCost(subA, d)
			w, _ := ParseMicro(map[cm.ExportType]string{cm.ExportTypeActualCost: want.Actual, cm.ExportTypeAmortizedCost: want.Amortized}[typ])
			got := perDay[int(d.Year()*10000+int(d.Month())*100+d.Day())]
			if got != w || w == 0 {
				t.Fatalf("%s %s: rows sum to %s, DailyCost %s", typ, dateKey(d), formatMicro(got), formatMicro(w))
			}
		}
		if len(perDay) != 19 {
			t.Fatalf("%s: %d days with data, want 19 (up to yesterday)", typ, len(perDay))
		}
	}
}

func TestQueryLateDataIsRevised(t *testing.T) {
	e := newEnv(t)
	yesterday := time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)
	before := e.b.DailyCost(subA, yesterday).Actual
	e.clock.Advance(72 * time.Hour)
	after := e.b.DailyCost(subA, yesterday).Actual
	if before == after {
		t.Fatalf("yesterday's cost %s was not revised", before)
	}
	e.clock.Advance(72 * time.Hour)
	if final := e.b.DailyCost(subA, yesterday).Actual; final != after {
		t.Fatalf("a settled day changed: %s -> %s", after, final)
	}
}

func TestQueryRateLimit(t *testing.T) {
	e := newEnv(t)
	c := e.queryClient(t, "reader")
	def := custom(cm.ExportTypeActualCost, now.AddDate(0, 0, -7), now)
	var raw *http.Response
	ctx := runtime.WithCaptureResponse(context.Background(), &raw)
	for i := 0; i < 4; i++ {
		if _, err := c.Usage(ctx, "subscriptions/"+subA, def, nil); err != nil {
			t.Fatalf("query %d: %v", i+1, err)
		}
		if got := raw.Header.Get(hdrQPURemaining); got != "QueryResource:"+strconv.Itoa(3-i) {
			t.Fatalf("query %d: qpu-remaining %q", i+1, got)
		}
	}
	_, err := c.Usage(ctx, "subscriptions/"+subA, def, nil)
	var re *azcore.ResponseError
	if !errors.As(err, &re) || re.StatusCode != 429 || re.ErrorCode != "429" {
		t.Fatalf("fifth query: %v", err)
	}
	for _, h := range []string{"Retry-After", hdrQPURetryAfter, hdrEntityRetryAfter, hdrTenantRetryAfter} {
		if s, err := strconv.Atoi(re.RawResponse.Header.Get(h)); err != nil || s < 1 || s > 60 {
			t.Fatalf("%s = %q", h, re.RawResponse.Header.Get(h))
		}
	}
	if _, err := c.Usage(ctx, "subscriptions/"+subA+"/resourceGroups/prod", def, nil); err != nil {
		t.Fatalf("another scope has its own budget: %v", err)
	}
	e.clock.Advance(61 * time.Second)
	if _, err := c.Usage(ctx, "subscriptions/"+subA, def, nil); err != nil {
		t.Fatalf("after a minute: %v", err)
	}
}

func TestQueryAuthorization(t *testing.T) {
	e := newEnv(t)
	def := custom(cm.ExportTypeActualCost, now.AddDate(0, 0, -3), now)
	var re *azcore.ResponseError
	_, err := e.queryClient(t, "nobody").Usage(context.Background(), "subscriptions/"+subA, def, nil)
	if !errors.As(err, &re) || re.StatusCode != 403 || re.ErrorCode != "AuthorizationFailed" {
		t.Fatalf("no role: %v", err)
	}
	_, err = e.queryClient(t, "reader").Usage(context.Background(), "subscriptions/"+subB, def, nil)
	if !errors.As(err, &re) || re.StatusCode != 403 {
		t.Fatalf("reader of another subscription: %v", err)
	}
	if _, err := e.queryClient(t, "reader").Usage(context.Background(), "/subscriptions/"+subA+"/resourceGroups/dev", def, nil); err != nil {
		t.Fatalf("reader (scope with a leading slash): %v", err)
	}
}

func TestQueryBadBody(t *testing.T) {
	e := newEnv(t)
	e.b.SetQueryBudget(100)
	c := e.queryClient(t, "reader")
	tooMany := custom(cm.ExportTypeActualCost, now.AddDate(0, 0, -3), now, dim("ResourceId"), dim("ServiceName"), dim("ChargeType"))
	badDim := custom(cm.ExportTypeActualCost, now.AddDate(0, 0, -3), now, dim("Colour"))
	long := custom(cm.ExportTypeActualCost, now.AddDate(-2, 0, 0), now)
	noPeriod := custom(cm.ExportTypeActualCost, now, now)
	noPeriod.TimePeriod = nil
	badFn := custom(cm.ExportTypeActualCost, now.AddDate(0, 0, -3), now)
	badFn.Dataset.Aggregation["totalCost"].Function = to.Ptr(cm.FunctionType("Avg"))
	for name, tc := range map[string]struct {
		def  cm.QueryDefinition
		want string
	}{
		"three groupings": {tooMany, "'dataset.grouping'"},
		"bad dimension":   {badDim, "'dataset.grouping[0].name'"},
		"over a year":     {long, "cannot exceed 1 year"},
		"no timePeriod":   {noPeriod, "'timePeriod'"},
		"bad function":    {badFn, "'dataset.aggregation.totalCost.function'"},
	} {
		_, err := c.Usage(context.Background(), "subscriptions/"+subA, tc.def, nil)
		var re *azcore.ResponseError
		if !errors.As(err, &re) || re.StatusCode != 400 || re.ErrorCode != "BadRequest" || !strings.Contains(err.Error(), tc.want) {
			t.Fatalf("%s: %v", name, err)
		}
	}
}

func TestQueryGroupByTagKey(t *testing.T) {
	e := newEnv(t)
	def := cm.QueryDefinition{
		Type: to.Ptr(cm.ExportTypeActualCost), Timeframe: to.Ptr(cm.TimeframeTypeMonthToDate),
		Dataset: &cm.QueryDataset{
			Aggregation: map[string]*cm.QueryAggregation{"totalCost": {Name: to.Ptr("PreTaxCost"), Function: to.Ptr(cm.FunctionTypeSum)}},
			Grouping:    []*cm.QueryGrouping{{Type: to.Ptr(cm.QueryColumnTypeTagKey), Name: to.Ptr("env")}},
		},
	}
	cols, rows, _ := allPages(t, e, "reader", "subscriptions/"+subA, def)
	vi, ci := colIndex(t, cols, "TagValue"), colIndex(t, cols, "PreTaxCost")
	colIndex(t, cols, "TagKey")
	got, total := map[string]bool{}, int64(0)
	for _, r := range rows {
		got[r[vi].(string)] = true
		total += micro(t, r[ci])
	}
	for _, v := range []string{"prod", "batch", "dev", ""} {
		if !got[v] {
			t.Fatalf("no row for env=%q: %v", v, rows)
		}
	}
	var want int64
	for d := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC); d.Before(day(now)); d = d.AddDate(0, 0, 1) {
		m, _ := ParseMicro(e.b.DailyCost(subA, d).Actual)
		want += m
	}
	if total != want {
		t.Fatalf("tag groups sum to %s, want %s", formatMicro(total), formatMicro(want))
	}
}

func TestQueryFilterMatchesResourceGroupScope(t *testing.T) {
	e := newEnv(t)
	from, until := time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 19, 0, 0, 0, 0, time.UTC)
	filtered := custom(cm.ExportTypeAmortizedCost, from, until)
	filtered.Dataset.Granularity = nil
	filtered.Dataset.Filter = &cm.QueryFilter{And: []*cm.QueryFilter{
		{Dimensions: &cm.QueryComparisonExpression{Name: to.Ptr("ResourceGroupName"), Operator: to.Ptr(cm.QueryOperatorTypeIn), Values: []*string{to.Ptr("DEV")}}},
		{Or: []*cm.QueryFilter{
			{Tags: &cm.QueryComparisonExpression{Name: to.Ptr("env"), Operator: to.Ptr(cm.QueryOperatorTypeIn), Values: []*string{to.Ptr("dev")}}},
			{Dimensions: &cm.QueryComparisonExpression{Name: to.Ptr("ServiceName"), Operator: to.Ptr(cm.QueryOperatorTypeIn), Values: []*string{to.Ptr("Storage")}}},
		}},
	}}
	_, a, _ := allPages(t, e, "reader", "subscriptions/"+subA, filtered)
	scoped := custom(cm.ExportTypeAmortizedCost, from, until)
	scoped.Dataset.Granularity = nil
	_, b, _ := allPages(t, e, "reader", "subscriptions/"+subA+"/resourceGroups/dev", scoped)
	if len(a) != 1 || len(b) != 1 || micro(t, a[0][0]) != micro(t, b[0][0]) || micro(t, a[0][0]) == 0 {
		t.Fatalf("filtered %v, resource-group scope %v", a, b)
	}
}
