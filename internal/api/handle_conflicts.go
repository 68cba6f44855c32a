package api

import (
	"net/http"
	"time"

	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/store"
)

// tagConflictView is one key changed both in the cloud and in Canopy;
// null values mean the key is absent.
type tagConflictView struct {
	ID            string     `json:"id"`
	ResourceID    string     `json:"resource_id"`
	ResourceName  string     `json:"resource_name"`
	CloudID       string     `json:"cloud_id"`
	Key           string     `json:"key"`
	BaseValue     *string    `json:"base_value"`
	CloudValue    *string    `json:"cloud_value"`
	CanopyValue   *string    `json:"canopy_value"`
	DetectedAt    time.Time  `json:"detected_at"`
	Status        string     `json:"status"`
	Resolution    string     `json:"resolution"`
	ResolvedValue *string    `json:"resolved_value"`
	ResolvedBy    string     `json:"resolved_by"`
	ResolvedAt    *time.Time `json:"resolved_at"`
}

// resolveBody settles a conflict.
type resolveBody struct {
	Resolution string `json:"resolution"`
	Value      string `json:"value"`
}

func tagConflictOf(c store.TagConflict) tagConflictView {
	return tagConflictView{ID: c.ID, ResourceID: c.ResourceID, ResourceName: c.ResourceName, CloudID: c.ResourceRef, Key: c.Key,
		BaseValue: c.Base, CloudValue: c.Cloud, CanopyValue: c.Canopy, DetectedAt: c.DetectedAt, Status: c.Status,
		Resolution: c.Resolution, ResolvedValue: c.ResolvedValue, ResolvedBy: c.ResolvedBy, ResolvedAt: c.ResolvedAt}
}

func (a *API) listTagConflicts(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.tagSync.Conflicts(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, tagConflictOf, ""))
}

func (a *API) resolveTagConflict(w http.ResponseWriter, r *http.Request, c *call) error {
	var body resolveBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	got, err := a.tagSync.ResolveConflict(r.Context(), c.P, c.Who, r.PathValue("conflict_id"),
		inventory.Resolution{Kind: body.Resolution, Value: body.Value})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, tagConflictOf(got))
}
