package arm

import (
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// partner is a Partner Admin Link: a partner (MPN) ID associated with the
// calling principal's credentials.
type partner struct {
	id, tenantID, objectID string
	version                int
	created, updated       time.Time
}

var partnerIDRE = regexp.MustCompile(`^[0-9]{6,8}$`)

// Partner returns the partner ID linked to a principal ("" = none).
func (a *ARM) Partner(tenantID, objectID string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	if p := a.partners[strings.ToLower(tenantID+"/"+objectID)]; p != nil {
		return p.id
	}
	return ""
}

// partner serves /providers/Microsoft.ManagementPartner/partners[/{id}]
// (api-version 2018-02-01) for the calling principal.
func (a *ARM) partner(w http.ResponseWriter, r *http.Request, rest string) {
	c, err := a.check(r, "", "")
	if err != nil {
		writeAuthError(w, err)
		return
	}
	id := strings.Trim(rest, "/")
	key := strings.ToLower(c.String("tid") + "/" + c.String("oid"))
	if (r.Method == http.MethodPut || r.Method == http.MethodPatch) && !partnerIDRE.MatchString(id) {
		sbx.WriteARMError(w, http.StatusBadRequest, "BadRequest", "The partner ID '"+id+"' is not valid. A partner ID is the 6 to 8 digit Microsoft Cloud Partner Program (MPN) ID.")
		return
	}
	a.mu.Lock()
	p := a.partners[key]
	now := a.clock.Now()
	switch r.Method {
	case http.MethodPut:
		if p == nil {
			p = &partner{tenantID: c.String("tid"), objectID: c.String("oid"), created: now}
			a.partners[key] = p
		}
		p.id, p.version, p.updated = id, p.version+1, now
	case http.MethodPatch:
		if p != nil {
			p.id, p.version, p.updated = id, p.version+1, now
		}
	case http.MethodDelete:
		delete(a.partners, key)
	case http.MethodGet:
		if p != nil && id != "" && id != p.id {
			p = nil
		}
	default:
		a.mu.Unlock()
		methodNotAllowed(w, r)
		return
	}
	var cp partner
	if p != nil {
		cp = *p
	}
	a.mu.Unlock()
	a.answerPartner(w, r, p != nil, cp)
}

func (a *ARM) answerPartner(w http.ResponseWriter, r *http.Request, found bool, p partner) {
	switch {
	case r.Method == http.MethodDelete:
		w.Header().Set("x-ms-request-id", newRequestID())
		w.WriteHeader(http.StatusOK)
	case !found:
		sbx.WriteARMError(w, http.StatusNotFound, "NotFound", "No partner is associated with the caller's credentials.")
	default:
		writeJSON(w, http.StatusOK, map[string]any{
			"etag": p.version, "id": "/providers/microsoft.managementpartner/partners/" + p.id, "name": p.id,
			"type": "Microsoft.ManagementPartner/partner",
			"properties": map[string]any{
				"partnerId": p.id, "partnerName": "Partner " + p.id, "tenantId": p.tenantID, "objectId": p.objectID,
				"version": p.version, "createdTime": p.created.Format(time.RFC3339Nano), "updatedTime": p.updated.Format(time.RFC3339Nano), "state": "Active",
			},
		})
	}
}
