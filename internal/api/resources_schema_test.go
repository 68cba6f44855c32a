package api

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/canopyhq/canopy/internal/inventory"
)

func TestResourceSchemasMatchViews(t *testing.T) {
	schemas := schemas()
	for name, v := range map[string]any{"Resource": resourceView{}, "ResourceList": listView[resourceView]{},
		"VirtualResourceInput": inventory.VirtualInput{}, "TagEdit": inventory.TagEdit{}, "BulkTagEdit": bulkTagsBody{},
		"BulkTagResult": bulkResultView{}, "ResourceRefresh": inventory.RefreshResult{}, "TagCoverage": coverageView{},
		"TagAlias": aliasView{}, "TagAliasList": listView[aliasView]{}, "TagAliasInput": aliasBody{},
		"TagPolicy": policyView{}, "TagPolicyList": listView[policyView]{}, "TagPolicyInput": inventory.PolicyInput{}} {
		got := slices.Sorted(maps.Keys(schemas[name].Properties))
		if want := jsonFields(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("schema %s has %v, type has %v", name, got, want)
		}
	}
	filter := slices.Sorted(maps.Keys(schemas["BulkTagEdit"].Properties["filter"].Properties))
	if want := jsonFields(reflect.TypeOf(inventory.Filter{})); !slices.Equal(filter, want) {
		t.Errorf("bulk filter schema has %v, type has %v", filter, want)
	}
}
