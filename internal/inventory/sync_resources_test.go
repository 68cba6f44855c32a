package inventory

import (
	"maps"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// TestResourceSyncPerAccessLevel: the Azure sync stores each
// subscription's resources as its access level allows: with their tags at
// read-write-tags, without tags at no-tags, none at no-resources.
func TestResourceSyncPerAccessLevel(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newTagEnv(t, db)
		e.connect("read-write-tags", "no-tags", "no-resources")
		prod := e.resources(e.prod)
		want := e.Cloud.ARM.Resources(e.prod)
		if len(prod) != len(want) || len(prod) == 0 {
			t.Fatalf("stored %d Production resources, the sandbox has %d", len(prod), len(want))
		}
		tagged := 0
		for _, w := range want {
			r := byCloudID(t, prod, w.ID)
			if r.Source != store.ResourceFromSync || r.Provider != "Microsoft Azure" || r.Key != strings.ToLower(w.ID) ||
				r.ResourceGroup != w.ResourceGroup || r.Type != w.Type || r.Region != w.Location || r.Name != w.Name {
				t.Fatalf("stored %+v for %+v", r, w)
			}
			if !maps.Equal(r.CloudTags, w.Tags) || !maps.Equal(r.BaseTags, w.Tags) || r.CanopyTags != nil || r.TagsSyncedAt == nil {
				t.Fatalf("tags of %s: cloud %v base %v, sandbox %v", w.ID, r.CloudTags, r.BaseTags, w.Tags)
			}
			if len(w.Tags) > 0 {
				tagged++
			}
		}
		if tagged == 0 {
			t.Fatal("no tagged resource in Production")
		}
		dev := e.resources(e.dev)
		if len(dev) != len(e.Cloud.ARM.Resources(e.dev)) || len(dev) == 0 {
			t.Fatalf("stored %d Development resources at no-tags", len(dev))
		}
		for _, r := range dev {
			if len(r.CloudTags) != 0 || r.TagsSyncedAt != nil {
				t.Fatalf("tags stored at no-tags: %+v", r)
			}
		}
		if leg := e.resources(e.leg); len(leg) != 0 {
			t.Fatalf("stored %d resources at no-resources", len(leg))
		}
		// A second sync changes nothing and deletes nothing.
		e.sync()
		if again := e.resources(e.prod); len(again) != len(prod) || again[0].ID != prod[0].ID || again[0].DeletedAt != nil {
			t.Fatalf("second sync: %d resources", len(again))
		}
	})
}

func byCloudID(t *testing.T, list []store.Resource, id string) store.Resource {
	t.Helper()
	for _, r := range list {
		if strings.EqualFold(r.ResourceID, id) {
			return r
		}
	}
	t.Fatalf("resource %s not stored", id)
	return store.Resource{}
}
