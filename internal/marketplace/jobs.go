package marketplace

import (
	"context"
	"time"

	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/jobs"
)

// PollEvery is how often an order with a vendor is asked about.
var PollEvery = 15 * time.Second

// BillingEvery is how often the leader renews, expires and bills due
// subscriptions.
const BillingEvery = time.Hour

// uniqueWhileOpen: one job per arguments while it waits or runs.
var uniqueWhileOpen = river.UniqueOpts{ByArgs: true, ByState: []rivertype.JobState{rivertype.JobStateAvailable,
	rivertype.JobStatePending, rivertype.JobStateRunning, rivertype.JobStateRetryable, rivertype.JobStateScheduled}}

// DispatchArgs sends an agreement's next order to its vendor.
type DispatchArgs struct {
	OrgID       string `json:"org_id" river:"unique"`
	AgreementID string `json:"agreement_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (DispatchArgs) Kind() string { return "marketplace_dispatch" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (DispatchArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: uniqueWhileOpen}
}

// PollArgs asks the vendor about an order until it is done or queried.
type PollArgs struct {
	OrgID   string `json:"org_id" river:"unique"`
	OrderID string `json:"order_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (PollArgs) Kind() string { return "marketplace_poll" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (PollArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 25, UniqueOpts: uniqueWhileOpen}
}

// BillingArgs is the leader's periodic renewal and billing pass.
type BillingArgs struct{}

// Kind implements river.JobArgs.
func (BillingArgs) Kind() string { return "marketplace_billing" }

// InsertOpts: a missed tick is made up by the next.
func (BillingArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 1} }

// CostsArgs writes an issued invoice into the cost store.
type CostsArgs struct {
	OrgID     string `json:"org_id" river:"unique"`
	InvoiceID string `json:"invoice_id" river:"unique"`
}

// Kind implements river.JobArgs.
func (CostsArgs) Kind() string { return "marketplace_costs" }

// InsertOpts implements river.JobArgsWithInsertOpts.
func (CostsArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: 10, UniqueOpts: uniqueWhileOpen}
}

// Enqueuer inserts jobs (jobs.Runner).
type Enqueuer interface {
	Enqueue(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error
}

// Register adds the marketplace's workers and the leader's billing pass
// to reg, and makes the service hand dispatching, polling and cost
// exports to jobs queued through q.
func (s *Service) Register(reg *jobs.Registry, q Enqueuer, cs costs.Store) {
	jobs.Register(reg, river.Worker[DispatchArgs](&dispatchWorker{svc: s, q: q}))
	jobs.Register(reg, river.Worker[PollArgs](&pollWorker{svc: s}))
	jobs.Register(reg, river.Worker[BillingArgs](&billingWorker{svc: s}))
	jobs.Register(reg, river.Worker[CostsArgs](&costsWorker{svc: s, costs: cs}))
	reg.AddPeriodic(BillingEvery, func() (river.JobArgs, *river.InsertOpts) { return BillingArgs{}, nil })
	s.Dispatch = func(ctx context.Context, orgID, agreementID string) error {
		return q.Enqueue(ctx, DispatchArgs{OrgID: orgID, AgreementID: agreementID}, nil)
	}
	s.Poller = func(ctx context.Context, orgID, orderID string) error {
		return q.Enqueue(ctx, PollArgs{OrgID: orgID, OrderID: orderID}, nil)
	}
	s.Exporter = func(ctx context.Context, orgID, invoiceID string) error {
		return q.Enqueue(ctx, CostsArgs{OrgID: orgID, InvoiceID: invoiceID}, nil)
	}
}

type dispatchWorker struct {
	river.WorkerDefaults[DispatchArgs]
	svc *Service
	q   Enqueuer
}

// Work dispatches, then polls the order that is with the vendor.
func (w *dispatchWorker) Work(ctx context.Context, job *river.Job[DispatchArgs]) error {
	if err := w.svc.DispatchAgreement(ctx, job.Args.OrgID, job.Args.AgreementID); err != nil {
		return err
	}
	queue, err := w.svc.Store.MktOrderQueue(ctx, job.Args.OrgID, job.Args.AgreementID)
	if err != nil || len(queue) == 0 || queue[0].VendorRef == "" {
		return err
	}
	return w.q.Enqueue(ctx, PollArgs{OrgID: job.Args.OrgID, OrderID: queue[0].ID}, nil)
}

type pollWorker struct {
	river.WorkerDefaults[PollArgs]
	svc *Service
}

func (w *pollWorker) Work(ctx context.Context, job *river.Job[PollArgs]) error {
	done, err := w.svc.Poll(ctx, job.Args.OrgID, job.Args.OrderID)
	if err != nil {
		return err
	}
	if !done {
		return river.JobSnooze(PollEvery)
	}
	return nil
}

type billingWorker struct {
	river.WorkerDefaults[BillingArgs]
	svc *Service
}

func (w *billingWorker) Work(ctx context.Context, _ *river.Job[BillingArgs]) error {
	return w.svc.BillingPass(ctx, w.svc.now())
}

type costsWorker struct {
	river.WorkerDefaults[CostsArgs]
	svc   *Service
	costs costs.Store
}

func (w *costsWorker) Work(ctx context.Context, job *river.Job[CostsArgs]) error {
	_, err := w.svc.ExportToCosts(ctx, w.costs, job.Args.OrgID, job.Args.InvoiceID)
	return err
}

// BillingPass renews or expires every organisation's due subscriptions,
// bills their monthly periods up to now and marks unpaid invoices past
// their due day overdue.
func (s *Service) BillingPass(ctx context.Context, now time.Time) error {
	orgs, err := s.Store.MktOrgIDs(ctx)
	if err != nil {
		return err
	}
	for _, org := range orgs {
		if _, err := s.RenewDue(ctx, org, now); err != nil {
			return err
		}
		if _, err := s.BillRecurring(ctx, org, now); err != nil {
			return err
		}
		if err := s.markOverdue(ctx, org, now); err != nil {
			return err
		}
	}
	return nil
}
