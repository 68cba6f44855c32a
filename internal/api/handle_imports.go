package api

import (
	"mime"
	"net/http"
	"net/url"
	"strconv"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/imports"
)

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
	u, err := a.imports.UploadRequest(w, r, c.P, c.Who)
	if err != nil {
		return err
	}
	w.Header().Set("Location", statusURL(u.ID))
	return writeJSON(w, http.StatusAccepted, uploadAccepted{Upload: uploadOf(imports.Status{CostUpload: u}), StatusURL: statusURL(u.ID)})
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
