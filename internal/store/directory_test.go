package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func m365Conn(t *testing.T, s *store.Store, org, name string) string {
	t.Helper()
	c, err := s.CreateConnection(context.Background(), store.Connection{OrgID: org, Kind: "m365", Name: name, Settings: []byte(`{}`), SyncHour: 3, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	return c.ID
}

func snapshot(ids ...string) store.DirectorySnapshot {
	snap := store.DirectorySnapshot{HasGroups: true, HasSKUs: true,
		SKUs:   []store.M365SKU{{SkuID: "sku-e3", SkuPartNumber: "SPE_E3", PrepaidEnabled: 10, ConsumedUnits: int64(len(ids))}},
		Groups: []store.M365Group{{ObjectID: "grp-1", DisplayName: "All Staff", GroupTypes: []byte(`["Unified"]`)}}}
	for i, id := range ids {
		snap.Users = append(snap.Users, store.M365User{ObjectID: id, DisplayName: fmt.Sprintf("User %s", id), Department: []string{"Sales", "IT"}[i%2],
			Country: "DE", AccountEnabled: true, AssignedLicenses: []byte(`[{"skuId":"sku-e3","disabledPlans":[]}]`),
			ExtensionAttributes: []byte(`{"extensionAttribute1":"CC-1"}`), UserPrincipalName: id + "@contoso.test"})
		snap.Members = append(snap.Members, store.M365Member{GroupID: "grp-1", MemberID: id, MemberType: "#microsoft.graph.user"})
	}
	return snap
}

// A sync's snapshot replaces the connection's directory: users it no
// longer has are marked deleted with their last-seen time, a repeat
// changes nothing, and another organisation sees none of it.
func TestDirectorySnapshotsReplaceAndStayInTheirOrg(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		conn := m365Conn(t, s, a, "Contoso")
		t1 := time.Date(2026, 3, 1, 3, 0, 0, 0, time.UTC)
		if _, err := s.ReplaceDirectory(ctx, b, conn, snapshot("u1"), t1); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B writes into A's connection: %v", err)
		}
		res, err := s.ReplaceDirectory(ctx, a, conn, snapshot("u1", "u2", "u3"), t1)
		if err != nil || res.Users != 3 || res.UsersDeleted != 0 || res.Members != 3 {
			t.Fatalf("first snapshot: %+v %v", res, err)
		}
		t2 := t1.Add(24 * time.Hour)
		for range 2 { // the second run is the idempotent repeat
			if res, err = s.ReplaceDirectory(ctx, a, conn, snapshot("u1", "u3"), t2); err != nil {
				t.Fatal(err)
			}
		}
		if res.UsersDeleted != 0 {
			t.Fatalf("repeat marked %d more deleted", res.UsersDeleted)
		}
		all, _, err := s.ListM365Users(ctx, a, store.M365UserFilter{IncludeDeleted: true})
		if err != nil || len(all) != 3 {
			t.Fatalf("all users: %d %v", len(all), err)
		}
		for _, u := range all {
			gone := u.ObjectID == "u2"
			if gone != (u.DeletedAt != nil) || u.FirstSeen != t1 {
				t.Fatalf("user %s: deleted %v first seen %v", u.ObjectID, u.DeletedAt, u.FirstSeen)
			}
			if gone && (!u.LastSeen.Equal(t1) || !u.DeletedAt.Equal(t2)) || !gone && !u.LastSeen.Equal(t2) {
				t.Fatalf("user %s: last seen %v deleted %v", u.ObjectID, u.LastSeen, u.DeletedAt)
			}
		}
		cur, _, _ := s.ListM365Users(ctx, a, store.M365UserFilter{})
		if len(cur) != 2 || string(cur[0].ExtensionAttributes) != `{"extensionAttribute1":"CC-1"}` {
			t.Fatalf("current users: %+v", cur)
		}
		if g, m, _ := s.M365GroupCount(ctx, a, conn); g != 1 || m != 2 {
			t.Fatalf("groups %d members %d", g, m)
		}
		// The user comes back: undeleted, first seen kept.
		if _, err := s.ReplaceDirectory(ctx, a, conn, snapshot("u1", "u2", "u3"), t2.Add(time.Hour)); err != nil {
			t.Fatal(err)
		}
		if cur, _, _ = s.ListM365Users(ctx, a, store.M365UserFilter{}); len(cur) != 3 {
			t.Fatalf("after return: %d users", len(cur))
		}
		assertOrgBSeesNothing(t, s, b, conn)
	})
}

func assertOrgBSeesNothing(t *testing.T, s *store.Store, b, conn string) {
	t.Helper()
	ctx := context.Background()
	if list, _, _ := s.ListM365Users(ctx, b, store.M365UserFilter{IncludeDeleted: true}); len(list) != 0 {
		t.Fatalf("B lists A's users: %d", len(list))
	}
	if list, _, _ := s.ListM365SKUs(ctx, b, 10, ""); len(list) != 0 {
		t.Fatalf("B lists A's SKUs: %d", len(list))
	}
	if f, _ := s.M365Facets(ctx, b); f.Users != 0 || len(f.Departments) != 0 {
		t.Fatalf("B's facets: %+v", f)
	}
	if g, m, _ := s.M365GroupCount(ctx, b, conn); g != 0 || m != 0 {
		t.Fatalf("B counts A's groups: %d %d", g, m)
	}
	if names, _ := s.M365GroupsOf(ctx, b, conn, "u1"); len(names) != 0 {
		t.Fatalf("B reads A's memberships: %v", names)
	}
}

func TestDirectoryUsersFilterAndPage(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a := newOrg(t, s, "A")
		conn := m365Conn(t, s, a, "Contoso")
		var ids []string
		for i := range 7 {
			ids = append(ids, fmt.Sprintf("u%d", i))
		}
		if _, err := s.ReplaceDirectory(ctx, a, conn, snapshot(ids...), time.Now()); err != nil {
			t.Fatal(err)
		}
		var seen []string
		cursor := ""
		for {
			page, next, err := s.ListM365Users(ctx, a, store.M365UserFilter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, u := range page {
				seen = append(seen, u.ObjectID)
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if fmt.Sprint(seen) != fmt.Sprint(ids) {
			t.Fatalf("pages: %v", seen)
		}
		it, _, _ := s.ListM365Users(ctx, a, store.M365UserFilter{Department: "IT"})
		search, _, _ := s.ListM365Users(ctx, a, store.M365UserFilter{Search: "USER U5"})
		pct, _, _ := s.ListM365Users(ctx, a, store.M365UserFilter{Search: "%"})
		if len(it) != 3 || len(search) != 1 || len(pct) != 0 {
			t.Fatalf("IT %d, search %d, literal %% %d", len(it), len(search), len(pct))
		}
		if _, _, err := s.ListM365Users(ctx, a, store.M365UserFilter{Cursor: "!!"}); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("bad cursor: %v", err)
		}
		f, _ := s.M365Facets(ctx, a)
		if fmt.Sprint(f.Departments) != "[IT Sales]" || fmt.Sprint(f.Countries) != "[DE]" || f.Users != 7 {
			t.Fatalf("facets %+v", f)
		}
	})
}
