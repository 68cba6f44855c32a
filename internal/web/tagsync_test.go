package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const wbSub = "aaaaaaaa-bbbb-cccc-dddd-eeeeeeeeeeee"

// seedTagConflict stores, in org, a resource listed by an Azure
// connection (its subscription read-tags-only) with a pending edit and a
// conflict on env; it returns the conflict's and resource's IDs.
func (f *fixture) seedTagConflict(org string) (conflictID, resourceID string) {
	f.t.Helper()
	ctx := context.Background()
	c, err := f.st.CreateConnection(ctx, store.Connection{OrgID: f.orgs[org].ID, Kind: "azure", Name: "Contoso " + org,
		Settings: []byte(`{"tenant_id":"11111111-2222-3333-4444-555555555555","subscriptions":{"` + wbSub + `":"read-tags-only"}}`)})
	if err != nil {
		f.t.Fatal(err)
	}
	l := store.ResourceListing{OrgID: c.OrgID, ConnectionID: c.ID, Provider: "Microsoft Azure", SubAccount: wbSub, At: time.Now()}
	item := store.SyncedResource{ResourceID: "/subscriptions/" + wbSub + "/resourceGroups/rg/providers/Microsoft.Web/sites/app-" + org,
		Name: "app-" + org, Tags: map[string]string{"env": "dev"}}
	if _, err := f.st.SyncResources(ctx, l, []store.SyncedResource{item}); err != nil {
		f.t.Fatal(err)
	}
	list, _ := f.st.ConnectionResources(ctx, c.OrgID, c.ID)
	r := list[0]
	if err := f.st.SaveTagState(ctx, r.OrgID, r.ID, r.CloudTags, r.BaseTags, map[string]string{"env": "canopy", "team": "web"}, nil); err != nil {
		f.t.Fatal(err)
	}
	l.At, item.Tags = l.At.Add(time.Minute), map[string]string{"env": "cloud"}
	if _, err := f.st.SyncResources(ctx, l, []store.SyncedResource{item}); err != nil {
		f.t.Fatal(err)
	}
	open, err := f.st.OpenTagConflicts(ctx, r.OrgID)
	if err != nil || len(open) != 1 {
		f.t.Fatalf("seeded conflicts: %v %v", open, err)
	}
	return open[0].ID, r.ID
}

var batchURL = regexp.MustCompile(`^/resources/writeback\?batch=(twb_[A-Za-z0-9_-]+)$`)

// The inbox shows the conflict with its three resolutions to the owner,
// read-only to a viewer, nothing to another organisation; keeping another
// value resolves it; the write-back button then shows the refusal and
// its reason for the resource.
func TestConflictsInboxAndWriteBackPages(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		cid, rid := f.seedTagConflict("A")
		owner, viewer, ownerB := f.client("owner-a@example.com"), f.client("viewer-a@example.com"), f.client("owner-b@example.com")
		code, body := f.do(owner, "GET", "/resources/conflicts", nil)
		for _, s := range []string{`data-conflict="` + cid + `"`, `app-A`, `<code>env</code>`, `Cloud: cloud`, `Canopy: canopy`, `name="value"`} {
			if code != 200 || !strings.Contains(body, s) {
				t.Fatalf("inbox %d lacks %s", code, s)
			}
		}
		if code, body := f.do(viewer, "GET", "/resources/conflicts", nil); code != 200 || !strings.Contains(body, "app-A") || strings.Contains(body, "/resources/conflicts/resolve") {
			t.Fatalf("viewer's inbox: %d", code)
		}
		if code, _ := f.do(viewer, "POST", "/resources/conflicts/resolve", url.Values{"id": {cid}, "resolution": {"cloud"}}); code != 403 {
			t.Fatalf("viewer resolves: %d", code)
		}
		if code, body := f.do(ownerB, "GET", "/resources/conflicts", nil); code != 200 || strings.Contains(body, "app-A") {
			t.Fatalf("org B's inbox: %d", code)
		}
		if code, _ := f.do(ownerB, "POST", "/resources/conflicts/resolve", url.Values{"id": {cid}, "resolution": {"cloud"}}); code != 404 {
			t.Fatalf("org B resolves A's conflict: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/resources/conflicts/resolve", url.Values{"id": {cid}, "resolution": {"custom"}, "value": {"agreed"}}); code != 303 {
			t.Fatalf("resolve: %d", code)
		}
		if code, body := f.do(owner, "GET", "/resources/conflicts", nil); code != 200 || !strings.Contains(body, "No tag conflicts") || !strings.Contains(body, "resolved") {
			t.Fatalf("inbox after resolving: %d", code)
		}
		if c, _ := f.st.TagConflict(context.Background(), f.orgs["A"].ID, cid); c.Status != store.ConflictResolved || *c.ResolvedValue != "agreed" {
			t.Fatalf("conflict: %+v", c)
		}
		assertWriteBackPages(t, f, owner, ownerB, rid)
	})
}

func assertWriteBackPages(t *testing.T, f *fixture, owner, ownerB *http.Client, rid string) {
	t.Helper()
	code, body := f.do(owner, "GET", "/resources/writeback", nil)
	if code != 200 || !strings.Contains(body, `name="resource_id" value="`+rid+`"`) || !strings.Contains(body, "env=agreed") {
		t.Fatalf("write-back page %d: %.2000s", code, body)
	}
	req := f.postLocation(owner, "/resources/writeback", url.Values{"resource_id": {rid}})
	m := batchURL.FindStringSubmatch(req)
	if m == nil {
		t.Fatalf("write-back redirect: %q", req)
	}
	code, body = f.do(owner, "GET", req, nil)
	if code != 200 || !strings.Contains(body, `data-status="refused"`) || !strings.Contains(body, "access level is read-tags-only") {
		t.Fatalf("batch page %d: %.3000s", code, body)
	}
	if code, _ := f.do(ownerB, "GET", req, nil); code != 404 {
		t.Fatalf("org B reads A's batch: %d", code)
	}
	if code, _ := f.do(ownerB, "POST", "/resources/writeback", url.Values{"resource_id": {rid}}); code != 404 {
		t.Fatalf("org B writes back A's resource: %d", code)
	}
}

// postLocation posts a form and returns the redirect's Location.
func (f *fixture) postLocation(c *http.Client, path string, form url.Values) string {
	f.t.Helper()
	resp, err := c.PostForm(f.srv.URL+path, form)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusSeeOther {
		f.t.Fatalf("POST %s: %d", path, resp.StatusCode)
	}
	return resp.Header.Get("Location")
}
