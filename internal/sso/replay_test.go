package sso_test

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The database replay cache: an assertion ID is new once per connection,
// several callers racing on the same ID see it new exactly once, expired
// rows are swept, and deleting the connection forgets its IDs.
func TestDatabaseReplayCache(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, st := context.Background(), store.New(db)
		now := domain.Now()
		org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name("replay"), CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		if _, err := st.CreateSSOConnection(ctx, store.SSOConnection{OrgID: org.ID, ID: "sso_a", Kind: sso.KindSAML, Name: "A"}); err != nil {
			t.Fatal(err)
		}
		a := sso.ReplayCache{Store: st, OrgID: org.ID, ConnectionID: "sso_a"}
		b := sso.ReplayCache{Store: st, OrgID: org.ID, ConnectionID: "sso_b"}
		until := now.Add(5 * time.Minute)
		for i, want := range []bool{false, true, true} {
			if replayed, err := a.Seen(ctx, "_id1", until); err != nil || replayed != want {
				t.Fatalf("seen %d: %v %v, want %v", i, replayed, err, want)
			}
		}
		if replayed, err := b.Seen(ctx, "_id1", until); err != nil || replayed {
			t.Fatalf("another connection's ID counted as a replay: %v %v", replayed, err)
		}

		// Racing nodes: exactly one of them accepts the assertion.
		var wg sync.WaitGroup
		var mu sync.Mutex
		fresh, errs := 0, []error{}
		for range 6 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				replayed, err := a.Seen(ctx, "_race", until)
				mu.Lock()
				defer mu.Unlock()
				if err != nil {
					errs = append(errs, err)
				} else if !replayed {
					fresh++
				}
			}()
		}
		wg.Wait()
		if len(errs) > 0 || fresh != 1 {
			t.Fatalf("racing: %d accepted, errors %v", fresh, errs)
		}

		// An expired row is swept before the next record, so it no
		// longer counts (the assertion's own validity refuses it then).
		if replayed, err := a.Seen(ctx, "_old", now.Add(-time.Second)); err != nil || replayed {
			t.Fatalf("old first: %v %v", replayed, err)
		}
		if replayed, err := a.Seen(ctx, "_old", until); err != nil || replayed {
			t.Fatalf("expired row not swept: %v %v", replayed, err)
		}

		if err := st.DeleteSSOConnection(ctx, org.ID, "sso_a"); err != nil {
			t.Fatal(err)
		}
		if replayed, err := a.Seen(ctx, "_id1", until); err != nil || replayed {
			t.Fatalf("IDs of a deleted connection kept: %v %v", replayed, err)
		}
		if replayed, err := b.Seen(ctx, "_id1", until); err != nil || !replayed {
			t.Fatalf("another connection's IDs dropped: %v %v", replayed, err)
		}
	})
}
