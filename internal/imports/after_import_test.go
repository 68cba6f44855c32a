package imports_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A successful upload runs AfterImport with its organisation (the app
// refreshes the resource inventory there).
func TestAfterImportRunsForTheUploadsOrg(t *testing.T) {
	t.Parallel()
	data, _ := generate(t, 200, 7, false)
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db, 0, false)
		called := make(chan string, 4)
		h.svc.AfterImport = func(_ context.Context, orgID string) { called <- orgID }
		if err := h.svc.Jobs.Start(h.ctx); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() {
			sctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			_ = h.svc.Jobs.Stop(sctx)
		})
		u, err := h.svc.Upload(h.ctx, h.owner, h.who, "focus.csv", bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		if st := h.waitFinished(t, h.owner, u.ID); st.Status != store.UploadSucceeded {
			t.Fatalf("upload %+v", st.CostUpload)
		}
		select {
		case org := <-called:
			if org != h.owner.Org.ID {
				t.Fatalf("AfterImport for org %s, want %s", org, h.owner.Org.ID)
			}
		case <-time.After(60 * time.Second):
			t.Fatal("AfterImport did not run after the import succeeded")
		}
	})
}
