package azureconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
)

// throttleScope is the run's throttle scope of Azure requests.
const throttleScope = "azure"

// syncCheckpoint is a sync's resume point: the subscription-months
// imported, whether the Partner Admin Link was applied, and the
// subscriptions whose resources are stored.
type syncCheckpoint struct {
	Done          []string `json:"done"`
	PartnerLinked bool     `json:"partner_linked,omitempty"`
	Resources     []string `json:"resources,omitempty"` // subscriptions whose resources are stored
}

// Sync imports the costs of every subscription Canopy's service principal
// can read, month by month over the run's window (whole months, so that a
// month's source key always holds the month from its first day: a
// re-pulled month replaces the earlier copy, never a part of it), then
// their resources and Advisor cost recommendations.
func (k Connector) Sync(ctx context.Context, conn connect.Connection, _ []byte, run *connect.Run) error {
	set, err := ParseSettings(conn.Settings)
	if err != nil {
		return err
	}
	cl, err := k.client(run, set)
	if err != nil {
		return err
	}
	var cp syncCheckpoint
	if _, err := run.Checkpoint(&cp); err != nil {
		return err
	}
	run.Progress(0, 0, "Listing subscriptions")
	subs, err := cl.Subscriptions(ctx)
	if err != nil {
		return syncError(err)
	}
	subs = readable(run, set, subs)
	cl.cfg.Access = map[string]AccessLevel{}
	for _, s := range subs {
		cl.cfg.Access[s.ID] = set.level(s.ID)
	}
	if err := linkPartner(ctx, cl, run, set, &cp); err != nil {
		return err
	}
	if err := importCosts(ctx, cl, run, subs, &cp); err != nil {
		return syncError(err)
	}
	if err := syncResources(ctx, cl, run, subs, &cp); err != nil {
		return syncError(err)
	}
	if err := syncRecommendations(ctx, cl, run, conn, subs); err != nil {
		return syncError(err)
	}
	if set.Reservations {
		return syncError(checkReservations(ctx, cl, run))
	}
	return nil
}

// client builds the service principal's client for the run: Canopy's app
// from the installation, throttling waits through the run (or k.Sleep).
func (k Connector) client(run *connect.Run, set Settings) (*Client, error) {
	env := run.Env()
	if env.Clouds.AzureClientID == "" || env.Clouds.AzureClientSecret == "" {
		return nil, errors.New("Canopy has no Azure app configured: set CANOPY_AZURE_CLIENT_ID and CANOPY_AZURE_CLIENT_SECRET (see /help/azure-app-registration)")
	}
	cfg := EnvConfig(env, set.TenantID)
	cfg.Sleep = k.Sleep
	if cfg.Sleep == nil {
		cfg.Sleep = func(ctx context.Context, d time.Duration) error {
			run.Pause(throttleScope, d)
			return run.Wait(ctx, throttleScope)
		}
	}
	cfg.Pace = queryBuckets(run, env.Clouds.AzureQueriesPerMinute)
	cl, err := New(cfg)
	if err != nil {
		return nil, syncError(err)
	}
	return cl, nil
}

// queryBuckets paces Cost Management queries with one token bucket per
// scope (subscription) in the run: one query every minute/perMinute and
// no burst, so no minute ever holds more than perMinute queries of a
// scope and a sync stays under Azure's per-scope budget instead of
// running into its 429s. perMinute 0 is no bucket.
func queryBuckets(run *connect.Run, perMinute int) func(context.Context, string) error {
	if perMinute <= 0 {
		return nil
	}
	var mu sync.Mutex
	limited := map[string]bool{}
	return func(ctx context.Context, scope string) error {
		key := "azure-cost-query " + strings.ToLower(scope)
		mu.Lock()
		if !limited[key] {
			limited[key] = true
			run.Limit(key, time.Minute/time.Duration(perMinute), 1)
		}
		mu.Unlock()
		return run.Wait(ctx, key)
	}
}

// readable keeps the subscriptions the service principal sees and warns
// about the ones the settings name that it cannot see.
func readable(run *connect.Run, set Settings, subs []Subscription) []Subscription {
	seen := map[string]bool{}
	for _, s := range subs {
		seen[strings.ToLower(s.ID)] = true
	}
	for id := range set.Subscriptions {
		if !seen[strings.ToLower(id)] {
			run.Warn("Subscription " + id + ": Canopy's service principal has no role on it, so its costs were not imported. An Owner must give it Reader (see /help/azure-service-principal-roles).")
		}
	}
	slices.SortFunc(subs, func(a, b Subscription) int { return strings.Compare(a.ID, b.ID) })
	return subs
}

// months are the first days of the months of [from, to).
func months(from, to time.Time) []time.Time {
	var out []time.Time
	m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC)
	for ; m.Before(to); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// importCosts imports each subscription-month not yet in the checkpoint
// and saves the checkpoint after each.
func importCosts(ctx context.Context, cl *Client, run *connect.Run, subs []Subscription, cp *syncCheckpoint) error {
	ms := months(run.From, run.To)
	total, done := int64(len(subs)*len(ms)), int64(0)
	for _, s := range subs {
		for _, m := range ms {
			key := "azure:" + s.ID + ":" + m.Format("2006-01")
			if done++; slices.Contains(cp.Done, key) {
				continue
			}
			run.Progress(done-1, total, "Costs of "+s.Name+", "+m.Format("January 2006"))
			if err := importMonth(ctx, cl, run, s.ID, m, minTime(m.AddDate(0, 1, 0), run.To), key); err != nil {
				return fmt.Errorf("costs of %s (%s), %s: %w", s.Name, s.ID, m.Format("2006-01"), err)
			}
			cp.Done = append(cp.Done, key)
			if err := run.SetCheckpoint(ctx, cp); err != nil {
				return err
			}
		}
	}
	run.Progress(total, total, "Costs imported")
	return nil
}

// importMonth pipes the adapter's FOCUS CSV of [from, to) into the cost
// store under key. The adapter reads every page before it writes a byte,
// so a failed query imports nothing; its error wins over the import's.
func importMonth(ctx context.Context, cl *Client, run *connect.Run, subID string, from, to time.Time, key string) error {
	pr, pw := io.Pipe()
	werr := make(chan error, 1)
	go func() {
		err := cl.WriteFOCUS(ctx, subID, from, to, pw)
		_ = pw.CloseWithError(err)
		werr <- err
	}()
	_, ierr := run.ImportFOCUS(ctx, key, pr)
	_ = pr.CloseWithError(errors.New("import ended"))
	if err := <-werr; err != nil {
		return err
	}
	return ierr
}

func minTime(a, b time.Time) time.Time {
	if a.Before(b) {
		return a
	}
	return b
}

// linkPartner applies the Partner Admin Link once per sync; a failure is
// a warning (costs do not depend on it).
func linkPartner(ctx context.Context, cl *Client, run *connect.Run, set Settings, cp *syncCheckpoint) error {
	if set.PartnerID == "" || cp.PartnerLinked {
		return nil
	}
	if err := cl.LinkPartner(ctx, set.PartnerID); err != nil {
		if ctx.Err() != nil {
			return ctx.Err()
		}
		run.Warn("Partner Admin Link to partner ID " + set.PartnerID + " failed: " + brief(err))
	}
	cp.PartnerLinked = true
	return run.SetCheckpoint(ctx, cp)
}

// syncError is what the sync history shows: a token state with its fix
// and help page, Retryable for throttling and transient failures.
func syncError(err error) error {
	var te *TokenError
	switch {
	case err == nil:
		return nil
	case errors.As(err, &te):
		return fmt.Errorf("Azure credentials: %s (%s). %s See /help/%s", stateLabels[te.State], te.Code, te.Fix, HelpSlug(string(te.State)))
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.Is(err, ErrThrottled), statusOf(err) >= 500, isNetError(err):
		return connect.Retryable(err)
	}
	return err
}

func isNetError(err error) bool {
	var ne net.Error
	return errors.As(err, &ne) || errors.Is(err, io.ErrUnexpectedEOF)
}

// stateLabels name the token states for people.
var stateLabels = map[TokenState]string{
	TokenIncomplete: "access incomplete", TokenExpired: "token expired",
	TokenRevoked: "consent revoked", InvalidSecret: "client secret invalid",
	TokenBlocked: "blocked by conditional access",
}

// brief is an error's first line, cut to a readable length.
func brief(err error) string {
	s, _, _ := strings.Cut(err.Error(), "\n")
	if r := []rune(s); len(r) > 300 {
		return string(r[:300]) + "…"
	}
	return s
}
