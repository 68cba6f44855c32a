package inventory

import (
	"maps"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// TestConflictsAndResolutions: a key changed in Azure (through its ARM
// API) and in Canopy goes to the inbox at the next sync, the resource's
// other keys merge, write-back refuses the resource while the conflict is
// open, and the three resolutions each end in the value chosen in Azure.
func TestConflictsAndResolutions(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newTagEnv(t, db)
		e.connect("read-write-tags", "read-tags-only", "no-resources")
		var rs []store.Resource
		for range 3 {
			var skip []string
			for _, r := range rs {
				skip = append(skip, r.ID)
			}
			r := e.tagged(1, skip...)
			// Canopy: env -> canopy, plus a new key; Azure: env -> cloud, plus one of its own.
			e.edit(r, with(r.CloudTags, "env", "canopy", "project", "apollo"))
			e.changeInAzure(r.ResourceID, map[string]string{"env": "cloud", "portal": "yes"})
			rs = append(rs, r)
		}
		e.sync()
		list, err := e.tags.Conflicts(e.Ctx, e.Owner)
		if err != nil || len(list) != 3 {
			t.Fatalf("conflicts: %+v %v", list, err)
		}
		for _, c := range list {
			if c.Key != "env" || *c.Cloud != "cloud" || *c.Canopy != "canopy" || c.Base == nil || c.ResourceName == "" {
				t.Fatalf("conflict: %+v", c)
			}
			r := e.get(c.ResourceID)
			if r.CanopyTags["portal"] != "yes" || r.CanopyTags["project"] != "apollo" || r.CanopyTags["env"] != "canopy" {
				t.Fatalf("other keys did not merge: %v", r.CanopyTags)
			}
		}
		// A second sync does not duplicate them; write-back waits for them.
		e.sync()
		if again, _ := e.tags.Conflicts(e.Ctx, e.Owner); len(again) != 3 {
			t.Fatalf("after a second sync: %d conflicts", len(again))
		}
		ch := result(t, e.writeBack(WriteBackRequest{ResourceIDs: []string{rs[0].ID}}))
		if ch.Status != store.TagChangeConflict || !strings.Contains(ch.Reason, `"env"`) {
			t.Fatalf("write-back with an open conflict: %+v", ch)
		}
		assertResolveRefused(t, e, list[0])
		want := map[string]string{}
		for i, res := range []Resolution{{Kind: store.ResolveKeepCloud}, {Kind: store.ResolveKeepCanopy}, {Kind: store.ResolveCustom, Value: "agreed"}} {
			c, err := e.tags.ResolveConflict(e.Ctx, e.Owner, e.Actor, list[i].ID, res)
			if err != nil || c.Status != store.ConflictResolved || c.Resolution != res.Kind || c.ResolvedBy != e.Actor.Email || c.ResolvedAt == nil {
				t.Fatalf("resolve %s: %+v %v", res.Kind, c, err)
			}
			want[c.ResourceID] = map[string]string{store.ResolveKeepCloud: "cloud", store.ResolveKeepCanopy: "canopy", store.ResolveCustom: "agreed"}[res.Kind]
			if r := e.get(c.ResourceID); r.CanopyTags["env"] != want[c.ResourceID] || r.BaseTags["env"] != "cloud" {
				t.Fatalf("after %s: canopy %v base %v", res.Kind, r.CanopyTags, r.BaseTags)
			}
		}
		if _, err := e.tags.ResolveConflict(e.Ctx, e.Owner, e.Actor, list[0].ID, Resolution{Kind: store.ResolveKeepCloud}); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("resolved twice: %v", err)
		}
		b := e.writeBack(WriteBackRequest{AllPending: true})
		if b.Counts[store.TagChangeApplied] != 3 || len(b.Changes) != 3 {
			t.Fatalf("write-back after resolving: %+v", b.Changes)
		}
		for id, env := range want {
			r := e.get(id)
			got := e.cloudTags(r.ResourceID)
			if got["env"] != env || got["portal"] != "yes" || got["project"] != "apollo" || r.CanopyTags != nil {
				t.Fatalf("Azure has %v for %s (want env=%s); canopy %v", got, id, env, r.CanopyTags)
			}
		}
	})
}

func with(m map[string]string, kv ...string) map[string]string {
	out := maps.Clone(m)
	for i := 0; i+1 < len(kv); i += 2 {
		out[kv[i]] = kv[i+1]
	}
	return out
}

// assertResolveRefused: a Viewer may read but not resolve; another
// organisation finds nothing; a bad resolution names its field.
func assertResolveRefused(t *testing.T, e *tagEnv, c store.TagConflict) {
	t.Helper()
	viewer := e.principal(auth.RoleViewer)
	if _, err := e.tags.Conflicts(e.Ctx, viewer); err != nil {
		t.Fatalf("viewer reads the inbox: %v", err)
	}
	if _, err := e.tags.ResolveConflict(e.Ctx, viewer, e.Actor, c.ID, Resolution{Kind: store.ResolveKeepCloud}); domain.ErrorCode(err) != domain.CodeForbidden {
		t.Fatalf("viewer resolves: %v", err)
	}
	other := e.principal(auth.RoleOwner)
	other.Org = domain.Org{ID: domain.NewID(domain.PrefixOrg)}
	if _, err := e.tags.ResolveConflict(e.Ctx, other, e.Actor, c.ID, Resolution{Kind: store.ResolveKeepCloud}); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("another org resolves: %v", err)
	}
	if _, err := e.tags.Conflict(e.Ctx, other, c.ID); domain.ErrorCode(err) != domain.CodeNotFound {
		t.Fatalf("another org reads: %v", err)
	}
	if list, _ := e.tags.Conflicts(e.Ctx, other); len(list) != 0 {
		t.Fatalf("another org lists %d conflicts", len(list))
	}
	if _, err := e.tags.ResolveConflict(e.Ctx, e.Owner, e.Actor, c.ID, Resolution{Kind: "merge"}); domain.ErrorField(err) != "resolution" {
		t.Fatalf("bad resolution: %v", err)
	}
}

// TestWriteBackFindsNewCloudChange: Azure changed a key Canopy changes
// after the last sync: the write-back's re-read records the conflict and
// writes nothing; a key only Azure changed is kept, not overwritten.
func TestWriteBackFindsNewCloudChange(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newTagEnv(t, db)
		e.connect("read-write-tags", "read-tags-only", "no-resources")
		r := e.tagged(1)
		e.edit(r, with(r.CloudTags, "env", "canopy"))
		e.changeInAzure(r.ResourceID, map[string]string{"env": "portal"})
		before := e.cloudTags(r.ResourceID)
		ch := result(t, e.writeBack(WriteBackRequest{ResourceIDs: []string{r.ID}}))
		if ch.Status != store.TagChangeConflict || !strings.Contains(ch.Reason, "nothing was written") {
			t.Fatalf("result: %+v", ch)
		}
		if got := e.cloudTags(r.ResourceID); !maps.Equal(got, before) {
			t.Fatalf("Azure overwritten: %v", got)
		}
		if list, _ := e.tags.Conflicts(e.Ctx, e.Owner); len(list) != 1 || *list[0].Cloud != "portal" {
			t.Fatalf("conflicts: %+v", list)
		}
		// Only Azure changed "portal": the write-back keeps it.
		r2 := e.tagged(1, r.ID)
		e.edit(r2, with(r2.CloudTags, "project", "apollo"))
		e.changeInAzure(r2.ResourceID, map[string]string{"portal": "yes"})
		if ch := result(t, e.writeBack(WriteBackRequest{ResourceIDs: []string{r2.ID}})); ch.Status != store.TagChangeApplied {
			t.Fatalf("result: %+v", ch)
		}
		if got := e.cloudTags(r2.ResourceID); got["portal"] != "yes" || got["project"] != "apollo" {
			t.Fatalf("Azure has %v", got)
		}
	})
}
