package jobs

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/riverdriver"
	"github.com/riverqueue/river/rivertype"
)

// CancelAbandoned cancels the running jobs of kind whose encoded args
// match, for a caller that knows their process is gone (a sync whose
// heartbeat stopped). River itself rescues such a job only after the
// worker's timeout plus its rescue horizon, hours for long jobs. Only
// jobs still running are touched; it returns how many were cancelled.
func (r *Runner) CancelAbandoned(ctx context.Context, kind string, match func(args []byte) bool) (int, error) {
	list, err := r.client.JobList(ctx, river.NewJobListParams().Kinds(kind).States(rivertype.JobStateRunning).First(10_000))
	if err != nil {
		return 0, fmt.Errorf("jobs: list running %s: %w", kind, err)
	}
	now := time.Now().UTC()
	p := &riverdriver.JobSetStateIfRunningManyParams{Now: &now}
	for _, j := range list.Jobs {
		if !match(j.EncodedArgs) {
			continue
		}
		errData, err := json.Marshal(rivertype.AttemptError{At: now, Attempt: j.Attempt,
			Error: "Abandoned: the process running this job stopped; its work was queued again."})
		if err != nil {
			return 0, err
		}
		s := riverdriver.JobSetStateCancelled(j.ID, now, errData, nil)
		p.ID, p.Attempt, p.ErrData = append(p.ID, s.ID), append(p.Attempt, s.Attempt), append(p.ErrData, s.ErrData)
		p.FinalizedAt, p.ScheduledAt = append(p.FinalizedAt, s.FinalizedAt), append(p.ScheduledAt, s.ScheduledAt)
		p.MetadataDoMerge, p.MetadataUpdates = append(p.MetadataDoMerge, false), append(p.MetadataUpdates, nil)
		p.State = append(p.State, s.State)
	}
	if len(p.ID) == 0 {
		return 0, nil
	}
	rows, err := r.client.Driver().GetExecutor().JobSetStateIfRunningMany(ctx, p)
	if err != nil {
		return 0, fmt.Errorf("jobs: cancel abandoned %s: %w", kind, err)
	}
	return len(rows), nil
}
