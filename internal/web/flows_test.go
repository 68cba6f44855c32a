package web_test

import (
	"context"
	"encoding/csv"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestSwitchOrganisation(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		owner := f.users["owner-a@example.com"]
		if err := f.st.AddMember(ctx, f.orgs["B"].ID, owner.ID, []domain.RoleGrant{{Role: auth.RoleViewer}}, domain.Now()); err != nil {
			t.Fatal(err)
		}
		c := f.client("owner-a@example.com")
		if code, body := f.do(c, "GET", "/settings/users", nil); code != http.StatusOK || !strings.Contains(body, "viewer-a@example.com") {
			t.Fatalf("in org A as owner: %d", code)
		}
		if code, _ := f.do(c, "POST", "/org/switch", url.Values{"org_id": {f.orgs["B"].ID}}); code != http.StatusSeeOther {
			t.Fatalf("switch: %d", code)
		}
		code, body := f.do(c, "GET", "/", nil)
		if code != http.StatusOK || !strings.Contains(body, "Org B") {
			t.Fatalf("after switching the overview shows org B: %d", code)
		}
		if code, _ := f.do(c, "GET", "/settings/users", nil); code != http.StatusForbidden {
			t.Fatalf("in org B the same person is a viewer: %d, want 403", code)
		}
		if code, _ := f.do(c, "POST", "/org/switch", url.Values{"org_id": {"org_not_mine"}}); code != http.StatusNotFound {
			t.Fatalf("switching to an org one is not in: %d, want 404", code)
		}
	})
}

func TestAuditCSVExport(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c := f.client("owner-a@example.com")
		f.client("viewer-a@example.com")
		f.client("owner-b@example.com") // org B's activity must not appear
		// The User-Agent is recorded as sent: a hostile one must not become
		// a spreadsheet formula in the export.
		hostile, _ := http.NewRequest("POST", f.srv.URL+"/signin/password",
			strings.NewReader(url.Values{"email": {"viewer-a@example.com"}, "password": {"wrong password here!!"}}.Encode()))
		hostile.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		hostile.Header.Set("User-Agent", "=HYPERLINK(\"http://evil.example\")")
		if resp, err := f.client("").Do(hostile); err == nil {
			resp.Body.Close()
		}
		req, _ := http.NewRequest("GET", f.srv.URL+"/settings/audit.csv?action=user.signin", nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") ||
			!strings.Contains(resp.Header.Get("Content-Disposition"), "attachment") {
			t.Fatalf("headers: %q %q", ct, resp.Header.Get("Content-Disposition"))
		}
		rows, err := csv.NewReader(resp.Body).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(rows) != 3 || rows[0][0] != "seq" {
			t.Fatalf("want a header and the two sign-ins of org A, got %d rows: %v", len(rows), rows)
		}
		for _, r := range rows[1:] {
			if r[3] != "user.signin" || strings.Contains(r[2], "owner-b") {
				t.Fatalf("row outside the filter or the org: %v", r)
			}
		}
		assertFormulaDefused(t, f, c)
	})
}

// A spreadsheet must not run a formula that a user put into a value.
func assertFormulaDefused(t *testing.T, f *fixture, c *http.Client) {
	t.Helper()
	code, body := f.do(c, "GET", "/settings/audit.csv", nil)
	if code != http.StatusOK {
		t.Fatalf("export: %d", code)
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, r := range rows {
		for _, cell := range r {
			if strings.HasPrefix(cell, "=") || strings.HasPrefix(cell, "+") || strings.HasPrefix(cell, "@") {
				t.Fatalf("cell starts a formula: %q", cell)
			}
			found = found || strings.Contains(cell, "HYPERLINK")
		}
	}
	if !found {
		t.Fatal("the hostile User-Agent is missing from the export: the test proves nothing")
	}
}
