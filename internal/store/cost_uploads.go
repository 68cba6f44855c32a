package store

import (
	"context"
	"database/sql"
	"errors"
	"io"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// PrefixCostUpload prefixes uploaded billing files' IDs.
const PrefixCostUpload = "upl_"

// Upload statuses. An upload is "uploading" while its body still arrives;
// it becomes "queued" (with its import job) once the whole file is stored.
const (
	UploadUploading = "uploading"
	UploadQueued    = "queued"
	UploadRunning   = "running"
	UploadSucceeded = "succeeded"
	UploadFailed    = "failed"
)

// CostUpload is a billing file uploaded for import, and the progress and
// outcome of that import.
type CostUpload struct {
	ID        string
	OrgID     string
	FileName  string
	SizeBytes int64
	CreatedBy string
	CreatedAt time.Time
	Status    string
	ImportID  string // the cost import, once it finished (either way)
	Error     string
	RowsDone  int64
	BytesDone int64
	UpdatedAt time.Time
}

// Finished reports whether the upload's import has an outcome.
func (u CostUpload) Finished() bool { return u.Status == UploadSucceeded || u.Status == UploadFailed }

const uploadCols = `id, org_id, file_name, size_bytes, created_by, created_at, status, COALESCE(import_id, ''), error,
	rows_done, bytes_done, updated_at`

func scanUpload(s scanner) (CostUpload, error) {
	var u CostUpload
	err := s.Scan(&u.ID, &u.OrgID, &u.FileName, &u.SizeBytes, &u.CreatedBy, &u.CreatedAt, &u.Status, &u.ImportID,
		&u.Error, &u.RowsDone, &u.BytesDone, &u.UpdatedAt)
	u.CreatedAt, u.UpdatedAt = u.CreatedAt.UTC(), u.UpdatedAt.UTC()
	return u, err
}

// CreateUpload inserts an upload in status uploading and returns it.
func (q *Queries) CreateUpload(ctx context.Context, orgID, fileName, createdBy string) (CostUpload, error) {
	now := domain.Now()
	u := CostUpload{ID: domain.NewID(PrefixCostUpload), OrgID: orgID, FileName: fileName, CreatedBy: createdBy,
		CreatedAt: now, Status: UploadUploading, UpdatedAt: now}
	_, err := q.w().exec(ctx, `INSERT INTO cost_uploads (id, org_id, file_name, created_by, created_at, status, updated_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)`, u.ID, orgID, fileName, createdBy, now, u.Status, now)
	return u, err
}

// AppendUploadChunk stores the next piece of an upload's file. Each chunk
// is its own short write, so a slow upload never holds the (SQLite)
// writer for long.
func (q *Queries) AppendUploadChunk(ctx context.Context, uploadID string, seq int, data []byte) error {
	if _, err := q.w().exec(ctx, `INSERT INTO cost_upload_chunks (upload_id, seq, data) VALUES (?, ?, ?)`,
		uploadID, seq, data); err != nil {
		return err
	}
	_, err := q.w().exec(ctx, `UPDATE cost_uploads SET size_bytes = size_bytes + ?, updated_at = ? WHERE id = ?`,
		len(data), domain.Now(), uploadID)
	return err
}

// QueueUpload marks a fully received upload queued for import.
func (q *Queries) QueueUpload(ctx context.Context, orgID, id string) error {
	res, err := q.w().exec(ctx, `UPDATE cost_uploads SET status = ?, updated_at = ? WHERE org_id = ? AND id = ? AND status = ?`,
		UploadQueued, domain.Now(), orgID, id, UploadUploading)
	return mustAffect(res, err, "upload")
}

// DeleteUpload removes an upload and its chunks (an upload that was
// refused or cut off leaves nothing behind).
func (q *Queries) DeleteUpload(ctx context.Context, orgID, id string) error {
	_, err := q.w().exec(ctx, `DELETE FROM cost_uploads WHERE org_id = ? AND id = ?`, orgID, id)
	return err
}

// GetUpload returns one upload of the organisation.
func (q *Queries) GetUpload(ctx context.Context, orgID, id string) (CostUpload, error) {
	u, err := scanUpload(q.r().row(ctx, `SELECT `+uploadCols+` FROM cost_uploads WHERE org_id = ? AND id = ?`, orgID, id))
	return u, notFound(err, "upload")
}

// ListUploads returns the organisation's latest uploads, newest first.
func (q *Queries) ListUploads(ctx context.Context, orgID string, limit int) ([]CostUpload, error) {
	rows, err := q.r().query(ctx, `SELECT `+uploadCols+` FROM cost_uploads WHERE org_id = ?
		ORDER BY created_at DESC, id DESC LIMIT ?`, orgID, max(1, min(limit, 1000)))
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanUpload)
}

// ClaimUpload moves a queued upload, or a running one whose progress has
// not been written since staleBefore (its importer died), to running and
// returns it with claimed true. Otherwise it returns the upload as it is:
// finished, or running elsewhere.
func (q *Queries) ClaimUpload(ctx context.Context, orgID, id string, staleBefore time.Time) (CostUpload, bool, error) {
	res, err := q.w().exec(ctx, `UPDATE cost_uploads SET status = ?, rows_done = 0, bytes_done = 0, updated_at = ?
		WHERE org_id = ? AND id = ? AND (status = ? OR (status = ? AND updated_at < ?))`,
		UploadRunning, domain.Now(), orgID, id, UploadQueued, UploadRunning, staleBefore)
	if err != nil {
		return CostUpload{}, false, err
	}
	n, err := res.RowsAffected()
	if err != nil {
		return CostUpload{}, false, err
	}
	u, err := scanUpload(q.w().row(ctx, `SELECT `+uploadCols+` FROM cost_uploads WHERE org_id = ? AND id = ?`, orgID, id))
	return u, n == 1, notFound(err, "upload")
}

// SetUploadProgress records a running import's progress (and so shows
// that its importer is alive).
func (q *Queries) SetUploadProgress(ctx context.Context, id string, rows, bytes int64) error {
	_, err := q.w().exec(ctx, `UPDATE cost_uploads SET rows_done = ?, bytes_done = ?, updated_at = ? WHERE id = ? AND status = ?`,
		rows, bytes, domain.Now(), id, UploadRunning)
	return err
}

// RequeueUpload puts a running upload back in the queue (its importer
// stopped before the import finished; the chunks are still there).
func (q *Queries) RequeueUpload(ctx context.Context, id string) error {
	_, err := q.w().exec(ctx, `UPDATE cost_uploads SET status = ?, updated_at = ? WHERE id = ? AND status = ?`,
		UploadQueued, domain.Now(), id, UploadRunning)
	return err
}

// FinishUpload records the import's outcome and deletes the file's
// chunks, in one transaction; the row stays as history.
func (s *Store) FinishUpload(ctx context.Context, u CostUpload) error {
	if !u.Finished() {
		return errors.New("store: FinishUpload needs a succeeded or failed upload")
	}
	return s.InTx(ctx, func(tx *Tx) error {
		if _, err := tx.w().exec(ctx, `DELETE FROM cost_upload_chunks WHERE upload_id = ?`, u.ID); err != nil {
			return err
		}
		res, err := tx.w().exec(ctx, `UPDATE cost_uploads SET status = ?, import_id = ?, error = ?, rows_done = ?,
			bytes_done = ?, updated_at = ? WHERE org_id = ? AND id = ?`, u.Status, nullIfEmpty(u.ImportID), u.Error,
			u.RowsDone, u.BytesDone, domain.Now(), u.OrgID, u.ID)
		return mustAffect(res, err, "upload")
	})
}

func nullIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// UploadsBefore lists uploads in status whose row was last written before
// t, oldest first: what a startup sweep looks at.
func (q *Queries) UploadsBefore(ctx context.Context, status string, t time.Time) ([]CostUpload, error) {
	rows, err := q.w().query(ctx, `SELECT `+uploadCols+` FROM cost_uploads WHERE status = ? AND updated_at < ?
		ORDER BY updated_at`, status, t)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanUpload)
}

// OpenUpload streams an upload's file back, one chunk per query on the
// read pool: on SQLite the import's transaction holds the writer while
// this is read.
func (s *Store) OpenUpload(ctx context.Context, uploadID string) io.Reader {
	return &chunkReader{ctx: ctx, rd: conn{q: s.db.R, engine: s.db.Engine}, id: uploadID}
}

type chunkReader struct {
	ctx  context.Context
	rd   conn
	id   string
	seq  int
	buf  []byte
	done bool
}

func (c *chunkReader) Read(p []byte) (int, error) {
	for len(c.buf) == 0 {
		if c.done {
			return 0, io.EOF
		}
		err := c.rd.row(c.ctx, `SELECT data FROM cost_upload_chunks WHERE upload_id = ? AND seq = ?`, c.id, c.seq).Scan(&c.buf)
		if errors.Is(err, sql.ErrNoRows) {
			c.done = true
			continue
		}
		if err != nil {
			return 0, err
		}
		c.seq++
	}
	n := copy(p, c.buf)
	c.buf = c.buf[n:]
	return n, nil
}
