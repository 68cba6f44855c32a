package imports

import (
	"context"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// An internal failure (here the segments table is missing) is not the file's
// fault: while retries remain the upload goes back to the queue and the
// attempt fails so river retries it; on the last attempt it is recorded
// as failed without the internal details.
func TestInternalFailureRetriesThenFailsPlainly(t *testing.T) {
	t.Parallel()
	var file strings.Builder
	if _, err := focusgen.Generate(&file, focusgen.Options{Rows: 50, Seed: 2, Days: 2}); err != nil {
		t.Fatal(err)
	}
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := domain.Now()
		org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org", CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		u, err := st.CreateUpload(ctx, org.ID, "focus.csv", "x@y.test")
		if err == nil {
			err = st.AppendUploadChunk(ctx, u.ID, 0, []byte(file.String()))
		}
		if err == nil {
			err = st.QueueUpload(ctx, org.ID, u.ID)
		}
		if err != nil {
			t.Fatal(err)
		}
		if _, err := db.W.Exec("ALTER TABLE cost_segments RENAME TO cost_segments_gone"); err != nil {
			t.Fatal(err)
		}
		s := New(st, nil, 0, nil)
		attempt := func(canRetry bool) error {
			c, ok, err := st.ClaimUpload(ctx, org.ID, u.ID, now)
			if !ok || err != nil {
				t.Fatalf("claim: %+v %v", c, err)
			}
			return s.run(ctx, Args{UploadID: u.ID, OrgID: org.ID}, c, canRetry)
		}
		if err := attempt(true); err == nil {
			t.Fatal("an attempt with retries left reported success")
		}
		if got, _ := st.GetUpload(ctx, org.ID, u.ID); got.Status != store.UploadQueued {
			t.Fatalf("after a failed attempt the upload is %s, want queued again", got.Status)
		}
		if err := attempt(false); err != nil {
			t.Fatalf("the last attempt: %v", err)
		}
		g := []auth.Grant{{Role: auth.RoleViewer}}
		got, err := s.Status(ctx, &auth.Principal{Org: org, Grants: g, Perms: auth.OrgPermissions(g)}, u.ID)
		if err != nil || got.Status != store.UploadFailed || !strings.Contains(got.Error, "internal error") || strings.Contains(got.Error, "cost_segments") {
			t.Fatalf("after the last attempt: %+v %v", got.CostUpload, err)
		}
	})
}
