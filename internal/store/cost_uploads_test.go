package store_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"io"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestCostUploadChunksClaimAndFinish(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "up@example.com", "owner")
		other, _ := seedOrgUser(t, s, "other@example.com", "owner")
		u, err := s.CreateUpload(ctx, org.ID, "costs.csv", "up@example.com")
		if err != nil || u.Status != store.UploadUploading {
			t.Fatalf("create: %+v %v", u, err)
		}
		var want bytes.Buffer
		for seq, n := range []int{1000, 70000, 3} {
			chunk := make([]byte, n)
			_, _ = rand.Read(chunk)
			want.Write(chunk)
			if err := s.AppendUploadChunk(ctx, u.ID, seq, chunk); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.QueueUpload(ctx, org.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if err := s.QueueUpload(ctx, org.ID, u.ID); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("queue twice: %v", err)
		}
		got, err := s.GetUpload(ctx, org.ID, u.ID)
		if err != nil || got.SizeBytes != int64(want.Len()) || got.Status != store.UploadQueued || got.FileName != "costs.csv" {
			t.Fatalf("get: %+v %v", got, err)
		}
		if _, err := s.GetUpload(ctx, other.ID, u.ID); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("other org reads the upload: %v", err)
		}
		back, err := io.ReadAll(s.OpenUpload(ctx, u.ID))
		if err != nil || !bytes.Equal(back, want.Bytes()) {
			t.Fatalf("read back %d bytes (want %d): %v", len(back), want.Len(), err)
		}

		past := domain.Now().Add(-time.Minute)
		if _, ok, err := s.ClaimUpload(ctx, other.ID, u.ID, past); ok || !isCode(err, domain.CodeNotFound) {
			t.Fatalf("other org claims: %v %v", ok, err)
		}
		c, ok, err := s.ClaimUpload(ctx, org.ID, u.ID, past)
		if err != nil || !ok || c.Status != store.UploadRunning {
			t.Fatalf("claim: %+v %v %v", c, ok, err)
		}
		if _, ok, err := s.ClaimUpload(ctx, org.ID, u.ID, past); ok || err != nil {
			t.Fatalf("a fresh running upload was claimed again: %v", err)
		}
		if err := s.SetUploadProgress(ctx, u.ID, 10, 500); err != nil {
			t.Fatal(err)
		}
		stale, err := s.UploadsBefore(ctx, store.UploadRunning, domain.Now().Add(time.Second))
		if err != nil || len(stale) != 1 || stale[0].RowsDone != 10 || stale[0].BytesDone != 500 {
			t.Fatalf("stale running uploads: %+v %v", stale, err)
		}
		// No progress since "the future": its importer is taken for dead.
		if _, ok, err := s.ClaimUpload(ctx, org.ID, u.ID, domain.Now().Add(time.Second)); !ok || err != nil {
			t.Fatalf("a stale running upload was not claimed: %v", err)
		}

		c.Status, c.ImportID, c.RowsDone, c.BytesDone = store.UploadSucceeded, "imp_x", 42, int64(want.Len())
		if err := s.FinishUpload(ctx, c); err != nil {
			t.Fatal(err)
		}
		if n := chunkCount(t, db, u.ID); n != 0 {
			t.Fatalf("%d chunks left after the import finished", n)
		}
		done, err := s.GetUpload(ctx, org.ID, u.ID)
		if err != nil || done.Status != store.UploadSucceeded || done.ImportID != "imp_x" || done.RowsDone != 42 || !done.Finished() {
			t.Fatalf("finished upload: %+v %v", done, err)
		}
		if _, ok, err := s.ClaimUpload(ctx, org.ID, u.ID, domain.Now().Add(time.Hour)); ok || err != nil {
			t.Fatalf("a finished upload was claimed: %v", err)
		}
		list, err := s.ListUploads(ctx, org.ID, 10)
		if err != nil || len(list) != 1 || list[0].ID != u.ID {
			t.Fatalf("list: %+v %v", list, err)
		}
		if list, _ := s.ListUploads(ctx, other.ID, 10); len(list) != 0 {
			t.Fatalf("other org lists %+v", list)
		}
	})
}

func TestCostUploadDeleteRemovesChunks(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		s := store.New(db)
		org, _ := seedOrgUser(t, s, "del@example.com", "owner")
		u, err := s.CreateUpload(ctx, org.ID, "big.csv", "del@example.com")
		if err != nil {
			t.Fatal(err)
		}
		if err := s.AppendUploadChunk(ctx, u.ID, 0, []byte("a,b\n")); err != nil {
			t.Fatal(err)
		}
		if err := s.DeleteUpload(ctx, org.ID, u.ID); err != nil {
			t.Fatal(err)
		}
		if n := chunkCount(t, db, u.ID); n != 0 {
			t.Fatalf("%d chunks left", n)
		}
		if _, err := s.GetUpload(ctx, org.ID, u.ID); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("deleted upload: %v", err)
		}
	})
}

func chunkCount(t *testing.T, db *store.DB, uploadID string) int {
	t.Helper()
	var n int
	q := "SELECT COUNT(*) FROM cost_upload_chunks WHERE upload_id = '" + uploadID + "'"
	if err := db.R.QueryRow(q).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func isCode(err error, code string) bool {
	var de *domain.Error
	return errors.As(err, &de) && de.Code == code
}
