package imports

import (
	"errors"
	"io"
	"net/http"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// formOverhead is what multipart framing and other form fields may add to
// the file's size.
const formOverhead = 1 << 20

// uploadReadTime replaces the server's read timeout for an upload: a
// large file over a slow link takes longer than a normal request.
const uploadReadTime = 2 * time.Hour

// MaxRequestBytes is the largest upload request body: the file limit plus
// the multipart framing.
func (s *Service) MaxRequestBytes() int64 { return s.MaxBytes + formOverhead }

// UploadRequest stores the file of a multipart/form-data request (field
// "file") as it streams in, for the UI's form and the API alike: the
// multipart framing is read here once instead of in both handlers. The
// permission is checked before any of the body is read.
func (s *Service) UploadRequest(w http.ResponseWriter, r *http.Request, p *auth.Principal, who audit.Actor) (store.CostUpload, error) {
	if err := p.Require(auth.PermCostsImport); err != nil {
		return store.CostUpload{}, err
	}
	if r.ContentLength > s.MaxBytes+formOverhead {
		return store.CostUpload{}, s.TooLargeError()
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadReadTime))
	r.Body = http.MaxBytesReader(w, r.Body, s.MaxBytes+formOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return store.CostUpload{}, domain.Errorf(domain.CodeInvalid, "Send the billing file as multipart/form-data: %v", err)
	}
	for {
		part, err := mr.NextPart()
		var mbe *http.MaxBytesError
		switch {
		case errors.Is(err, io.EOF):
			return store.CostUpload{}, domain.FieldError("file", "Choose a billing file to upload (the form field \"file\" is missing).")
		case errors.As(err, &mbe):
			return store.CostUpload{}, s.TooLargeError()
		case err != nil:
			return store.CostUpload{}, domain.Errorf(domain.CodeInvalid, "The upload could not be read: %v", err)
		}
		if part.FormName() == "file" {
			return s.Upload(r.Context(), p, who, part.FileName(), part)
		}
	}
}
