package inventory

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/canopyhq/canopy/internal/audit"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// WriteBackAttempts bounds the attempts of one resource's write-back:
// throttling, 5xx and network failures are retried with backoff until
// then, and the result is "failed".
const WriteBackAttempts = 4

// WriteBackArgs is the tag_writeback job: one resource's request.
type WriteBackArgs struct {
	OrgID    string `json:"org_id" river:"unique"`
	ChangeID string `json:"change_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (WriteBackArgs) Kind() string { return "tag_writeback" }

// InsertOpts: one live job per request.
func (WriteBackArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: WriteBackAttempts, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning,
		rivertype.JobStateRetryable, rivertype.JobStateScheduled}}}
}

type writeBackWorker struct {
	river.WorkerDefaults[WriteBackArgs]
	t *TagSync
}

// NextRetry backs off 2, 4, 8 ... seconds (river's default waits minutes).
func (w *writeBackWorker) NextRetry(job *river.Job[WriteBackArgs]) time.Time {
	return time.Now().Add(time.Duration(1<<min(job.Attempt, 8)) * time.Second)
}

// Work runs one request. River runs a job at least once, so the request's
// status decides: one that reached its result is left alone.
func (w *writeBackWorker) Work(ctx context.Context, job *river.Job[WriteBackArgs]) error {
	return w.t.runChange(ctx, job.Args, job.Attempt, job.MaxAttempts)
}

// outcome is one attempt's result; retry is set for a transient failure.
type outcome struct {
	status, reason string
	tags           map[string]string
	retry          error
}

func (t *TagSync) runChange(ctx context.Context, a WriteBackArgs, attempt, maxAttempts int) error {
	ch, started, err := t.Store.StartTagChange(ctx, a.OrgID, a.ChangeID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return river.JobCancel(err) // the resource, and with it the request, was removed
	}
	if err != nil || !started {
		return err
	}
	out := t.apply(ctx, ch)
	if out.retry != nil {
		if attempt < maxAttempts && ctx.Err() == nil {
			note := fmt.Sprintf("attempt %d of %d failed, retrying: %s", attempt, maxAttempts, brief(out.retry))
			if err := t.Store.NoteTagChange(context.WithoutCancel(ctx), a.OrgID, ch.ID, note); err != nil {
				t.Log.Warn("note tag write-back attempt", "change", ch.ID, "err", err)
			}
			return out.retry
		}
		out = outcome{status: store.TagChangeFailed, reason: fmt.Sprintf("failed after %d attempts: %s", attempt, brief(out.retry))}
	}
	if out.tags == nil {
		out.tags = ch.Tags
	}
	return t.finish(context.WithoutCancel(ctx), ch, out)
}

// finish records the result and audits it, once.
func (t *TagSync) finish(ctx context.Context, ch store.TagChange, out outcome) error {
	return t.Store.InTx(ctx, func(tx *store.Tx) error {
		ok, err := tx.FinishTagChange(ctx, ch.OrgID, ch.ID, out.status, out.reason, out.tags, t.Now())
		if err != nil || !ok {
			return err
		}
		r, err := tx.GetResourceForUpdate(ctx, ch.OrgID, ch.ResourceID)
		if err != nil {
			return err
		}
		ch.Status, ch.Reason, ch.Tags = out.status, out.reason, out.tags
		return audit.Record(ctx, tx, audit.Actor{Email: ch.CreatedBy}, resultEntry(ch, r))
	})
}

// apply writes one resource's pending edit: precheck again (things may
// have changed since it was queued), re-read the tags Azure has now and
// merge them (a key changed on both sides is a conflict, nothing is
// written), then replace the resource's tags with the merged edit.
func (t *TagSync) apply(ctx context.Context, ch store.TagChange) outcome {
	r, err := t.Store.GetResourceForUpdate(ctx, ch.OrgID, ch.ResourceID)
	if err != nil {
		return outcome{retry: err}
	}
	status, reason, set, sub, err := precheck(ctx, &t.Store.Queries, r)
	if err != nil {
		return outcome{retry: err}
	}
	if status != "" {
		return outcome{status: status, reason: reason}
	}
	cl, err := azureconn.TagClient(t.Env(), set, sub, t.Sleep)
	if err != nil {
		return outcome{status: store.TagChangeFailed, reason: brief(err)}
	}
	cur, err := cl.Tags(ctx, r.ResourceID)
	if err != nil {
		return failure(err)
	}
	m := store.MergeTags(r.BaseTags, cur, r.CanopyTags, nil)
	if len(m.Conflicts) > 0 || m.Canopy == nil || !maps.Equal(m.Canopy, r.CanopyTags) {
		if out, done := t.mergeFirst(ctx, r, cur, m); done {
			return out
		}
	}
	written, err := cl.SetTags(ctx, r.ResourceID, m.Canopy, azureconn.Replace)
	if err != nil {
		return failure(err)
	}
	if err := t.applied(ctx, r, m.Canopy, written); err != nil {
		return outcome{retry: err}
	}
	return outcome{status: store.TagChangeApplied, tags: written}
}

// mergeFirst stores the merge of what Azure has now before writing: the
// conflicts it finds (then nothing is written), the cloud's changes the
// edit absorbed, or that Azure already has the edit's tags. done reports
// that the outcome is final.
func (t *TagSync) mergeFirst(ctx context.Context, r store.Resource, cur map[string]string, m store.TagMerge) (outcome, bool) {
	err := t.Store.InTx(ctx, func(tx *store.Tx) error {
		_, err := tx.MergeCloudTags(ctx, r, cur, t.Now())
		return err
	})
	switch {
	case err != nil:
		return outcome{retry: err}, true
	case len(m.Conflicts) > 0:
		keys := make([]string, 0, len(m.Conflicts))
		for _, c := range m.Conflicts {
			keys = append(keys, `"`+c.Key+`"`)
		}
		sort.Strings(keys)
		return outcome{status: store.TagChangeConflict, tags: r.CanopyTags, reason: "Azure changed " + strings.Join(keys, ", ") +
			" since the last sync and Canopy's edit changes it too: resolve it in the conflicts inbox; nothing was written"}, true
	case m.Canopy == nil:
		return outcome{status: store.TagChangeApplied, tags: cur, reason: "Azure already has these tags; nothing to write"}, true
	}
	return outcome{}, false
}

// applied stores what Azure now has as the cloud's and base tags; the
// edit is cleared unless it changed again meanwhile.
func (t *TagSync) applied(ctx context.Context, r store.Resource, desired, written map[string]string) error {
	return t.Store.InTx(ctx, func(tx *store.Tx) error {
		now, err := tx.GetResourceForUpdate(ctx, r.OrgID, r.ID)
		if err != nil {
			return err
		}
		pending := now.CanopyTags
		if maps.Equal(pending, desired) || maps.Equal(pending, written) {
			pending = nil
		}
		at := t.Now()
		return tx.SaveTagState(ctx, r.OrgID, r.ID, written, written, pending, &at)
	})
}

// failure turns a cloud error into the resource's result.
func failure(err error) outcome {
	var refused *azureconn.RefusedError
	switch {
	case errors.As(err, &refused):
		return outcome{status: store.TagChangeRefused, reason: refused.Reason}
	case azureconn.IsState(err, azureconn.TokenIncomplete):
		return outcome{status: store.TagChangeRefused, reason: "Canopy's service principal may not read this resource's tags (it needs Reader and Tag Contributor): " + brief(err)}
	case azureconn.IsState(err, azureconn.TokenExpired), azureconn.Transient(err), errors.Is(err, context.Canceled),
		errors.Is(err, context.DeadlineExceeded):
		return outcome{retry: err}
	case azureconn.NotFound(err):
		return outcome{status: store.TagChangeFailed, reason: "the resource no longer exists in Azure: " + brief(err)}
	}
	return outcome{status: store.TagChangeFailed, reason: brief(err)}
}

// brief is an error's first line, cut to a readable length.
func brief(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if r := []rune(s); len(r) > 400 {
		return string(r[:400]) + "…"
	}
	return s
}
