package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

type tagConflictJSON struct {
	ID            string  `json:"id"`
	ResourceID    string  `json:"resource_id"`
	Key           string  `json:"key"`
	CloudValue    *string `json:"cloud_value"`
	CanopyValue   *string `json:"canopy_value"`
	Status        string  `json:"status"`
	Resolution    string  `json:"resolution"`
	ResolvedValue *string `json:"resolved_value"`
}

type writeBackJSON struct {
	ID      string         `json:"id"`
	Done    bool           `json:"done"`
	Counts  map[string]int `json:"counts"`
	Results []struct {
		ResourceID string `json:"resource_id"`
		Status     string `json:"status"`
		Reason     string `json:"reason"`
	} `json:"results"`
}

// seedTagSync stores a resource of tenant tn (listed by its connection)
// with a pending edit and a conflict on env, and a write-back batch of it
// (in conflict); it returns their IDs.
func (f *fixture) seedTagSync(p *auth.Principal, tn tenant) (resourceID, conflictID, batchID string) {
	f.t.Helper()
	l := store.ResourceListing{OrgID: tn.org.ID, ConnectionID: tn.connectionID, Provider: "Microsoft Azure", SubAccount: "sub", At: time.Now()}
	id := "/subscriptions/sub/resourceGroups/rg/providers/Microsoft.Web/sites/app-" + tn.org.ID
	sync := func(tags map[string]string) {
		if _, err := f.st.SyncResources(f.ctx, l, []store.SyncedResource{{ResourceID: id, Name: "app", Tags: tags}}); err != nil {
			f.t.Fatal(err)
		}
		l.At = l.At.Add(time.Minute)
	}
	sync(map[string]string{"env": "dev"})
	list, err := f.st.ConnectionResources(f.ctx, tn.org.ID, tn.connectionID)
	if err != nil || len(list) != 1 {
		f.t.Fatalf("resources: %v %v", list, err)
	}
	r := list[0]
	if err := f.st.SaveTagState(f.ctx, r.OrgID, r.ID, r.CloudTags, r.BaseTags, map[string]string{"env": "canopy"}, nil); err != nil {
		f.t.Fatal(err)
	}
	sync(map[string]string{"env": "cloud"})
	open, err := f.st.OpenTagConflicts(f.ctx, r.OrgID)
	if err != nil || len(open) != 1 {
		f.t.Fatalf("conflicts: %v %v", open, err)
	}
	b, err := f.tagSync.WriteBack(f.ctx, p, p.Actor("127.0.0.1", testUA), inventory.WriteBackRequest{ResourceIDs: []string{r.ID}})
	if err != nil {
		f.t.Fatal(err)
	}
	return r.ID, open[0].ID, b.ID
}

// The inbox lists the open conflict, a Viewer reads but may not resolve
// or write back, another organisation sees and resolves nothing, the
// owner resolves it with a value of their own; a write-back batch of a
// resource whose connection is not Azure answers with its refusal.
func TestTagConflictsAndWriteBackThroughTheAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		resID := f.a.resourceID
		var list struct{ Items []tagConflictJSON }
		f.do("GET", "/api/v1/tag-conflicts", f.a.viewerToken, nil).must(t, 200).decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].Key != "env" || *list.Items[0].CloudValue != "cloud" || *list.Items[0].CanopyValue != "canopy" || list.Items[0].ResourceID != resID {
			t.Fatalf("inbox: %+v", list.Items)
		}
		c := list.Items[0]
		resolve := "/api/v1/tag-conflicts/" + c.ID + "/resolve"
		f.do("POST", resolve, f.a.viewerToken, map[string]string{"resolution": "cloud"}).must(t, 403)
		f.do("POST", "/api/v1/resources/writeback", f.a.viewerToken, map[string]any{"all_pending": true}).must(t, 403)
		f.do("POST", resolve, f.b.ownerToken, map[string]string{"resolution": "cloud"}).must(t, 404)
		f.do("GET", "/api/v1/tag-conflicts", f.b.ownerToken, nil).must(t, 200).decode(t, &list)
		if len(list.Items) != 1 || list.Items[0].ID != f.b.conflictID {
			t.Fatalf("tenant B sees %+v", list.Items)
		}
		f.do("POST", resolve, f.a.ownerToken, map[string]string{"resolution": "merge"}).must(t, 400)
		var got tagConflictJSON
		f.do("POST", resolve, f.a.ownerToken, map[string]string{"resolution": "custom", "value": "agreed"}).must(t, 200).decode(t, &got)
		if got.Status != store.ConflictResolved || got.Resolution != "custom" || *got.ResolvedValue != "agreed" {
			t.Fatalf("resolved: %+v", got)
		}
		f.do("POST", resolve, f.a.ownerToken, map[string]string{"resolution": "cloud"}).must(t, 409)

		f.do("POST", "/api/v1/resources/writeback", f.a.ownerToken, map[string]any{}).must(t, 400)
		res := f.do("POST", "/api/v1/resources/writeback", f.a.ownerToken, map[string]any{"resource_ids": []string{resID}}).must(t, 202)
		var b writeBackJSON
		res.decode(t, &b)
		if !b.Done || len(b.Results) != 1 || b.Results[0].Status != store.TagChangeRefused || !strings.Contains(b.Results[0].Reason, "Azure resources only") || b.ID == f.a.batchID {
			t.Fatalf("batch: %+v", b)
		}
		var again writeBackJSON
		f.do("GET", res.header.Get("Location"), f.a.viewerToken, nil).must(t, 200).decode(t, &again)
		if again.ID != b.ID || again.Counts[store.TagChangeRefused] != 1 {
			t.Fatalf("batch read back: %+v", again)
		}
		f.do("GET", res.header.Get("Location"), f.b.ownerToken, nil).must(t, 404)
		var batches struct{ Items []struct{ ID string } }
		f.do("GET", "/api/v1/resources/writeback", f.a.ownerToken, nil).must(t, 200).decode(t, &batches)
		if len(batches.Items) != 2 || batches.Items[0].ID != b.ID || batches.Items[1].ID != f.a.batchID {
			t.Fatalf("batches: %+v", batches.Items)
		}
		f.do("POST", "/api/v1/resources/writeback", f.b.ownerToken, map[string]any{"resource_ids": []string{resID}}).must(t, 404)
	})
}

// must fails the test unless the response has status; it returns r.
func (r response) must(t *testing.T, status int) response {
	t.Helper()
	r.wantStatus(t, "request", status)
	return r
}
