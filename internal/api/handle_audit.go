package api

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

func (a *API) listAudit(w http.ResponseWriter, r *http.Request, c *call) error {
	f, err := auditFilter(r.URL.Query())
	if err != nil {
		return err
	}
	page, err := a.svc.ListAudit(r.Context(), c.P, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(page.Items, auditOf, page.NextCursor))
}

// auditFilter reads the audit filters. Dates are whole UTC days and both
// ends are inclusive, as in the web UI.
func auditFilter(q url.Values) (store.AuditFilter, error) {
	limit, cursor, err := pageParams(q)
	if err != nil {
		return store.AuditFilter{}, err
	}
	f := store.AuditFilter{Action: strings.TrimSpace(q.Get("action")), Actor: strings.TrimSpace(q.Get("actor")),
		Cursor: cursor, Limit: limit}
	for _, d := range []struct {
		field string
		dst   **time.Time
		add   time.Duration
	}{{"from", &f.From, 0}, {"to", &f.To, 24 * time.Hour}} {
		v := strings.TrimSpace(q.Get(d.field))
		if v == "" {
			continue
		}
		t, err := time.Parse(time.DateOnly, v)
		if err != nil {
			return f, domain.FieldError(d.field, "%s must be a date like 2026-01-31 (YYYY-MM-DD, UTC).", d.field)
		}
		t = t.Add(d.add)
		*d.dst = &t
	}
	if f.From != nil && f.To != nil && !f.From.Before(*f.To) {
		return f, domain.FieldError("to", "to must be the same day as from or later.")
	}
	return f, nil
}
