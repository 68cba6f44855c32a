package api

import (
	"maps"
	"reflect"
	"slices"
	"testing"
)

func TestDirectorySchemasMatchViews(t *testing.T) {
	schemas := schemas()
	for name, v := range map[string]any{"DirectoryUser": directoryUserView{}, "DirectorySKU": directorySKUView{},
		"DirectoryUserList": listView[directoryUserView]{}, "DirectorySKUList": listView[directorySKUView]{}} {
		got := slices.Sorted(maps.Keys(schemas[name].Properties))
		if want := jsonFields(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("schema %s has %v, type has %v", name, got, want)
		}
	}
}
