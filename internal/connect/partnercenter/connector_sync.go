package partnercenter

import (
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
)

// IssueDay is the day of the next month by which Partner Center issues a
// month's invoice and reconciliation file.
const IssueDay = 8

// step is one import of a sync: a source key and what to write under it.
type step struct {
	key   string
	write func(ctx context.Context, w io.Writer) error
}

// pcCheckpoint lists the source keys a sync has imported so far.
type pcCheckpoint struct {
	Done []string `json:"done,omitempty"`
}

// Sync implements connect.Connector: the reconciliation file of every
// issued invoice whose billing period overlaps the window, then the
// unbilled daily rated usage of the months without an invoice yet (the
// current one, and the last one until its invoice is issued), each under
// its own source key, so a re-sync replaces.
func (k Connector) Sync(ctx context.Context, conn connect.Connection, _ []byte, run *connect.Run) error {
	c, err := clientFor(run.Env(), conn)
	if err != nil {
		return err
	}
	invoices, err := c.Invoices(ctx)
	if err != nil {
		return syncError(err)
	}
	today := run.To.AddDate(0, 0, -1)
	steps, note := plan(c, invoices, run.From, run.To, today)
	if w := warning(today, note); w != "" {
		run.Warn(w)
	}
	var cp pcCheckpoint
	if _, err := run.Checkpoint(&cp); err != nil {
		return err
	}
	for i, s := range steps {
		if slices.Contains(cp.Done, s.key) {
			continue
		}
		run.Progress(int64(i), int64(len(steps)), phase(s.key, note))
		if _, err := pipeImport(ctx, run, s.key, func(w io.Writer) error { return s.write(ctx, w) }); err != nil {
			return syncError(err)
		}
		if k.afterImport != nil {
			if err := k.afterImport(ctx, s.key); err != nil {
				return err
			}
		}
		cp.Done = append(cp.Done, s.key)
		if err := run.SetCheckpoint(ctx, cp); err != nil {
			return err
		}
	}
	run.Progress(int64(len(steps)), int64(len(steps)), phase("", note))
	return nil
}

// warning is the note about a missing invoice once it is overdue (after
// the IssueDay); before that the note only shows in the progress.
func warning(today time.Time, note string) string {
	if today.Day() > IssueDay {
		return note
	}
	return ""
}

func phase(key, note string) string {
	if key == "" {
		key = "done"
	}
	if note != "" {
		return key + " · " + note
	}
	return key
}

// plan lists the imports of a sync on day today over [from, to), and a
// note when last month's invoice is not issued yet.
func plan(c *Client, invoices []Invoice, from, to, today time.Time) ([]step, string) {
	cur := monthOf(today)
	last := cur.AddDate(0, -1, 0)
	var steps []step
	invoiced := map[time.Time]bool{}
	for _, inv := range invoices {
		start, end := inv.BillingPeriodStart, inv.BillingPeriodEnd.AddDate(0, 0, 1)
		invoiced[monthOf(start)] = true
		if !start.Before(to) || !end.After(from) {
			continue
		}
		steps = append(steps, step{key: InvoiceKey(inv.ID), write: func(ctx context.Context, w io.Writer) error {
			return c.WriteReconciliation(ctx, inv.ID, w)
		}})
		if m := monthOf(start); !m.Before(last) {
			steps = append(steps, step{key: UnbilledKey(m), write: c.writeEmptyUsage}) // the invoice replaces its unbilled usage
		}
	}
	var note string
	if !invoiced[last] && last.AddDate(0, 1, 0).After(from) {
		note = fmt.Sprintf("The invoice for %s is not issued yet (Partner Center issues it by the %dth of the next month).", last.Format("January 2006"), IssueDay)
		steps = append(steps, unbilled(c, last, "previous"))
	}
	return append(steps, unbilled(c, cur, "current")), note
}

func unbilled(c *Client, month time.Time, period string) step {
	return step{key: UnbilledKey(month), write: func(ctx context.Context, w io.Writer) error {
		return c.WriteUnbilledDailyUsage(ctx, period, w)
	}}
}

// writeEmptyUsage writes a daily rated usage file without lines: importing
// it under a month's unbilled key empties that month's unbilled usage.
func (c *Client) writeEmptyUsage(_ context.Context, w io.Writer) error {
	return c.writeCSV(w, usageColumns, usageRenames, func(func(map[string]any) error) error { return nil })
}

func monthOf(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// InvoiceKey and UnbilledKey are the connection's cost import keys.
func InvoiceKey(id string) string        { return "pc-invoice:" + id }
func UnbilledKey(month time.Time) string { return "pc-unbilled:" + month.Format("2006-01") }

// syncError marks throttling and server failures retryable.
func syncError(err error) error {
	var e *Error
	if IsThrottled(err) || (errors.As(err, &e) && e.Status >= 500) {
		return connect.Retryable(err)
	}
	var te *TokenError
	if errors.As(err, &te) || IsUnauthorized(err) || IsForbidden(err) {
		return fmt.Errorf("%w. How to fix: /help/%s", err, fixFor(err))
	}
	return err
}
