package inventory

import (
	"context"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// maxWriteBack bounds one batch's resources.
const maxWriteBack = 5000

// WriteBackRequest names the resources whose pending edits to write:
// either ResourceIDs (Canopy's resource IDs) or every pending edit.
type WriteBackRequest struct {
	ResourceIDs []string
	AllPending  bool
}

// Batch is one write-back request with each resource's result.
type Batch struct {
	ID        string
	CreatedBy string
	CreatedAt time.Time
	Changes   []store.TagChange
	Counts    map[string]int // by status
}

// Done reports whether every resource reached its result.
func (b Batch) Done() bool {
	return b.Counts[store.TagChangeQueued]+b.Counts[store.TagChangeRunning] == 0
}

// WriteBack queues the write-back of the named resources' pending tag
// edits as one batch: a result right away for those that cannot be
// written (not Azure, access level, open conflicts), a job for each of
// the others. The batch and every immediate result are audited.
func (t *TagSync) WriteBack(ctx context.Context, p *auth.Principal, who audit.Actor, req WriteBackRequest) (Batch, error) {
	if err := p.Require(auth.PermTagsWrite); err != nil {
		return Batch{}, err
	}
	ids, err := t.writeBackIDs(ctx, p.Org.ID, req)
	if err != nil {
		return Batch{}, err
	}
	b := Batch{ID: domain.NewID(store.PrefixTagBatch), CreatedBy: who.Email, CreatedAt: t.Now().UTC().Truncate(time.Microsecond)}
	if b.CreatedBy == "" {
		b.CreatedBy = p.User.Email
	}
	err = t.Store.InTx(ctx, func(tx *store.Tx) error {
		counts := map[string]int{}
		for _, id := range ids {
			ch, err := t.queueOne(ctx, tx, p.Org.ID, b, id, who)
			if err != nil {
				return err
			}
			counts[ch.Status]++
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "tags.writeback", TargetType: "tag_batch",
			TargetID: b.ID, Details: map[string]any{"resources": len(ids), "results": counts}})
	})
	if err != nil {
		return Batch{}, err
	}
	return t.Batch(ctx, p, b.ID)
}

// writeBackIDs checks the request and returns the resource IDs it names.
func (t *TagSync) writeBackIDs(ctx context.Context, orgID string, req WriteBackRequest) ([]string, error) {
	if req.AllPending == (len(req.ResourceIDs) > 0) {
		return nil, domain.FieldError("resource_ids", "Name the resources to write back, or ask for all pending edits (not both).")
	}
	ids := slices.Compact(slices.Sorted(slices.Values(req.ResourceIDs)))
	if req.AllPending {
		list, err := t.Store.PendingTagEdits(ctx, orgID)
		if err != nil {
			return nil, err
		}
		if len(list) == 0 {
			return nil, domain.FieldError("all_pending", "No resource has a pending tag edit to write back.")
		}
		ids = ids[:0]
		for _, r := range list {
			ids = append(ids, r.ID)
		}
	}
	if len(ids) > maxWriteBack {
		return nil, domain.FieldError("resource_ids", "Write back at most %d resources at once.", maxWriteBack)
	}
	return ids, nil
}

// queueOne adds one resource's request to batch b: finished at once when
// precheck refuses it, else queued with its job (in the same
// transaction, so a queued request always has a job).
func (t *TagSync) queueOne(ctx context.Context, tx *store.Tx, orgID string, b Batch, id string, who audit.Actor) (store.TagChange, error) {
	r, err := tx.GetResourceForUpdate(ctx, orgID, id)
	if err != nil {
		return store.TagChange{}, err
	}
	status, reason, _, _, err := precheck(ctx, &tx.Queries, r)
	if err != nil {
		return store.TagChange{}, err
	}
	ch := store.TagChange{OrgID: orgID, BatchID: b.ID, ResourceID: r.ID, Tags: r.EffectiveTags(), Status: status,
		Reason: reason, CreatedBy: b.CreatedBy, CreatedAt: b.CreatedAt}
	if status == "" {
		ch.Status = store.TagChangeQueued
	} else {
		ch.FinishedAt = &b.CreatedAt
	}
	if ch, err = tx.InsertTagChange(ctx, ch); err != nil {
		return ch, err
	}
	if ch.Status == store.TagChangeQueued {
		return ch, t.Jobs.EnqueueTx(ctx, tx.SQLTx(), WriteBackArgs{OrgID: orgID, ChangeID: ch.ID}, nil)
	}
	return ch, audit.Record(ctx, tx, who, resultEntry(ch, r))
}

// resultEntry is the audit entry of one resource's write-back result.
func resultEntry(ch store.TagChange, r store.Resource) audit.Entry {
	return audit.Entry{OrgID: ch.OrgID, Action: "tags.writeback." + ch.Status, TargetType: "resource", TargetID: r.ID,
		Details: map[string]any{"batch": ch.BatchID, "change": ch.ID, "resource": r.ResourceID, "reason": ch.Reason, "tags": ch.Tags}}
}

// Batch returns one write-back batch with its per-resource results.
func (t *TagSync) Batch(ctx context.Context, p *auth.Principal, id string) (Batch, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return Batch{}, err
	}
	list, err := t.Store.TagBatchChanges(ctx, p.Org.ID, id)
	if err != nil {
		return Batch{}, err
	}
	if len(list) == 0 {
		return Batch{}, &domain.Error{Code: domain.CodeNotFound, Message: "write-back batch not found"}
	}
	b := Batch{ID: id, CreatedBy: list[0].CreatedBy, CreatedAt: list[0].CreatedAt, Changes: list, Counts: map[string]int{}}
	for _, c := range list {
		b.Counts[c.Status]++
	}
	return b, nil
}

// Batches lists the newest write-back batches with counts by status.
func (t *TagSync) Batches(ctx context.Context, p *auth.Principal, limit int) ([]store.TagBatch, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return nil, err
	}
	if limit <= 0 || limit > 200 {
		limit = 50
	}
	return t.Store.TagBatches(ctx, p.Org.ID, limit)
}
