package e2e

import (
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The SQLite node's disk fills up (a 64 MiB tmpfs as its data folder):
// an upload that needs space is refused with an error and nothing
// half-written stays; the node goes on answering reads; once space is
// freed the same file imports, once, with the generator's totals, and the
// audit chain is intact. Needs root (mount); unmounts itself.
func TestFaultDiskFullSQLite(t *testing.T) {
	needFaultSuite(t)
	if os.Geteuid() != 0 {
		t.Skip("needs root to mount a tmpfs")
	}
	dir := t.TempDir()
	if out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size=64m", "tmpfs", dir).CombinedOutput(); err != nil {
		t.Fatalf("mount tmpfs: %v %s", err, out)
	}
	// Registered first, so it runs last: after the node has stopped.
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
	r := newFaultRig(t, "sqlite:"+filepath.Join(dir, "canopy.db"), 20_000, 2)
	file, billed := genFocus(t, 20_000)
	p, url := r.serve("canopy serve", false)
	filler := fillDisk(t, dir)

	status, body := tryUpload(t, url, r.token(), file)
	if status < 400 {
		t.Fatalf("upload on a full disk: status %d %s, want an error", status, body)
	}
	t.Logf("upload on a full disk: status %d %s", status, body)
	if p.exited() {
		t.Fatal("the node exited when its disk filled up")
	}
	r.probe([]string{url}, 3)

	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	id := uploadFile(t, url, r.token(), file)
	u := waitUpload(t, url, r.token(), id, "finished", func(u upload) bool { return u.Status == "succeeded" || u.Status == "failed" })
	if u.Status != "succeeded" || u.RowsDone != 20_000 {
		t.Fatalf("upload after freeing space: %s, %d rows (%s)", u.Status, u.RowsDone, u.Error)
	}
	checkNoStuckJob(t, r.dsn, nil)
	r.checkAdded(billed)
}

// fillDisk writes a file in dir until the file system is full and
// returns its path.
func fillDisk(t *testing.T, dir string) string {
	t.Helper()
	path := filepath.Join(dir, "filler")
	f, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	chunk := make([]byte, 1<<20)
	for {
		if _, err := f.Write(chunk); err != nil {
			if !errors.Is(err, syscall.ENOSPC) {
				t.Fatalf("fill %s: %v", dir, err)
			}
			break
		}
	}
	// Smaller writes take the last free blocks.
	for _, err := f.Write(chunk[:4096]); err == nil; _, err = f.Write(chunk[:4096]) {
	}
	return path
}

// tryUpload posts path as an import and returns the answer, whatever it is.
func tryUpload(t *testing.T, base, token, path string) (int, string) {
	t.Helper()
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		f, err := os.Open(path)
		if err != nil {
			pw.CloseWithError(err)
			return
		}
		defer f.Close()
		part, err := mw.CreateFormFile("file", filepath.Base(path))
		if err == nil {
			_, err = io.Copy(part, f)
		}
		if err == nil {
			err = mw.Close()
		}
		pw.CloseWithError(err)
	}()
	req, err := http.NewRequest("POST", base+"/api/v1/costs/imports", pr)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := (&http.Client{Timeout: 5 * time.Minute}).Do(req)
	if err != nil {
		t.Fatalf("upload: %v", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, string(b)
}
