package azureconn_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/connect/connecttest"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// A sync imports every subscription's costs over the window's months:
// the stored totals equal the sandbox's own daily totals exactly, and a
// second sync (which re-pulls the last days' month) leaves them as they
// were. Legacy (no-resources) lines carry no resource.
func TestSyncImportsExactTotalsAndResyncReplaces(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSyncEnv(t, db)
		s.Work()
		c := s.create(t)
		y := s.Wait(c, s.Queue(c).ID, connecttest.Finished)
		d := s.c.Demo
		if y.State != store.SyncSucceeded || y.Rows == 0 || y.ProgressDone != y.ProgressTotal {
			t.Fatalf("sync %+v", y)
		}
		want := s.expected(t, y, d.Production.ID, d.Development.ID, d.Legacy.ID)
		if got := s.stored(t); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("stored %v, sandbox %v", got, want)
		}
		again := s.Wait(c, s.Queue(c).ID, connecttest.Finished)
		if again.State != store.SyncSucceeded || !again.WindowFrom.After(y.WindowFrom) {
			t.Fatalf("re-sync %+v", again)
		}
		if got := s.stored(t); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("after the re-sync %v, want %v", got, want)
		}
		imps, err := s.Store.Costs().Imports(ctx, s.Owner.Org.ID, 100)
		if err != nil {
			t.Fatal(err)
		}
		replaced := 0
		for _, imp := range imps {
			if !strings.HasPrefix(imp.SourceKey, "connection:"+c.ID+":azure:") {
				t.Fatalf("source key %q", imp.SourceKey)
			}
			if imp.Status == costs.StatusReplaced {
				replaced++
			}
		}
		if replaced == 0 {
			t.Fatal("the re-sync replaced no month")
		}
	})
}

// Consent revoked while a sync runs (during a throttling pause): the sync
// fails with the revoked state, its fix and its help page.
func TestRevokedConsentMidSyncFailsWithTheFix(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSyncEnv(t, db)
		s.c.Billing.SetQueryBudget(4) // the fifth query of a scope in a minute is throttled
		d := s.c.Demo
		s.onWait = func() {
			s.c.Entra.RevokeConsent(d.Customer.ID, d.App.ClientID)
			s.c.Clock.Advance(2 * time.Hour) // the run's cached token expires
		}
		s.Work()
		c := s.create(t)
		y := s.Wait(c, s.Queue(c).ID, connecttest.Finished)
		if y.State != store.SyncFailed || !strings.Contains(y.Error, "consent revoked") ||
			!strings.Contains(y.Error, "/help/azure-token-revoked") || !strings.Contains(y.Error, "connect Azure again") {
			t.Fatalf("sync %s: %q", y.State, y.Error)
		}
		if y.Rows == 0 {
			t.Fatal("the months before the revocation should have been imported")
		}
		if strings.Contains(y.Error, d.App.Secret) {
			t.Fatal("the error shows the client secret")
		}
	})
}

// A 429 storm on one subscription's queries: the attempt gives up after
// the adapter's bounded tries (no retry storm), waiting what Retry-After
// asks; the engine queues the sync again and, the storm over, it resumes
// and imports everything exactly once.
func TestThrottlingStormIsBoundedThenResumes(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSyncEnv(t, db)
		d := s.c.Demo
		path := "/subscriptions/" + d.Production.ID + "/providers/Microsoft.CostManagement/query"
		s.c.Faults.Add("arm", sbx.Fault{Path: path, Status: 429, RetryAfter: 7 * time.Second})
		s.Work()
		c := s.create(t)
		y := s.Queue(c)
		s.Wait(c, y.ID, func(store.ConnectionSync) bool { return s.c.Faults.Count("arm", path) >= 4 })
		s.Wait(c, y.ID, func(y store.ConnectionSync) bool { return y.State == store.SyncQueued || y.Finished() })
		if n := s.c.Faults.Count("arm", path); n != 4 {
			t.Fatalf("%d throttled queries, want 4 (the adapter's attempts)", n)
		}
		s.mu.Lock()
		waits := fmt.Sprint(s.sleeps)
		s.mu.Unlock()
		if waits != "[7s 7s 7s]" {
			t.Fatalf("waited %s, want Retry-After (7s) between the 4 attempts", waits)
		}
		s.c.Faults.Clear("arm")
		y = s.Wait(c, y.ID, connecttest.Finished)
		if y.State != store.SyncSucceeded {
			t.Fatalf("after the storm: %s %s", y.State, y.Error)
		}
		want := s.expected(t, y, d.Production.ID, d.Development.ID, d.Legacy.ID)
		if got := s.stored(t); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("stored %v, sandbox %v", got, want)
		}
	})
}

// A worker stopped mid-sync (its context cancelled while a query hangs):
// the sync goes back to the queue with its checkpoint, another worker
// resumes it, and every subscription-month is imported exactly once, with
// the sandbox's totals.
func TestKilledSyncResumesWithoutDuplicatesOrGaps(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		s := newSyncEnv(t, db)
		d := s.c.Demo
		ids := []string{d.Production.ID, d.Development.ID, d.Legacy.ID}
		slices.Sort(ids) // the order the connector syncs them in
		hang := "/subscriptions/" + ids[1] + "/providers/Microsoft.CostManagement/query"
		s.c.Faults.Add("arm", sbx.Fault{Path: hang, Delay: time.Minute, Times: 1})
		first := s.Runner()
		if err := first.Start(ctx); err != nil {
			t.Fatal(err)
		}
		c := s.create(t)
		y := s.Queue(c)
		s.Wait(c, y.ID, func(store.ConnectionSync) bool { return s.c.Faults.Count("arm", hang) >= 1 })
		stop, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
		_ = first.Stop(stop) // cancels the hanging sync
		cancel()
		cur, _ := s.Service.Sync(ctx, s.Owner, c.ID, y.ID)
		if cur.State != store.SyncQueued || len(cur.Checkpoint) == 0 {
			t.Fatalf("after the stop: %s, checkpoint %s", cur.State, cur.Checkpoint)
		}
		s.Work()
		y = s.Wait(c, y.ID, connecttest.Finished)
		if y.State != store.SyncSucceeded {
			t.Fatalf("resumed sync %s %s", y.State, y.Error)
		}
		want := s.expected(t, y, d.Production.ID, d.Development.ID, d.Legacy.ID)
		if got := s.stored(t); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("stored %v, sandbox %v", got, want)
		}
		imps, _ := s.Store.Costs().Imports(ctx, s.Owner.Org.ID, 100)
		seen := map[string]int{}
		for _, imp := range imps {
			seen[imp.SourceKey]++
		}
		for key, n := range seen {
			if n != 1 {
				t.Fatalf("%s imported %d times", key, n)
			}
		}
	})
}

// The doctor probes each feature the settings use on each subscription;
// with the consent revoked it names the state and its help page.
func TestDoctorProbesFeaturesAndTokenState(t *testing.T) {
	t.Parallel()
	s := newSyncEnv(t, storetest.Open(t, store.SQLite))
	c := s.create(t)
	checks, err := s.Service.RunDoctor(ctx, s.Owner, c.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for _, ch := range checks {
		got[ch.Feature] = ch.Granted
		if !ch.Granted && !strings.HasPrefix(ch.Fix, "azure-") {
			t.Fatalf("check without an Azure help page: %+v", ch)
		}
	}
	d := s.c.Demo
	if !got["Costs · "+d.Production.Name] || !got["Resources · "+d.Development.Name] {
		t.Fatalf("checks %v", got)
	}
	if _, ok := got["Resources · "+d.Legacy.Name]; ok {
		t.Fatal("Legacy is no-resources: its resources are not probed")
	}
	s.c.Entra.RevokeConsent(d.Customer.ID, d.App.ClientID)
	checks, err = s.Service.RunDoctor(ctx, s.Owner, c.ID)
	if err != nil || len(checks) != 1 || checks[0].Fix != "azure-token-revoked" || checks[0].Granted {
		t.Fatalf("revoked: %+v %v", checks, err)
	}
}

// A conditional-access policy that blocks Canopy's sign-in (AADSTS53003) is
// its own token state: the doctor and the failed sync name it and point at
// the conditional-access help page (with the "What If" check); once the
// policy excludes Canopy the doctor's checks are granted again.
func TestConditionalAccessBlockPointsAtItsHelpPage(t *testing.T) {
	t.Parallel()
	s := newSyncEnv(t, storetest.Open(t, store.SQLite))
	d := s.c.Demo
	c := s.create(t)
	s.c.Entra.BlockByConditionalAccess(d.Customer.ID, d.App.ClientID, true)
	checks, err := s.Service.RunDoctor(ctx, s.Owner, c.ID)
	if err != nil || len(checks) != 1 || checks[0].Granted || checks[0].Fix != "azure-conditional-access" ||
		!strings.Contains(checks[0].Detail, "AADSTS53003") {
		t.Fatalf("doctor while blocked: %+v %v", checks, err)
	}
	page, ok := connect.Help(checks[0].Fix)
	if !ok || !strings.Contains(strings.Join(page.Steps, " "), "What If") {
		t.Fatalf("help page %q: %+v", checks[0].Fix, page)
	}
	s.Work()
	y := s.Wait(c, s.Queue(c).ID, connecttest.Finished)
	if y.State != store.SyncFailed || !strings.Contains(y.Error, "blocked by conditional access") ||
		!strings.Contains(y.Error, "/help/azure-conditional-access") {
		t.Fatalf("sync while blocked: %s %q", y.State, y.Error)
	}
	if st, _, _, slug, ok := azureconn.TokenStateOf(y.Error); !ok || st != azureconn.TokenBlocked || slug != "azure-conditional-access" {
		t.Fatalf("token state of %q: %s %s %v", y.Error, st, slug, ok)
	}
	s.c.Entra.BlockByConditionalAccess(d.Customer.ID, d.App.ClientID, false)
	checks, err = s.Service.RunDoctor(ctx, s.Owner, c.ID)
	if err != nil || len(checks) < 2 {
		t.Fatalf("doctor after the exclusion: %+v %v", checks, err)
	}
	for _, ch := range checks {
		if ch.Fix == "azure-conditional-access" {
			t.Fatalf("still blocked: %+v", ch)
		}
	}
}

// With Canopy's per-subscription token buckets at Azure's budget (4 Cost
// Management queries a minute per scope), a sync paces its queries and
// never meets a 429, and imports the sandbox's exact totals. The buckets
// wait on the sandbox clock, which the run's Sleep moves. Without buckets
// the same budget answers 429s that are waited out (the control).
func TestQueryBucketsKeepASyncUnderTheBudget(t *testing.T) {
	t.Parallel()
	for _, perMinute := range []int{4, 0} {
		s := newSyncEnv(t, storetest.Open(t, store.SQLite))
		s.c.Billing.SetQueryBudget(4)
		s.Service.Env.Clouds.AzureQueriesPerMinute = perMinute
		var paced []time.Duration
		s.Service.Sleep = func(_ context.Context, d time.Duration) error {
			s.mu.Lock()
			paced = append(paced, d)
			s.mu.Unlock()
			s.c.Clock.Advance(d)
			return nil
		}
		s.Work()
		c := s.create(t)
		y := s.Wait(c, s.Queue(c).ID, connecttest.Finished)
		if y.State != store.SyncSucceeded {
			t.Fatalf("%d a minute: sync %s %s", perMinute, y.State, y.Error)
		}
		d := s.c.Demo
		if got, want := s.stored(t), s.expected(t, y, d.Production.ID, d.Development.ID, d.Legacy.ID); fmt.Sprint(got) != fmt.Sprint(want) {
			t.Fatalf("%d a minute: stored %v, sandbox %v", perMinute, got, want)
		}
		s.mu.Lock()
		throttled, waits := len(s.sleeps), len(paced)
		s.mu.Unlock()
		if perMinute > 0 && (throttled != 0 || waits == 0) {
			t.Fatalf("with buckets: %d waits for a 429, %d paced waits", throttled, waits)
		}
		if perMinute == 0 && (throttled == 0 || waits != 0) {
			t.Fatalf("without buckets: %d waits for a 429 (the budget should have been hit), %d paced waits", throttled, waits)
		}
	}
}
