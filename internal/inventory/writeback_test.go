package inventory

import (
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// TestWriteBackApplied: a pending edit (a key changed, one added, one
// removed) is written to Azure by the job; the resource's tags then all
// equal what Azure has and the edit is cleared; batch and result audited.
func TestWriteBackApplied(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newTagEnv(t, db)
		e.connect("read-write-tags", "read-tags-only", "no-resources")
		r := e.tagged(2)
		want := maps.Clone(r.CloudTags)
		drop := slices.Sorted(maps.Keys(want))[0]
		delete(want, drop)
		want["owner"], want["CostCentre"] = "finops-team", "CC-9"
		e.edit(r, want)
		b := e.writeBack(WriteBackRequest{ResourceIDs: []string{r.ID}})
		ch := result(t, b)
		if ch.Status != store.TagChangeApplied || !maps.Equal(ch.Tags, want) || ch.Attempts != 1 || ch.ResourceRef != r.ResourceID {
			t.Fatalf("result: %+v", ch)
		}
		if got := e.cloudTags(r.ResourceID); !maps.Equal(got, want) {
			t.Fatalf("Azure has %v, want %v", got, want)
		}
		after := e.get(r.ID)
		if after.CanopyTags != nil || !maps.Equal(after.CloudTags, want) || !maps.Equal(after.BaseTags, want) {
			t.Fatalf("after write-back: %+v", after)
		}
		acts := e.auditActions()
		if !slices.Contains(acts, "tags.writeback") || !slices.Contains(acts, "tags.writeback.applied") {
			t.Fatalf("audit: %v", acts)
		}
		// Nothing is pending any more: all_pending is refused as empty.
		if _, err := e.tags.WriteBack(e.Ctx, e.Owner, e.Actor, WriteBackRequest{AllPending: true}); domain.ErrorField(err) != "all_pending" {
			t.Fatalf("empty all_pending: %v", err)
		}
		// A Viewer may not write back; another org does not see the batch.
		if _, err := e.tags.WriteBack(e.Ctx, e.principal(auth.RoleViewer), e.Actor, WriteBackRequest{AllPending: true}); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("viewer: %v", err)
		}
		other := e.principal(auth.RoleOwner)
		other.Org = domain.Org{ID: domain.NewID(domain.PrefixOrg)}
		if _, err := e.tags.Batch(e.Ctx, other, b.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("other org reads the batch: %v", err)
		}
	})
}

// TestWriteBackRefused: each access level below read-write-tags, a
// subscription without Tag Contributor and resources that are not from
// an Azure sync each get a refusal with its reason; Azure is unchanged.
func TestWriteBackRefused(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newTagEnv(t, db)
		e.connect("read-write-tags", "read-tags-only", "no-resources")
		r := e.tagged(1)
		before := e.cloudTags(r.ResourceID)
		e.edit(r, map[string]string{"team": "refused"})
		for _, level := range []string{"read-tags-only", "no-tags", "no-resources"} {
			e.setLevel(e.prod, level)
			ch := result(t, e.writeBack(WriteBackRequest{ResourceIDs: []string{r.ID}}))
			if ch.Status != store.TagChangeRefused || !strings.Contains(ch.Reason, "access level is "+level) {
				t.Fatalf("%s: %+v", level, ch)
			}
		}
		e.setLevel(e.prod, "read-write-tags")
		if got := e.cloudTags(r.ResourceID); !maps.Equal(got, before) {
			t.Fatalf("Azure changed by a refused write-back: %v", got)
		}
		// Development at read-write-tags, but Canopy holds only Reader there.
		e.setLevel(e.dev, "read-write-tags")
		d := e.resources(e.dev)[0]
		e.edit(d, map[string]string{"team": "refused"})
		ch := result(t, e.writeBack(WriteBackRequest{ResourceIDs: []string{d.ID}}))
		if ch.Status != store.TagChangeRefused || !strings.Contains(ch.Reason, "Tag Contributor") {
			t.Fatalf("without Tag Contributor: %+v", ch)
		}
		aws := e.insertResource("Amazon Web Services", "arn:aws:ec2:eu-west-1:1:instance/i-1", store.ResourceFromCosts)
		virt := e.insertResource("Canopy", "virtual:support", store.ResourceFromVirtual)
		costs := e.insertResource("Microsoft Azure", "/subscriptions/"+e.prod+"/resourcegroups/x/providers/a/b/c", store.ResourceFromCosts)
		b := e.writeBack(WriteBackRequest{ResourceIDs: []string{aws.ID, virt.ID, costs.ID}})
		for _, ch := range b.Changes {
			if ch.Status != store.TagChangeRefused || !strings.Contains(ch.Reason, "write-back is available for Azure resources only") {
				t.Fatalf("non-Azure resource: %+v", ch)
			}
		}
		if b.Counts[store.TagChangeRefused] != 3 {
			t.Fatalf("counts: %v", b.Counts)
		}
	})
}

// TestWriteBackRunsOnce: a job run again after its result changes
// nothing and calls Azure no more; throttling is retried and, after the
// last attempt, the result is "failed" with the reason.
func TestWriteBackRunsOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newTagEnv(t, db)
		e.connect("read-write-tags", "read-tags-only", "no-resources")
		r := e.tagged(1)
		e.edit(r, map[string]string{"team": "once"})
		b := e.writeBack(WriteBackRequest{ResourceIDs: []string{r.ID}})
		ch := result(t, b)
		path := r.ResourceID + "/providers/Microsoft.Resources/tags/default"
		calls := e.Cloud.Faults.Count("arm", path)
		if err := e.tags.runChange(e.Ctx, WriteBackArgs{OrgID: r.OrgID, ChangeID: ch.ID}, 1, WriteBackAttempts); err != nil {
			t.Fatal(err)
		}
		again, _ := e.Store.GetTagChange(e.Ctx, r.OrgID, ch.ID)
		if e.Cloud.Faults.Count("arm", path) != calls || again.Attempts != 1 || again.Status != store.TagChangeApplied {
			t.Fatalf("second run: %d calls (was %d), %+v", e.Cloud.Faults.Count("arm", path), calls, again)
		}
		// Throttled: attempts before the last are retried, the last fails.
		r2 := e.tagged(1, r.ID)
		e.edit(r2, map[string]string{"team": "throttled"})
		e.Cloud.Faults.Add("arm", sbx.Fault{Path: r2.ResourceID, Status: 429})
		defer e.Cloud.Faults.Clear("arm")
		c2, err := e.Store.InsertTagChange(e.Ctx, store.TagChange{OrgID: r2.OrgID, BatchID: "twb_manual", ResourceID: r2.ID,
			Tags: r2.CanopyTags, Status: store.TagChangeQueued, CreatedBy: "owner@x.test"})
		if err != nil {
			t.Fatal(err)
		}
		args := WriteBackArgs{OrgID: r2.OrgID, ChangeID: c2.ID}
		if err := e.tags.runChange(e.Ctx, args, 1, WriteBackAttempts); err == nil {
			t.Fatal("a throttled attempt did not ask for a retry")
		}
		if c, _ := e.Store.GetTagChange(e.Ctx, r2.OrgID, c2.ID); c.Status != store.TagChangeRunning || !strings.Contains(c.Reason, "retrying") {
			t.Fatalf("after a throttled attempt: %+v", c)
		}
		if err := e.tags.runChange(e.Ctx, args, WriteBackAttempts, WriteBackAttempts); err != nil {
			t.Fatal(err)
		}
		c, _ := e.Store.GetTagChange(e.Ctx, r2.OrgID, c2.ID)
		if c.Status != store.TagChangeFailed || !strings.Contains(c.Reason, "failed after 4 attempts") || c.Attempts != 2 {
			t.Fatalf("after the last attempt: %+v", c)
		}
		if e.get(r2.ID).CanopyTags == nil {
			t.Fatal("a failed write-back dropped the edit")
		}
	})
}
