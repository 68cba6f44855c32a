package web_test

import (
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

var resourceLink = regexp.MustCompile(`/resources/(res_[a-z0-9]+)`)

// An owner opens the inventory (filled from the imported cost data on the
// first visit), adds a virtual resource, tags it in bulk through the
// confirmation, requires the tag and sees the coverage; the other
// organisation reaches none of it.
func TestResourcePagesFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.importCosts("A")
		owner := f.client("owner-a@example.com")
		code, body := f.do(owner, "GET", "/resources?from=2026-03-01&to=2026-03-10", nil)
		if code != http.StatusOK || strings.Count(body, `data-resource="`) < 5 || !strings.Contains(body, ` EUR</span>`) {
			t.Fatalf("inventory from cost data: %d %s", code, body)
		}
		form := url.Values{"name": {"Support contract"}, "monthly_amount": {"1000"}, "currency": {"EUR"}, "from_month": {"2026-01"}, "tags": {"env=prod"}}
		if code, _ := f.do(owner, "POST", "/resources/virtual", url.Values{"name": {"x"}, "monthly_amount": {"abc"}, "currency": {"EUR"}, "from_month": {"2026-01"}}); code != http.StatusBadRequest {
			t.Fatalf("bad amount: %d", code)
		}
		req, _ := http.NewRequest("POST", f.srv.URL+"/resources/virtual", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		resp, err := owner.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		m := resourceLink.FindStringSubmatch(resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusSeeOther || m == nil {
			t.Fatalf("create virtual: %d %s", resp.StatusCode, resp.Header.Get("Location"))
		}
		id := m[1]
		bulk := url.Values{"source": {"virtual"}, "set": {"CostCenter=42"}}
		code, body = f.do(owner, "POST", "/resources/tags", bulk)
		if code != http.StatusOK || !strings.Contains(body, `data-matching="1"`) || !strings.Contains(body, `name="confirm" value="yes"`) {
			t.Fatalf("bulk confirmation: %d %s", code, body)
		}
		bulk.Set("confirm", "yes")
		if code, _ := f.do(owner, "POST", "/resources/tags", bulk); code != http.StatusSeeOther {
			t.Fatalf("bulk apply: %d", code)
		}
		code, body = f.do(owner, "GET", "/resources/"+id, nil)
		if code != http.StatusOK || !strings.Contains(body, `data-tag="CostCenter"`) || !strings.Contains(body, "1,000.00 EUR") {
			t.Fatalf("virtual resource page: %d %s", code, body)
		}
		if code, _ := f.do(owner, "POST", "/settings/tags/policies", url.Values{"key": {"CostCenter"}}); code != http.StatusSeeOther {
			t.Fatalf("add policy: %d", code)
		}
		code, body = f.do(owner, "GET", "/resources/coverage?from=2026-03-01&to=2026-03-10", nil)
		if code != http.StatusOK || !strings.Contains(body, "<code>CostCenter</code>") || !strings.Contains(body, `data-resource-pct="`) {
			t.Fatalf("coverage: %d %s", code, body)
		}
		code, body = f.do(owner, "GET", "/resources?missing=CostCenter", nil)
		if code != http.StatusOK || strings.Contains(body, `data-resource="`+id+`"`) {
			t.Fatalf("the tagged virtual resource is listed as missing CostCenter: %d", code)
		}
		ownerB := f.client("owner-b@example.com")
		for _, path := range []string{"/resources/" + id, "/resources/" + id + "/virtual"} {
			if code, _ := f.do(ownerB, "GET", path, nil); code != http.StatusNotFound {
				t.Errorf("B GET %s: %d", path, code)
			}
		}
		if code, _ := f.do(ownerB, "POST", "/resources/"+id+"/delete", url.Values{}); code != http.StatusNotFound {
			t.Errorf("B deletes A's virtual resource: %d", code)
		}
		if _, body := f.do(ownerB, "GET", "/resources", nil); strings.Contains(body, "Support contract") {
			t.Error("B's inventory shows A's resource")
		}
		viewer := f.client("viewer-a@example.com")
		if code, body := f.do(viewer, "GET", "/resources/"+id, nil); code != http.StatusOK || strings.Contains(body, `action="/resources/`+id+`/tags"`) {
			t.Errorf("viewer sees the edit form or cannot read: %d", code)
		}
		if code, _ := f.do(owner, "POST", "/resources/"+id+"/delete", url.Values{}); code != http.StatusSeeOther {
			t.Fatalf("delete: %d", code)
		}
	})
}
