package api

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/imports"
)

// uploadOverhead is what multipart framing may add to the file's size.
const uploadOverhead = 1 << 20

// uploadReadTime replaces the server's read timeout for an upload: a
// large file over a slow link takes longer than a normal request.
const uploadReadTime = 2 * time.Hour

// WithImports enables the cost-import endpoints (uploads run through s).
func (a *API) WithImports(s *imports.Service) *API {
	a.imports = s
	return a
}

// uploadImport takes a billing file as multipart/form-data (field file),
// streams it into the database and queues its import: 202 with the
// upload and where to poll it. This is the one non-JSON request body
// besides the rate CSV, so it bypasses decodeJSON here only.
func (a *API) uploadImport(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := checkMultipart(r); err != nil {
		return err
	}
	if r.ContentLength > a.imports.MaxBytes+uploadOverhead {
		return a.imports.TooLargeError()
	}
	_ = http.NewResponseController(w).SetReadDeadline(time.Now().Add(uploadReadTime))
	r.Body = http.MaxBytesReader(w, r.Body, a.imports.MaxBytes+uploadOverhead)
	mr, err := r.MultipartReader()
	if err != nil {
		return domain.Errorf(domain.CodeInvalid, "The multipart body could not be read: %v", err)
	}
	for {
		part, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			return domain.FieldError("file", "The request has no part named \"file\": send the billing file as the form field file.")
		}
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return a.imports.TooLargeError()
		}
		if err != nil {
			return domain.Errorf(domain.CodeInvalid, "The multipart body could not be read: %v", err)
		}
		if part.FormName() != "file" {
			continue // other form fields carry nothing this endpoint uses
		}
		u, err := a.imports.Upload(r.Context(), c.P, c.Who, part.FileName(), part)
		if err != nil {
			return err
		}
		w.Header().Set("Location", statusURL(u.ID))
		return writeJSON(w, http.StatusAccepted, uploadAccepted{Upload: uploadOf(imports.Status{CostUpload: u}), StatusURL: statusURL(u.ID)})
	}
}

func checkMultipart(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if mt, _, err := mime.ParseMediaType(ct); err != nil || mt != "multipart/form-data" {
		return &statusError{http.StatusUnsupportedMediaType, domain.Errorf(domain.CodeInvalid,
			"Send the billing file as multipart/form-data in the field \"file\" (got Content-Type %q).", ct)}
	}
	return nil
}

func statusURL(id string) string { return Prefix + "/costs/imports/" + url.PathEscape(id) }

func (a *API) listImports(w http.ResponseWriter, r *http.Request, c *call) error {
	limit := defaultLimit
	if v := r.URL.Query().Get("limit"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 || n > maxLimit {
			return domain.FieldError("limit", "limit must be a whole number from 1 to %d.", maxLimit)
		}
		limit = n
	}
	list, err := a.imports.History(r.Context(), c.P, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, costImportOf, ""))
}

func (a *API) getImport(w http.ResponseWriter, r *http.Request, c *call) error {
	st, err := a.imports.Status(r.Context(), c.P, r.PathValue("upload_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, uploadOf(st))
}
