package imports

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// While an import runs, the status shows this process's live figures; on
// PostgreSQL the heartbeat also writes them to the row, so every node
// sees them.
func TestRunningStatusShowsLiveProgress(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := domain.Now()
		org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org", CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		g := []auth.Grant{{Role: auth.RoleViewer}}
		p := &auth.Principal{Org: org, Grants: g, Perms: auth.OrgPermissions(g)}
		s := New(st, nil, 0, nil)
		u, err := st.CreateUpload(ctx, org.ID, "f.csv", "x@y.test")
		if err != nil {
			t.Fatal(err)
		}
		if err := st.AppendUploadChunk(ctx, u.ID, 0, []byte(strings.Repeat("a", 1000))); err != nil {
			t.Fatal(err)
		}
		if err := st.QueueUpload(ctx, org.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if _, ok, err := st.ClaimUpload(ctx, org.ID, u.ID, now); !ok || err != nil {
			t.Fatalf("claim: %v", err)
		}
		s.live.start(u.ID)
		s.live.set(u.ID, 700, 400)
		got, err := s.Status(ctx, p, u.ID)
		if err != nil || got.RowsDone != 700 || got.BytesDone != 400 || got.Percent() != 40 {
			t.Fatalf("live status: %+v %v", got.CostUpload, err)
		}
		if db.Engine != store.Postgres {
			return
		}
		body := &countingReader{}
		stop := s.heartbeat(ctx, u.ID, body)
		defer stop()
		deadline := time.Now().Add(30 * time.Second)
		for {
			row, err := st.GetUpload(ctx, org.ID, u.ID)
			if err != nil {
				t.Fatal(err)
			}
			if row.RowsDone == 700 && row.BytesDone == 400 {
				return
			}
			if time.Now().After(deadline) {
				t.Fatalf("heartbeat never persisted the progress: %+v", row)
			}
			time.Sleep(50 * time.Millisecond)
		}
	})
}
