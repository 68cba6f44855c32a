package api

import (
	"maps"
	"reflect"
	"slices"
	"testing"
)

func TestTagSyncSchemasMatchViews(t *testing.T) {
	schemas := schemas()
	for name, v := range map[string]any{"WriteBackRequest": writeBackBody{}, "WriteBackResult": tagChangeView{}, "WriteBack": writeBackView{},
		"WriteBackSummary": writeBackSummaryView{}, "TagConflict": tagConflictView{}, "TagConflictResolve": resolveBody{},
		"TagConflictList": listView[tagConflictView]{}, "WriteBackSummaryList": listView[writeBackSummaryView]{}} {
		got := slices.Sorted(maps.Keys(schemas[name].Properties))
		if want := jsonFields(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("schema %s has %v, type has %v", name, got, want)
		}
	}
}
