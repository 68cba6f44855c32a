package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
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
	f.From, f.To, err = audit.DayRange(q.Get("from"), q.Get("to"))
	return f, err
}
