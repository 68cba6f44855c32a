package web

import (
	"net/http"
	"net/url"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/inventory"
)

// writeBack queues the write-back of the resources in the form
// (resource_id, one or more) or of every pending edit (all_pending), then
// shows the batch.
func (s *Server) writeBack(w http.ResponseWriter, r *http.Request) {
	req := inventory.WriteBackRequest{ResourceIDs: formIDs(r), AllPending: r.PostFormValue("all_pending") != ""}
	b, err := s.tags().WriteBack(r.Context(), principalFrom(r.Context()), actor(r), req)
	if domain.ErrorCode(err) == domain.CodeInvalid {
		s.flash(r, FlashInfo, domain.ErrorMessage(err))
		redirect(w, r, "/resources/writeback")
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Write-back to Azure queued. Each resource's result appears below.")
	redirect(w, r, "/resources/writeback?batch="+url.QueryEscape(b.ID))
}

// writeBackPage lists the batches, or one batch (?batch=) with its
// per-resource results.
func (s *Server) writeBackPage(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principalFrom(r.Context())
	page := WriteBackPage{Layout: s.layout(r, NavAllocation), CanWrite: p.Can(auth.PermTagsWrite)}
	if id := r.URL.Query().Get("batch"); id != "" {
		b, err := s.tags().Batch(ctx, p, id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		row := batchRow(b.ID, b.CreatedBy, b.CreatedAt, b.Counts)
		page.Batch, page.Refreshes = &row, !b.Done()
		for _, c := range b.Changes {
			page.Results = append(page.Results, resultRow(c))
		}
		s.R.Render(w, http.StatusOK, page)
		return
	}
	batches, err := s.tags().Batches(ctx, p, 50)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, b := range batches {
		page.Batches = append(page.Batches, batchRow(b.ID, b.CreatedBy, b.CreatedAt, b.Counts))
	}
	pending, err := s.Auth.Store.PendingTagEdits(ctx, p.Org.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.Pending = len(pending)
	for _, r := range pending[:min(len(pending), maxPendingRows)] {
		page.Edits = append(page.Edits, pendingRow(r))
	}
	s.R.Render(w, http.StatusOK, page)
}
