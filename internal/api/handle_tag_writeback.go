package api

import (
	"net/http"
	"net/url"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/store"
)

// WithTagSync enables the tag write-back and conflicts endpoints.
func (a *API) WithTagSync(t *inventory.TagSync) *API {
	a.tagSync = t
	return a
}

// tagSyncRoutes are the write-back and tag-conflict endpoints.
func (a *API) tagSyncRoutes() []route {
	return []route{
		signedIn("POST", "/resources/writeback", auth.PermTagsWrite, a.writeBackTags),
		signedIn("GET", "/resources/writeback", auth.PermAllocationRead, a.listWriteBacks),
		signedIn("GET", "/resources/writeback/{batch_id}", auth.PermAllocationRead, a.getWriteBack),
		signedIn("GET", "/tag-conflicts", auth.PermAllocationRead, a.listTagConflicts),
		signedIn("POST", "/tag-conflicts/{conflict_id}/resolve", auth.PermTagsWrite, a.resolveTagConflict),
	}
}

// writeBackBody asks for a write-back of named resources or of all
// pending edits.
type writeBackBody struct {
	ResourceIDs []string `json:"resource_ids"`
	AllPending  bool     `json:"all_pending"`
}

// tagChangeView is one resource's write-back result.
type tagChangeView struct {
	ID           string            `json:"id"`
	ResourceID   string            `json:"resource_id"`
	ResourceName string            `json:"resource_name"`
	CloudID      string            `json:"cloud_id"`
	Tags         map[string]string `json:"tags"`
	Status       string            `json:"status"`
	Reason       string            `json:"reason"`
	Attempts     int               `json:"attempts"`
	FinishedAt   *time.Time        `json:"finished_at"`
}

// writeBackView is a batch with its results.
type writeBackView struct {
	ID        string          `json:"id"`
	CreatedBy string          `json:"created_by"`
	CreatedAt time.Time       `json:"created_at"`
	Done      bool            `json:"done"`
	Counts    map[string]int  `json:"counts"`
	Results   []tagChangeView `json:"results"`
}

// writeBackSummaryView is a batch in the list, with counts only.
type writeBackSummaryView struct {
	ID        string         `json:"id"`
	CreatedBy string         `json:"created_by"`
	CreatedAt time.Time      `json:"created_at"`
	Total     int            `json:"total"`
	Counts    map[string]int `json:"counts"`
}

func tagChangeOf(c store.TagChange) tagChangeView {
	tags := c.Tags
	if tags == nil {
		tags = map[string]string{}
	}
	return tagChangeView{ID: c.ID, ResourceID: c.ResourceID, ResourceName: c.ResourceName, CloudID: c.ResourceRef, Tags: tags,
		Status: c.Status, Reason: c.Reason, Attempts: c.Attempts, FinishedAt: c.FinishedAt}
}

func writeBackOf(b inventory.Batch) writeBackView {
	v := writeBackView{ID: b.ID, CreatedBy: b.CreatedBy, CreatedAt: b.CreatedAt, Done: b.Done(), Counts: b.Counts,
		Results: make([]tagChangeView, 0, len(b.Changes))}
	for _, c := range b.Changes {
		v.Results = append(v.Results, tagChangeOf(c))
	}
	return v
}

func writeBackSummaryOf(b store.TagBatch) writeBackSummaryView {
	return writeBackSummaryView{ID: b.ID, CreatedBy: b.CreatedBy, CreatedAt: b.CreatedAt, Total: b.Total, Counts: b.Counts}
}

func (a *API) writeBackTags(w http.ResponseWriter, r *http.Request, c *call) error {
	var body writeBackBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	b, err := a.tagSync.WriteBack(r.Context(), c.P, c.Who, inventory.WriteBackRequest{ResourceIDs: body.ResourceIDs, AllPending: body.AllPending})
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/resources/writeback/"+url.PathEscape(b.ID))
	return writeJSON(w, http.StatusAccepted, writeBackOf(b))
}

func (a *API) listWriteBacks(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.tagSync.Batches(r.Context(), c.P, 50)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, writeBackSummaryOf, ""))
}

func (a *API) getWriteBack(w http.ResponseWriter, r *http.Request, c *call) error {
	b, err := a.tagSync.Batch(r.Context(), c.P, r.PathValue("batch_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, writeBackOf(b))
}
