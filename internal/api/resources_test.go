package api_test

import (
	"bytes"
	"net/http"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

type resourceJSON struct {
	ID          string            `json:"id"`
	Name        string            `json:"name"`
	Source      string            `json:"source"`
	Tags        map[string]string `json:"tags"`
	CanopyTags  map[string]string `json:"canopy_tags"`
	Pending     bool              `json:"pending"`
	MissingTags []string          `json:"missing_tags"`
	Virtual     *struct {
		MonthlyAmount string `json:"monthly_amount"`
		FromMonth     string `json:"from_month"`
	} `json:"virtual"`
}

// An owner builds the inventory through the API: a virtual resource, a
// bulk tag edit by filter, an alias and a policy with its coverage; a
// viewer reads but changes nothing, and the other organisation's IDs are
// not found.
func TestResourcesAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a, b := f.a, f.b
		vm := store.Resource{Provider: "Microsoft", Key: "/subscriptions/s1/resourcegroups/rg/vm1", ResourceID: "/subscriptions/s1/resourceGroups/rg/vm1",
			Name: "vm1", SubAccount: "s1", ResourceGroup: "rg", CloudTags: map[string]string{"env": "prod"}}
		if _, err := f.st.UpsertCostResources(f.ctx, a.org.ID, []store.Resource{vm}, domain.Now()); err != nil {
			t.Fatal(err)
		}
		virtual := map[string]any{"name": "Support contract", "monthly_amount": "500.00", "currency": "EUR", "from_month": "2026-01"}
		if r := f.do("POST", "/api/v1/resources", a.viewerToken, virtual); r.status != http.StatusForbidden {
			t.Fatalf("viewer creates: %d %s", r.status, r.body)
		}
		r := f.do("POST", "/api/v1/resources", a.ownerToken, virtual)
		var created resourceJSON
		if r.decode(t, &created); r.status != http.StatusCreated || created.Source != "virtual" || created.Virtual == nil ||
			created.Virtual.MonthlyAmount != "500.00" || r.header.Get("Location") != "/api/v1/resources/"+created.ID {
			t.Fatalf("create virtual: %d %s", r.status, r.body)
		}
		var list struct{ Items []resourceJSON }
		if r = f.do("GET", "/api/v1/resources", a.viewerToken, nil); r.status != 200 {
			t.Fatalf("viewer lists: %d %s", r.status, r.body)
		}
		// Each tenant starts with a virtual resource and a synced one (the
		// fixture's); A adds vm1 and the support contract.
		names := map[string]bool{}
		if r.decode(t, &list); len(list.Items) != 4 {
			t.Fatalf("list: %s", r.body)
		}
		vmID := ""
		for _, it := range list.Items {
			names[it.Name] = true
			if it.Name == "vm1" {
				vmID = it.ID
			}
		}
		if !names["Support contract"] || !names["vm1"] {
			t.Fatalf("list: %s", r.body)
		}
		if r = f.do("GET", "/api/v1/resources", b.ownerToken, nil); r.status != 200 || len(r.json(t)["items"].([]any)) != 2 ||
			bytes.Contains(r.body, []byte(created.ID)) || bytes.Contains(r.body, []byte("vm1")) {
			t.Fatalf("B lists A's resources: %d %s", r.status, r.body)
		}
		for _, req := range []struct{ method, path string }{{"GET", "/api/v1/resources/" + created.ID}, {"DELETE", "/api/v1/resources/" + created.ID},
			{"PATCH", "/api/v1/resources/" + created.ID}, {"PUT", "/api/v1/resources/" + created.ID + "/virtual"}} {
			var body any
			if req.method == "PATCH" {
				body = map[string]any{"set": map[string]string{"a": "b"}}
			} else if req.method == "PUT" {
				body = virtual
			}
			if r = f.do(req.method, req.path, b.ownerToken, body); r.status != http.StatusNotFound {
				t.Errorf("B %s A's resource: %d %s", req.method, r.status, r.body)
			}
		}
		bulk := map[string]any{"filter": map[string]string{"provider": "Microsoft"}, "edit": map[string]any{"set": map[string]string{"CostCenter": "42"}}}
		if r = f.do("POST", "/api/v1/resources/tags", a.viewerToken, bulk); r.status != http.StatusForbidden {
			t.Fatalf("viewer bulk edit: %d", r.status)
		}
		bulk["dry_run"] = true
		if r = f.do("POST", "/api/v1/resources/tags", a.ownerToken, bulk); r.status != 200 || r.json(t)["matched"] != 1.0 || r.json(t)["changed"] != 0.0 {
			t.Fatalf("dry run: %d %s", r.status, r.body)
		}
		delete(bulk, "dry_run")
		if r = f.do("POST", "/api/v1/resources/tags", a.ownerToken, bulk); r.status != 200 || r.json(t)["changed"] != 1.0 {
			t.Fatalf("bulk: %d %s", r.status, r.body)
		}
		if r = f.do("POST", "/api/v1/tag-aliases", a.ownerToken, map[string]string{"alias": "ENV", "canonical": "Environment"}); r.status != 200 || r.json(t)["alias"] != "env" {
			t.Fatalf("alias: %d %s", r.status, r.body)
		}
		// The tenant has a CostCenter policy: another on the same key (any case) is refused.
		if r = f.do("POST", "/api/v1/tag-policies", a.ownerToken, map[string]any{"key": "costcenter"}); r.status != http.StatusBadRequest {
			t.Fatalf("second policy on a key: %d %s", r.status, r.body)
		}
		var one resourceJSON
		r = f.do("GET", "/api/v1/resources/"+vmID, a.viewerToken, nil)
		if r.decode(t, &one); !one.Pending || one.CanopyTags["CostCenter"] != "42" || one.Tags["Environment"] != "prod" || len(one.MissingTags) != 0 {
			t.Fatalf("vm1 after the bulk edit: %s", r.body)
		}
		r = f.do("GET", "/api/v1/resources/coverage?from=2026-01-01&to=2026-01-31", a.viewerToken, nil)
		if cov := r.json(t); r.status != 200 || cov["overall"].(map[string]any)["resources"] != 4.0 || cov["overall"].(map[string]any)["compliant"] != 1.0 {
			t.Fatalf("coverage: %d %s", r.status, r.body)
		}
		if r = f.do("GET", "/api/v1/resources?missing=CostCenter", a.ownerToken, nil); len(r.json(t)["items"].([]any)) != 3 {
			t.Fatalf("missing CostCenter: %s", r.body)
		}
		if r = f.do("PATCH", "/api/v1/resources/"+vmID, a.ownerToken, map[string]any{"bogus": 1}); r.status != http.StatusBadRequest {
			t.Fatalf("unknown field: %d", r.status)
		}
		if r = f.do("DELETE", "/api/v1/resources/"+vmID, a.ownerToken, nil); r.status != http.StatusNotFound {
			t.Fatalf("deleting a cloud resource: %d %s", r.status, r.body)
		}
		if r = f.do("DELETE", "/api/v1/resources/"+created.ID, a.ownerToken, nil); r.status != http.StatusNoContent {
			t.Fatalf("delete virtual: %d %s", r.status, r.body)
		}
	})
}
