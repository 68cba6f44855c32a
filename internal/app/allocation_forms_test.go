package app

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// A signed-in owner's browser tricked by another site into posting the
// Allocation forms is refused before any handler runs (Go's
// CrossOriginProtection is the UI's CSRF defence), and nothing changes;
// the same form posted from the site itself works.
func TestAllocationFormsRefuseCrossSitePosts(t *testing.T) {
	a, srv := openServingApp(t)
	addOwner(t, a, "alloc-owner@example.com", "correct horse battery staple 42")
	c := signedInClient(t, srv.URL, "alloc-owner@example.com", "correct horse battery staple 42")
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	post := formPoster(t, c, srv.URL)
	group := url.Values{"name": {"Forged"}, "kind": {"project"}}
	for _, path := range []string{"/allocation/groups", "/allocation/rules", "/allocation/splits", "/allocation/licences",
		"/allocation/groups/grp_x/delete", "/allocation/rules/rul_x/move"} {
		for _, hdr := range []map[string]string{{"Sec-Fetch-Site": "cross-site"}, {"Origin": "https://evil.example"}} {
			if code := post(path, group, hdr); code != http.StatusForbidden {
				t.Errorf("cross-site POST %s %v: %d, want 403", path, hdr, code)
			}
		}
	}
	groups, err := a.Store.ListCostGroups(context.Background(), ownerOrg(t, a, "alloc-owner@example.com"))
	if err != nil || len(groups) != 0 {
		t.Fatalf("groups after forged posts: %v %v", groups, err)
	}
	if code := post("/allocation/groups", group, map[string]string{"Sec-Fetch-Site": "same-origin"}); code != http.StatusSeeOther {
		t.Fatalf("same-origin POST: %d, want 303", code)
	}
}

// ownerOrg is the one organisation of the user with email.
func ownerOrg(t *testing.T, a *App, email string) string {
	t.Helper()
	ctx := context.Background()
	u, err := a.Store.GetUserByEmail(ctx, email)
	if err != nil {
		t.Fatal(err)
	}
	orgs, err := a.Auth.ListOrgs(ctx, u.ID)
	if err != nil || len(orgs) != 1 {
		t.Fatalf("orgs of %s: %v %v", email, orgs, err)
	}
	return orgs[0].ID
}

// formPoster posts a form with c to base+path, with extra headers (e.g.
// a forged Origin), and returns the status.
func formPoster(t *testing.T, c *http.Client, base string) func(path string, form url.Values, hdr map[string]string) int {
	return func(path string, form url.Values, hdr map[string]string) int {
		t.Helper()
		req, _ := http.NewRequest("POST", base+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		for k, v := range hdr {
			req.Header.Set(k, v)
		}
		res, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res.StatusCode
	}
}
