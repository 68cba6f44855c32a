package awsconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"strings"
	"time"

	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// syncCheckpoint is where a resumed sync continues: the first month not
// yet imported ("" = from the start), then the recommendations.
type syncCheckpoint struct {
	NextMonth string `json:"next_month,omitempty"`
	CostsDone bool   `json:"costs_done,omitempty"`
}

// Sync implements connect.Connector: the costs of every month the window
// touches (each month whole up to the window's end, because its source
// key replaces the month), then the recommendations' health.
func (k Connector) Sync(ctx context.Context, conn connect.Connection, secret []byte, run *connect.Run) error {
	c, s, err := clientFor(ctx, run.Env(), conn, secret)
	if err != nil {
		return err
	}
	if _, err := c.Identity(ctx); err != nil {
		k.storeChecks(ctx, conn, doctorChecks(c.Probe(ctx, RecOptions{CostExplorer: s.CERecommendations})))
		return syncError(err, c.credentialsFix(err))
	}
	var cp syncCheckpoint
	if _, err := run.Checkpoint(&cp); err != nil {
		return err
	}
	months := monthsOf(run.From, run.To)
	if !cp.CostsDone {
		if err := k.syncCosts(ctx, c, s.AccountID, run, months, cp.NextMonth); err != nil {
			return err
		}
	}
	return k.syncHealth(ctx, c, conn, s, run, int64(len(months)))
}

// monthsOf returns the first days of the months [from, to) touches.
func monthsOf(from, to time.Time) []time.Time {
	var out []time.Time
	for m := monthStart(from); m.Before(to); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// SourceKey is the cost import key of an account's month.
func SourceKey(accountID string, month time.Time) string {
	return "aws-ce:" + accountID + ":" + month.Format("2006-01")
}

func (k Connector) syncCosts(ctx context.Context, c *Client, account string, run *connect.Run, months []time.Time, next string) error {
	total := int64(len(months)) + 1
	for i, m := range months {
		key := m.Format("2006-01")
		if next != "" && key < next {
			continue
		}
		run.Progress(int64(i), total, "Costs of "+key)
		end := m.AddDate(0, 1, 0)
		if end.After(run.To) {
			end = run.To
		}
		_, err := pipeImport(ctx, run, SourceKey(account, m), func(w io.Writer) error { return c.WriteFOCUS(ctx, m, end, w) })
		if err != nil {
			return syncError(err, HelpIAMPolicy)
		}
		if k.afterMonth != nil {
			if err := k.afterMonth(ctx, key); err != nil {
				return err
			}
		}
		cp := syncCheckpoint{NextMonth: m.AddDate(0, 1, 0).Format("2006-01")}
		if err := run.SetCheckpoint(ctx, cp); err != nil {
			return err
		}
	}
	return run.SetCheckpoint(ctx, syncCheckpoint{CostsDone: true})
}

// pipeImport streams what write produces into the run's import: a write
// error fails the import (nothing of it is stored).
func pipeImport(ctx context.Context, run *connect.Run, key string, write func(io.Writer) error) (costs.ImportResult, error) {
	pr, pw := io.Pipe()
	werr := make(chan error, 1)
	go func() {
		err := write(pw)
		pw.CloseWithError(err)
		werr <- err
	}()
	res, err := run.ImportFOCUS(ctx, key, pr)
	pr.CloseWithError(errors.New("import stopped")) // unblocks the writer if the import ended early
	if wErr := <-werr; wErr != nil {
		return res, wErr
	}
	return res, err
}

// syncHealth reads the recommendations; each health state becomes a
// warning with exactly its title and a doctor check with its fix page.
func (k Connector) syncHealth(ctx context.Context, c *Client, conn connect.Connection, s Settings, run *connect.Run, steps int64) error {
	run.Progress(steps, steps+1, "Recommendations")
	res, err := c.ReadRecommendations(ctx, RecOptions{CostExplorer: s.CERecommendations})
	if err != nil {
		return syncError(err, "")
	}
	for _, is := range res.Issues {
		run.Warn(is.Title)
	}
	k.storeChecks(ctx, conn, healthChecks(res.Issues))
	if err := storeRecommendations(ctx, run, conn, res); err != nil {
		return err
	}
	run.Progress(steps+1, steps+1, fmt.Sprintf("%d recommendations read", len(res.Recs)))
	return nil
}

// healthChecks are the doctor's rows after a sync that signed in and read
// costs: one per health issue, the features without one granted.
func healthChecks(issues []HealthIssue) []connect.Check {
	ta := Check{Title: "Recommendations from Trusted Advisor", Permission: "support:DescribeTrustedAdvisorChecks, support:DescribeTrustedAdvisorCheckResult"}
	ce := Check{Title: "Recommendations from Cost Explorer", Permission: "ce:GetRightsizingRecommendation, ce:GetSavingsPlansPurchaseRecommendation"}
	out := []connect.Check{
		{Feature: "Sign in to AWS", Needs: "sts:GetCallerIdentity", Granted: true, Detail: "Works: the last sync signed in."},
		{Feature: "Costs from Cost Explorer", Needs: "ce:GetCostAndUsage", Granted: true, Detail: "Works: the last sync imported the costs."},
	}
	seen := map[string]bool{}
	for _, is := range issues {
		f := ce
		if is.Code == HealthTAAccessDenied || is.Code == HealthTASupportPlan {
			f = ta
		}
		feature := f.Title
		if seen[feature] {
			feature += " (" + is.Title + ")"
		}
		seen[feature] = true
		out = append(out, connect.Check{Feature: feature, Needs: f.Permission, Detail: is.Title + ": " + is.Message, Fix: is.FixSlug})
	}
	for _, f := range []Check{ta, ce} {
		if !seen[f.Title] {
			out = append(out, connect.Check{Feature: f.Title, Needs: f.Permission, Granted: true, Detail: "Works: the last sync read them."})
		}
	}
	return out
}

// storeChecks keeps checks as the connection's doctor results. It is best
// effort: the sync's outcome and warnings say the same.
func (k Connector) storeChecks(ctx context.Context, conn connect.Connection, checks []connect.Check) {
	if k.Checks == nil {
		return
	}
	now := domain.Now()
	rows := make([]store.ConnectionCheck, 0, len(checks))
	for _, ch := range checks {
		rows = append(rows, store.ConnectionCheck{Feature: ch.Feature, Needs: ch.Needs, Granted: ch.Granted, Detail: ch.Detail, Fix: ch.Fix, ProbedAt: now})
	}
	_ = k.Checks.ReplaceChecks(context.WithoutCancel(ctx), conn.OrgID, conn.ID, rows)
}

// syncError names the help page that fixes err and marks transient
// failures (throttling, 5xx, no answer) retryable.
func syncError(err error, fix string) error {
	if err == nil {
		return nil
	}
	if transient(err) {
		return connect.Retryable(err)
	}
	var e *Error
	if fix != "" && errors.As(err, &e) && e.Kind != nil {
		return fmt.Errorf("%w. How to fix: /help/%s", err, fix)
	}
	return err
}

func transient(err error) bool {
	if errors.Is(err, ErrThrottled) {
		return true
	}
	// A server error is worth another try however its body reads (a
	// proxy's HTML page, or JSON where STS speaks XML, fails to decode).
	var re *awshttp.ResponseError
	if errors.As(err, &re) && re.HTTPStatusCode() >= 500 {
		return true
	}
	var de *smithy.DeserializationError
	if errors.As(err, &de) {
		// An answer cut off on the way (the connection ended mid-body) is
		// the network's doing, worth another try; a malformed one is not.
		// The SDK formats the decoder's error into its own (no %w), so
		// its text is all there is to go on.
		return errors.Is(err, io.ErrUnexpectedEOF) || strings.HasSuffix(de.Error(), io.ErrUnexpectedEOF.Error())
	}
	if errors.As(err, &re) {
		return false // a 4xx
	}
	var api smithy.APIError
	var e *Error
	// An adapter error with no AWS answer at all: the network failed.
	return errors.As(err, &e) && !errors.As(err, &api) && !errors.Is(err, context.Canceled)
}
