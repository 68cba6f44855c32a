// Package imports runs billing-file imports for people: a file uploaded
// through the UI or the API is stored in the database in chunks (so any
// worker node can import it), imported by a background job through the
// same path as `canopy import`, and its progress and outcome are kept on
// the upload's row.
package imports

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"path"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/store"
)

// ChunkSize is how much of an upload is held in memory and written per
// database row.
const ChunkSize = 4 << 20

// DefaultMaxBytes is the largest upload accepted unless configured.
const DefaultMaxBytes = 2 << 30

// Service imports billing files.
type Service struct {
	Store    *store.Store
	Costs    costs.Store
	Jobs     *jobs.Runner // nil only for CLI use (ImportFile)
	MaxBytes int64
	Log      *slog.Logger
	// AfterImport, when set, runs after an uploaded file was imported
	// (the resource inventory refreshes from the new cost data); it logs
	// its own failures.
	AfterImport func(ctx context.Context, orgID string)
	// StaleAfter is how long an import may go without a heartbeat before
	// it counts as abandoned (its worker died) and is queued again;
	// 0: DefaultStaleAfter.
	StaleAfter time.Duration
	live       *liveProgress
}

// staleAfter is the configured staleness, or DefaultStaleAfter.
func (s *Service) staleAfter() time.Duration {
	if s.StaleAfter > 0 {
		return s.StaleAfter
	}
	return DefaultStaleAfter
}

// New returns the service over st; maxBytes <= 0 means DefaultMaxBytes.
func New(st *store.Store, runner *jobs.Runner, maxBytes int64, log *slog.Logger) *Service {
	if maxBytes <= 0 {
		maxBytes = DefaultMaxBytes
	}
	if log == nil {
		log = slog.Default()
	}
	return &Service{Store: st, Costs: st.Costs(), Jobs: runner, MaxBytes: maxBytes, Log: log, live: newLiveProgress()}
}

// ImportFile reads one billing file (plain or gzip, any detected format)
// into the cost store: the one import path of the CLI, the demo and the
// upload job. Errors name the file.
func (s *Service) ImportFile(ctx context.Context, orgID string, r io.Reader, meta costs.ImportMeta) (costs.ImportResult, error) {
	br, err := billing.Open(r)
	if err != nil {
		return costs.ImportResult{}, fmt.Errorf("import %s: %w", meta.FileName, err)
	}
	defer br.Close()
	return s.Costs.Import(ctx, orgID, br, meta) // the store's error already names the file
}

// RecordImport writes the audit entry of a finished import.
func (s *Service) RecordImport(ctx context.Context, who audit.Actor, orgID, fileName string, res costs.ImportResult) {
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: orgID, Action: "costs.import",
		TargetType: "cost_import", TargetID: res.ImportID, Details: map[string]any{
			"file": fileName, "format": string(res.Format), "rows": res.Rows, "source_key": res.SourceKey}})
}

// TooLargeError is returned when an upload exceeds the limit.
func (s *Service) TooLargeError() error {
	return domain.Errorf(domain.CodeTooLarge, "The file is larger than the upload limit of %s; split it, compress it with gzip, or import it with `canopy import`.",
		HumanBytes(s.MaxBytes))
}

// Upload stores body as fileName's content and queues its import. The
// file is written in ChunkSize pieces while it arrives; a body over the
// limit, a cut-off body or any failure removes what was written.
func (s *Service) Upload(ctx context.Context, p *auth.Principal, who audit.Actor, fileName string, body io.Reader) (store.CostUpload, error) {
	if err := p.Require(auth.PermCostsImport); err != nil {
		return store.CostUpload{}, err
	}
	name, err := cleanFileName(fileName)
	if err != nil {
		return store.CostUpload{}, err
	}
	u, err := s.Store.CreateUpload(ctx, p.Org.ID, name, p.User.Email)
	if err != nil {
		return u, err
	}
	size, err := s.writeChunks(ctx, u.ID, body)
	if err == nil && size == 0 {
		err = domain.FieldError("file", "The file is empty.")
	}
	if err == nil {
		err = s.queue(ctx, u, who)
	}
	if err != nil {
		if derr := s.Store.DeleteUpload(context.WithoutCancel(ctx), u.OrgID, u.ID); derr != nil {
			s.Log.Error("delete refused upload", "upload", u.ID, "err", derr)
		}
		return store.CostUpload{}, err
	}
	u.Status, u.SizeBytes = store.UploadQueued, size
	return u, nil
}

func (s *Service) writeChunks(ctx context.Context, id string, body io.Reader) (int64, error) {
	buf := make([]byte, ChunkSize)
	var size int64
	for seq := 0; ; seq++ {
		n, err := io.ReadFull(body, buf)
		if size += int64(n); size > s.MaxBytes {
			return size, s.TooLargeError()
		}
		if n > 0 {
			if werr := s.Store.AppendUploadChunk(ctx, id, seq, buf[:n]); werr != nil {
				return size, werr
			}
		}
		switch {
		case errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
			return size, nil
		case err != nil:
			return size, s.bodyError(err)
		}
	}
}

// bodyError says why the body could not be read: too large (the HTTP
// handler's request-size cap), or cut off.
func (s *Service) bodyError(err error) error {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return s.TooLargeError()
	}
	return domain.Errorf(domain.CodeInvalid, "The upload was cut off before the whole file arrived: %v", err)
}

// queue marks the upload queued and inserts its job in one transaction,
// so a queued upload always has a job.
func (s *Service) queue(ctx context.Context, u store.CostUpload, who audit.Actor) error {
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.QueueUpload(ctx, u.OrgID, u.ID); err != nil {
			return err
		}
		return s.Jobs.EnqueueTx(ctx, tx.SQLTx(), argsFor(u, who), nil)
	})
}

// cleanFileName keeps the base name of what the browser or client sent.
func cleanFileName(name string) (string, error) {
	name = strings.TrimSpace(path.Base(strings.ReplaceAll(name, `\`, "/")))
	if name == "" || name == "." || name == "/" {
		return "", domain.FieldError("file", "Choose a billing file to upload.")
	}
	if !utf8.ValidString(name) || len(name) > 255 {
		return "", domain.FieldError("file", "The file name must be valid text of at most 255 bytes.")
	}
	return name, nil
}

// HumanBytes writes a size the way people read it (binary units).
func HumanBytes(n int64) string {
	const unit = 1024
	if n < unit {
		return fmt.Sprintf("%d bytes", n)
	}
	div, exp := int64(unit), 0
	for m := n / unit; m >= unit; m /= unit {
		div *= unit
		exp++
	}
	v := float64(n) / float64(div)
	s := fmt.Sprintf("%.1f", v)
	s = strings.TrimSuffix(s, ".0")
	return s + " " + string("KMGTPE"[exp]) + "iB"
}
