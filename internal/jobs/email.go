package jobs

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail"
)

// EmailArgs is the email job. Only the recipient and subject are readable
// in the jobs table (for operators); the message itself, whose text may
// hold password-reset or invitation links, is sealed with the KeyVault.
type EmailArgs struct {
	To      string `json:"to"`
	Subject string `json:"subject"`
	Sealed  string `json:"sealed"` // keyvault.SealString of the JSON mail.Message
}

// Kind implements river.JobArgs.
func (EmailArgs) Kind() string { return "email" }

// InsertOpts gives e-mail ten attempts (about half an hour with the default
// backoff) before the job is discarded.
func (EmailArgs) InsertOpts() river.InsertOpts { return river.InsertOpts{MaxAttempts: 10} }

// emailAAD binds the sealed body to its recipient, so editing To in the
// jobs table cannot redirect someone's reset link to another address.
func emailAAD(to string) string { return "canopy/jobs/email/v1/" + to }

// NewEmailArgs seals m into job args.
func NewEmailArgs(kv keyvault.KeyVault, m mail.Message) (EmailArgs, error) {
	if err := m.Validate(); err != nil {
		return EmailArgs{}, err
	}
	body, err := json.Marshal(m)
	if err != nil {
		return EmailArgs{}, fmt.Errorf("jobs: encode email: %w", err)
	}
	sealed, err := keyvault.SealString(kv, string(body), emailAAD(m.To))
	if err != nil {
		return EmailArgs{}, fmt.Errorf("jobs: seal email: %w", err)
	}
	return EmailArgs{To: m.To, Subject: m.Subject, Sealed: sealed}, nil
}

// EnqueueEmail queues m for delivery with retries.
func EnqueueEmail(ctx context.Context, r *Runner, kv keyvault.KeyVault, m mail.Message) error {
	args, err := NewEmailArgs(kv, m)
	if err != nil {
		return err
	}
	return r.Enqueue(ctx, args, nil)
}

// EnqueueEmailTx queues m inside tx (e.g. with the user row it invites).
func EnqueueEmailTx(ctx context.Context, r *Runner, tx *sql.Tx, kv keyvault.KeyVault, m mail.Message) error {
	args, err := NewEmailArgs(kv, m)
	if err != nil {
		return err
	}
	return r.EnqueueTx(ctx, tx, args, nil)
}

// Default e-mail retry backoff: 5s, 10s, 20s ... capped at 10 minutes.
const (
	DefaultEmailRetryBase = 5 * time.Second
	DefaultEmailRetryMax  = 10 * time.Minute
)

// EmailOption adjusts NewEmailWorker.
type EmailOption func(*emailWorker)

// WithEmailRetry sets the first retry delay (doubling per attempt) and its
// cap. Tests use milliseconds.
func WithEmailRetry(base, max time.Duration) EmailOption {
	return func(w *emailWorker) { w.retryBase, w.retryMax = base, max }
}

type emailWorker struct {
	river.WorkerDefaults[EmailArgs]
	sender    mail.Sender
	kv        keyvault.KeyVault
	retryBase time.Duration
	retryMax  time.Duration
}

// NewEmailWorker returns the worker that opens and sends EmailArgs jobs.
func NewEmailWorker(sender mail.Sender, kv keyvault.KeyVault, opts ...EmailOption) river.Worker[EmailArgs] {
	w := &emailWorker{sender: sender, kv: kv, retryBase: DefaultEmailRetryBase, retryMax: DefaultEmailRetryMax}
	for _, o := range opts {
		o(w)
	}
	return w
}

// Work sends the message. Failures no retry can fix (undecryptable job,
// invalid message, 5xx from the relay) cancel the job instead of burning
// its attempts; the rest are retried with NextRetry's backoff.
func (w *emailWorker) Work(ctx context.Context, job *river.Job[EmailArgs]) error {
	m, err := w.open(job.Args)
	if err != nil {
		return river.JobCancel(err)
	}
	if err := w.sender.Send(ctx, m); err != nil {
		if mail.IsPermanent(err) {
			return river.JobCancel(err)
		}
		return err
	}
	return nil
}

func (w *emailWorker) open(args EmailArgs) (mail.Message, error) {
	var m mail.Message
	body, err := keyvault.OpenString(w.kv, args.Sealed, emailAAD(args.To))
	if err != nil {
		return m, fmt.Errorf("jobs: open sealed email to %s: %w", args.To, err)
	}
	if err := json.Unmarshal([]byte(body), &m); err != nil {
		return m, fmt.Errorf("jobs: decode email to %s: %w", args.To, err)
	}
	if m.To != args.To {
		return m, fmt.Errorf("jobs: sealed email is for another recipient than %s", args.To)
	}
	return m, nil
}

// NextRetry doubles the delay per attempt from retryBase up to retryMax.
func (w *emailWorker) NextRetry(job *river.Job[EmailArgs]) time.Time {
	return time.Now().Add(Backoff(job.Attempt, w.retryBase, w.retryMax))
}

// Backoff returns base*2^(attempt-1), capped at max.
func Backoff(attempt int, base, max time.Duration) time.Duration {
	d := base
	for i := 1; i < attempt && d < max; i++ {
		d *= 2
	}
	return min(d, max)
}
