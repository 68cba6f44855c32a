package delegation

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/store"
)

// AutoActor is who automatic remediation acts as in the audit log.
var AutoActor = audit.Actor{Email: "canopy", IP: "local", UserAgent: "automatic remediation after directory sync"}

// autoAuditAction records each automatic remediation run.
const autoAuditAction = "m365.compliance.auto_remediate"

// AutoRun is the summary of the latest automatic remediation of a
// connection, shown with its compliance report.
type AutoRun struct {
	At      time.Time      `json:"at"`
	Summary map[string]int `json:"summary"`
}

// AutoRemediate remediates, as Canopy (an administrator: the OU's
// configuration policy asked for it), every deviation of a connection's
// compliance report that an OU with AutoRemediate requires. Each change
// goes through Execute (Graph, snapshot, one audit entry per user);
// deviations Graph cannot fix (MFA registration) and conflicts are
// reported, never changed. The run is audited as
// m365.compliance.auto_remediate with its counts.
func (s *Service) AutoRemediate(ctx context.Context, orgID, connectionID string) (Remediation, error) {
	rep, err := s.compliance(ctx, orgID, connectionID)
	if err != nil {
		return Remediation{}, err
	}
	refs := []DeviationRef{}
	for _, d := range rep.Deviations {
		if d.AutoRemediate {
			refs = append(refs, DeviationRef{ObjectID: d.ObjectID, Attribute: d.Attribute})
		}
	}
	if len(refs) == 0 {
		return Remediation{Results: []Remedy{}}, nil
	}
	out, err := s.Remediate(ctx, orgID, Actor{Admin: true}, AutoActor, connectionID, refs)
	if err != nil {
		return out, err
	}
	sum := map[string]int{}
	for _, r := range out.Results {
		sum[r.Result.Status]++
	}
	return out, audit.Record(ctx, s.Store, AutoActor, audit.Entry{OrgID: orgID, Action: autoAuditAction, TargetType: "connection",
		TargetID: connectionID, Details: map[string]any{"summary": sum, "deviations": len(refs), "truncated": out.Truncated}})
}

// LastAutoRun returns the latest automatic remediation of a connection
// (nil when none ran among the organisation's recent runs).
func (s *Service) LastAutoRun(ctx context.Context, orgID, connectionID string) (*AutoRun, error) {
	page, err := s.Store.ListAudit(ctx, orgID, store.AuditFilter{Action: autoAuditAction, Limit: 50})
	if err != nil {
		return nil, err
	}
	for _, e := range page.Items {
		if e.TargetID != connectionID {
			continue
		}
		var d struct {
			Summary map[string]int `json:"summary"`
		}
		_ = json.Unmarshal([]byte(e.Details), &d)
		return &AutoRun{At: e.At, Summary: d.Summary}, nil
	}
	return nil, nil
}

// HasAutoRemediation reports whether an OU of the connection remediates
// automatically.
func (s *Service) HasAutoRemediation(ctx context.Context, orgID, connectionID string) (bool, error) {
	ous, err := s.Store.ListM365OUs(ctx, orgID, connectionID)
	for _, o := range ous {
		if o.AutoRemediate && strings.TrimSpace(string(o.RequiredAttributes)) != "[]" {
			return true, err
		}
	}
	return false, err
}

// AutoRemediateArgs is the job run after a Microsoft 365 connection's
// directory sync.
type AutoRemediateArgs struct {
	OrgID        string `json:"org_id" river:"unique"`
	ConnectionID string `json:"connection_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (AutoRemediateArgs) Kind() string { return "m365_auto_remediate" }

// InsertOpts: one queued or running run per connection (a sync finishing
// while one waits adds nothing: the waiting run reads the newest
// snapshot; river requires the running state in the unique states).
func (AutoRemediateArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 3, UniqueOpts: river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{
		rivertype.JobStateAvailable, rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable,
		rivertype.JobStateScheduled}}}
}

// Worker returns the automatic remediation job's worker.
func (s *Service) Worker() river.Worker[AutoRemediateArgs] { return &autoWorker{svc: s} }

type autoWorker struct {
	river.WorkerDefaults[AutoRemediateArgs]
	svc *Service
}

func (w *autoWorker) Work(ctx context.Context, job *river.Job[AutoRemediateArgs]) error {
	_, err := w.svc.AutoRemediate(ctx, job.Args.OrgID, job.Args.ConnectionID)
	return err
}
