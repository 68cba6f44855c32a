package api

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/canopyhq/canopy/internal/m365analytics"
)

func TestM365AnalyticsSchemasMatchViews(t *testing.T) {
	schemas := schemas()
	for name, v := range map[string]any{"M365NoData": m365analytics.NoData{}, "M365AnalyticsStatus": m365analytics.Status{},
		"M365AnalyticsConnection": analyticsConnectionView{}, "M365AnalyticsConnectionList": listView[analyticsConnectionView]{},
		"M365LicenceRow": m365analytics.LicenceRow{}, "M365Licences": m365analytics.Licences{},
		"M365ServiceRow": m365analytics.ServiceRow{}, "M365ServiceUsage": m365analytics.ServiceUsage{},
		"M365ReportRow": m365analytics.ReportRow{}, "M365ReportTotals": m365analytics.ReportTotals{},
		"M365TrendPoint": m365analytics.TrendPoint{}, "M365Trends": m365analytics.Trends{},
		"M365UserRow": m365analytics.UserRow{}, "M365UserList": m365analytics.UserList{}, "M365Analytics": m365analytics.Overview{}} {
		got := slices.Sorted(maps.Keys(schemas[name].Properties))
		if want := jsonFields(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("schema %s has %v, type has %v", name, got, want)
		}
	}
}
