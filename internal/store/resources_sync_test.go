package store_test

import (
	"context"
	"maps"
	"strconv"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func sp(s string) *string { return &s }

func TestMergeTags(t *testing.T) {
	base := map[string]string{"env": "dev", "owner": "a", "cc": "1"}
	// No pending edit: the cloud becomes the base.
	m := store.MergeTags(base, map[string]string{"env": "prod"}, nil, nil)
	if m.Canopy != nil || !maps.Equal(m.Base, map[string]string{"env": "prod"}) || len(m.Conflicts) != 0 {
		t.Fatalf("no edit: %+v", m)
	}
	// Cloud changed env and removed cc; Canopy changed owner and cc differently.
	cloud := map[string]string{"env": "prod", "owner": "a", "new": "x"}
	canopy := map[string]string{"env": "dev", "owner": "b", "cc": "2"}
	m = store.MergeTags(base, cloud, canopy, nil)
	if len(m.Conflicts) != 1 || m.Conflicts[0].Key != "cc" || *m.Conflicts[0].Base != "1" || m.Conflicts[0].Cloud != nil || *m.Conflicts[0].Canopy != "2" {
		t.Fatalf("conflicts: %+v", m.Conflicts)
	}
	if want := map[string]string{"env": "prod", "owner": "b", "cc": "2", "new": "x"}; !maps.Equal(m.Canopy, want) {
		t.Fatalf("canopy %v, want %v", m.Canopy, want)
	}
	if want := map[string]string{"env": "prod", "owner": "a", "cc": "1", "new": "x"}; !maps.Equal(m.Base, want) {
		t.Fatalf("base %v, want %v", m.Base, want)
	}
	// Both changed to the same value: no conflict, and nothing left pending.
	m = store.MergeTags(base, map[string]string{"env": "prod"}, map[string]string{"env": "prod"}, nil)
	if m.Canopy != nil || len(m.Conflicts) != 0 {
		t.Fatalf("agreeing edit: %+v", m)
	}
	// An open conflict's key stays frozen even when the sides now agree.
	m = store.MergeTags(base, map[string]string{"env": "prod"}, map[string]string{"env": "prod"}, map[string]bool{"env": true})
	if m.Canopy == nil || len(m.Conflicts) != 1 || m.Base["env"] != "dev" {
		t.Fatalf("frozen key: %+v", m)
	}
}

type syncFixture struct {
	ctx  context.Context
	s    *store.Store
	db   *store.DB
	org  string
	conn string
}

func newSyncFixture(t *testing.T, db *store.DB) syncFixture {
	t.Helper()
	ctx, s := context.Background(), store.New(db)
	org := newOrg(t, s, "A")
	c, err := s.CreateConnection(ctx, store.Connection{OrgID: org, Kind: "azure", Name: "Az", Settings: []byte(`{}`)})
	if err != nil {
		t.Fatal(err)
	}
	return syncFixture{ctx: ctx, s: s, db: db, org: org, conn: c.ID}
}

func (f syncFixture) sync(t *testing.T, at time.Time, list ...store.SyncedResource) store.ResourceSyncResult {
	t.Helper()
	res, err := f.s.SyncResources(f.ctx, store.ResourceListing{OrgID: f.org, ConnectionID: f.conn, Provider: "Microsoft Azure",
		SubAccount: "sub-1", At: at}, list)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

// byKey finds a resource by its key.
func (f syncFixture) byKey(t *testing.T, key string) store.Resource {
	t.Helper()
	rows, err := f.db.R.QueryContext(f.ctx, rebindTest(f.db, "SELECT id FROM resources WHERE resource_key = ?"), key)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	if !rows.Next() {
		t.Fatalf("no resource %s", key)
	}
	var id string
	if err := rows.Scan(&id); err != nil {
		t.Fatal(err)
	}
	r, err := f.s.GetResourceForUpdate(f.ctx, f.org, id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestSyncResourcesMergesAndDeletes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newSyncFixture(t, db)
		t0 := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
		// A resource first seen in cost data is upgraded by the sync.
		if _, err := db.W.ExecContext(f.ctx, rebindTest(db, `INSERT INTO resources (org_id, id, provider, resource_key, resource_id,
			source, first_seen, last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`), f.org, "res_costs", "Microsoft Azure",
			"/subscriptions/s/a", "/subscriptions/s/a", store.ResourceFromCosts, t0, t0); err != nil {
			t.Fatal(err)
		}
		res := f.sync(t, t0,
			store.SyncedResource{ResourceID: "/subscriptions/s/A", Name: "a", Tags: map[string]string{"env": "dev"}},
			store.SyncedResource{ResourceID: "/subscriptions/s/B", Name: "b", Tags: map[string]string{"env": "dev", "cc": "1"}},
			store.SyncedResource{ResourceID: "/subscriptions/s/C", Name: "c"})
		if res.Added != 2 || res.Updated != 1 || res.Deleted != 0 {
			t.Fatalf("first sync: %+v", res)
		}
		a := f.byKey(t, "/subscriptions/s/a")
		if a.ID != "res_costs" || a.Source != store.ResourceFromSync || a.ConnectionID != f.conn || a.CloudTags["env"] != "dev" || a.BaseTags["env"] != "dev" {
			t.Fatalf("upgraded resource: %+v", a)
		}
		if c := f.byKey(t, "/subscriptions/s/c"); len(c.CloudTags) != 0 || c.TagsSyncedAt != nil {
			t.Fatalf("resource listed without tags: %+v", c)
		}
		// Canopy edits b: cc 1 -> 2 and owner added; the cloud changes cc to 3
		// and env to prod: cc conflicts, env is absorbed, owner stays pending.
		b := f.byKey(t, "/subscriptions/s/b")
		if err := f.s.SaveTagState(f.ctx, f.org, b.ID, b.CloudTags, b.BaseTags, map[string]string{"env": "dev", "cc": "2", "owner": "x"}, nil); err != nil {
			t.Fatal(err)
		}
		t1 := t0.Add(time.Hour)
		cloudB := map[string]string{"env": "prod", "cc": "3"}
		res = f.sync(t, t1, store.SyncedResource{ResourceID: "/subscriptions/s/B", Name: "b", Tags: cloudB},
			store.SyncedResource{ResourceID: "/subscriptions/s/C", Name: "c"})
		if res.Deleted != 1 || res.Conflicts != 1 {
			t.Fatalf("second sync: %+v", res)
		}
		if a := f.byKey(t, "/subscriptions/s/a"); a.DeletedAt == nil || !a.DeletedAt.Equal(t1) {
			t.Fatalf("unlisted resource not deleted: %+v", a.DeletedAt)
		}
		b = f.byKey(t, "/subscriptions/s/b")
		if want := map[string]string{"env": "prod", "cc": "2", "owner": "x"}; !maps.Equal(b.CanopyTags, want) {
			t.Fatalf("canopy %v, want %v", b.CanopyTags, want)
		}
		if want := map[string]string{"env": "prod", "cc": "1"}; !maps.Equal(b.BaseTags, want) || !maps.Equal(b.CloudTags, cloudB) {
			t.Fatalf("base %v cloud %v", b.BaseTags, b.CloudTags)
		}
		// A third sync with the cloud at cc=4 refreshes the open conflict, no duplicate.
		f.sync(t, t1.Add(time.Hour), store.SyncedResource{ResourceID: "/subscriptions/s/B", Name: "b", Tags: map[string]string{"env": "prod", "cc": "4"}})
		list, err := f.s.OpenTagConflicts(f.ctx, f.org)
		if err != nil || len(list) != 1 || list[0].Key != "cc" || *list[0].Cloud != "4" || *list[0].Base != "1" || *list[0].Canopy != "2" || list[0].ResourceName != "b" {
			t.Fatalf("open conflicts: %+v %v", list, err)
		}
		assertConflictTenancy(t, f, list[0])
	})
}

func assertConflictTenancy(t *testing.T, f syncFixture, c store.TagConflict) {
	t.Helper()
	other := newOrg(t, f.s, "B")
	if _, err := f.s.TagConflict(f.ctx, other, c.ID); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("B reads A's conflict: %v", err)
	}
	if list, _ := f.s.OpenTagConflicts(f.ctx, other); len(list) != 0 {
		t.Fatalf("B lists A's conflicts: %+v", list)
	}
	if err := f.s.ResolveTagConflict(f.ctx, other, c.ID, store.ResolveKeepCloud, nil, "x", time.Now()); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("B resolves A's conflict: %v", err)
	}
	if err := f.s.ResolveTagConflict(f.ctx, f.org, c.ID, store.ResolveCustom, sp("v"), "x", time.Now()); err != nil {
		t.Fatal(err)
	}
	if err := f.s.ResolveTagConflict(f.ctx, f.org, c.ID, store.ResolveKeepCloud, nil, "x", time.Now()); domain.ErrorCode(err) != domain.CodeConflict {
		t.Fatalf("resolved twice: %v", err)
	}
	if got, _ := f.s.TagConflict(f.ctx, f.org, c.ID); got.Status != store.ConflictResolved || *got.ResolvedValue != "v" || got.ResolvedAt == nil {
		t.Fatalf("resolved conflict: %+v", got)
	}
}

func TestTagChangesRunOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newSyncFixture(t, db)
		f.sync(t, time.Now(), store.SyncedResource{ResourceID: "/subscriptions/s/A", Name: "a"})
		r := f.byKey(t, "/subscriptions/s/a")
		c, err := f.s.InsertTagChange(f.ctx, store.TagChange{OrgID: f.org, BatchID: "twb_1", ResourceID: r.ID,
			Tags: map[string]string{"k": "v"}, Status: store.TagChangeQueued, CreatedBy: "u@x"})
		if err != nil {
			t.Fatal(err)
		}
		if _, ok, err := f.s.StartTagChange(f.ctx, f.org, c.ID); !ok || err != nil {
			t.Fatalf("start: %v %v", ok, err)
		}
		if ok, err := f.s.FinishTagChange(f.ctx, f.org, c.ID, store.TagChangeApplied, "", c.Tags, time.Now()); !ok || err != nil {
			t.Fatalf("finish: %v %v", ok, err)
		}
		if got, ok, err := f.s.StartTagChange(f.ctx, f.org, c.ID); ok || err != nil || got.Attempts != 1 || got.Status != store.TagChangeApplied {
			t.Fatalf("second start: %+v %v %v", got, ok, err)
		}
		if ok, _ := f.s.FinishTagChange(f.ctx, f.org, c.ID, store.TagChangeFailed, "x", nil, time.Now()); ok {
			t.Fatal("a finished change finished again")
		}
		batches, err := f.s.TagBatches(f.ctx, f.org, 10)
		if err != nil || len(batches) != 1 || batches[0].Counts[store.TagChangeApplied] != 1 || batches[0].Total != 1 {
			t.Fatalf("batches: %+v %v", batches, err)
		}
		other := newOrg(t, f.s, "B")
		if _, err := f.s.GetTagChange(f.ctx, other, c.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B reads A's change: %v", err)
		}
		if list, _ := f.s.TagBatches(f.ctx, other, 10); len(list) != 0 {
			t.Fatalf("B lists A's batches: %+v", list)
		}
	})
}

// rebindTest turns ? placeholders into PostgreSQL's $n when needed.
func rebindTest(db *store.DB, q string) string {
	if db.Engine != store.Postgres {
		return q
	}
	out, n := []byte{}, 0
	for i := 0; i < len(q); i++ {
		if q[i] == '?' {
			n++
			out = append(out, []byte("$"+strconv.Itoa(n))...)
			continue
		}
		out = append(out, q[i])
	}
	return string(out)
}
