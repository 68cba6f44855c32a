package api_test

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// TestPagination walks the users list two at a time and must meet every
// member exactly once, then checks the paging parameters' errors.
func TestPagination(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		want := map[string]bool{f.a.owner.ID: true, f.a.viewer.ID: true}
		for i := range 7 {
			want[f.member(f.a.org, fmt.Sprintf("person%02d@alpha.test", i), auth.RoleViewer).ID] = true
		}
		seen := map[string]int{}
		cursor, pages := "", 0
		for {
			var page listJSON[userJSON]
			res := f.do("GET", "/api/v1/users?limit=2&cursor="+url.QueryEscape(cursor), f.a.ownerToken, nil)
			res.wantStatus(t, "users page", 200)
			res.decode(t, &page)
			pages++
			if len(page.Items) > 2 || (page.NextCursor != "" && len(page.Items) != 2) || pages > 10 {
				t.Fatalf("page %d: %d items, cursor %q", pages, len(page.Items), page.NextCursor)
			}
			for _, u := range page.Items {
				seen[u.ID]++
			}
			if cursor = page.NextCursor; cursor == "" {
				break
			}
		}
		for id := range want {
			if seen[id] != 1 {
				t.Errorf("user %s seen %d times", id, seen[id])
			}
		}
		if len(seen) != len(want) || pages != 5 {
			t.Errorf("saw %d users in %d pages, want %d in 5", len(seen), pages, len(want))
		}
		f.checkPagingErrors(t)
	})
}

func (f *fixture) checkPagingErrors(t *testing.T) {
	for _, q := range []string{"limit=0", "limit=201", "limit=ten", "limit=-1"} {
		e := f.do("GET", "/api/v1/users?"+q, f.a.ownerToken, nil).wantError(t, q, 400, domain.CodeInvalid)
		if e.Error.Field != "limit" {
			t.Errorf("%s: field %q", q, e.Error.Field)
		}
	}
	for _, path := range []string{"/api/v1/users?cursor=%25%25%25", "/api/v1/audit?cursor=bm90LWEtbnVtYmVy"} {
		e := f.do("GET", path, f.a.ownerToken, nil).wantError(t, path, 400, domain.CodeInvalid)
		if e.Error.Field != "cursor" {
			t.Errorf("%s: field %q", path, e.Error.Field)
		}
	}
	e := f.do("GET", "/api/v1/users?status=gone", f.a.ownerToken, nil).wantError(t, "bad status", 400, domain.CodeInvalid)
	if e.Error.Field != "status" {
		t.Errorf("bad status: field %q", e.Error.Field)
	}
	e = f.do("GET", "/api/v1/audit?from=2026-02-02&to=2026-02-01", f.a.ownerToken, nil).wantError(t, "to before from", 400, domain.CodeInvalid)
	if e.Error.Field != "to" {
		t.Errorf("to before from: field %q", e.Error.Field)
	}
	var page listJSON[userJSON]
	f.do("GET", "/api/v1/users?status=active&q=PERSON0", f.a.ownerToken, nil).decode(t, &page)
	if len(page.Items) != 7 || page.NextCursor != "" {
		t.Errorf("filtered list: %d items, cursor %q", len(page.Items), page.NextCursor)
	}
	var log listJSON[auditJSON]
	f.do("GET", "/api/v1/audit?limit=1", f.a.ownerToken, nil).decode(t, &log)
	if len(log.Items) != 1 || log.NextCursor == "" {
		t.Errorf("audit limit=1: %d items, cursor %q", len(log.Items), log.NextCursor)
	}
}
