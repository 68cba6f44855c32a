package awsconn

import (
	"context"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/connecttest"
	awssandbox "github.com/canopyhq/canopy/internal/sandbox/aws"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// wantTotal compares the stored billed total over the sync's months with
// Cost Explorer's (the sandbox's TotalCost) to the last digit.
func (e *syncEnv) wantTotal(orgID string, y store.ConnectionSync) {
	e.T.Helper()
	from, to := monthStart(y.WindowFrom), y.WindowTo
	got, want := e.billed(orgID, from, to), e.Cloud.AWS.TotalCost(e.Cloud.Demo.AWS.AccountID, "UnblendedCost", from, to)
	if !decimalEqual(got, want) || want == "0" {
		e.T.Fatalf("stored %s, Cost Explorer %s over [%s, %s)", got, want, from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
}

// A first sync imports every month the window touches (through Canopy's
// principal assuming the demo role with its external ID) to Cost
// Explorer's totals exactly; a re-sync replaces, never adds.
func TestSyncImportsCostExplorerTotalsAndReSyncReplaces(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newSyncEnv(t, db)
		e.Work()
		c := e.create(e.demoSettings())
		y := e.Sync(c)
		if y.State != store.SyncSucceeded || y.Rows == 0 || y.ProgressDone != y.ProgressTotal {
			t.Fatalf("first sync %+v (%s)", y, y.Error)
		}
		e.wantTotal(e.Owner.Org.ID, y)
		all := e.billed(e.Owner.Org.ID, time.Time{}, time.Time{})
		y2 := e.Sync(c)
		if y2.State != store.SyncSucceeded || !y2.WindowFrom.After(y.WindowFrom) {
			t.Fatalf("re-sync %+v", y2)
		}
		if again := e.billed(e.Owner.Org.ID, time.Time{}, time.Time{}); again != all {
			t.Fatalf("a re-sync changed the total: %s, then %s", all, again)
		}
		checks := e.checks(c)
		if len(checks) != 4 || slices.ContainsFunc(checks, func(ch store.ConnectionCheck) bool { return !ch.Granted }) {
			t.Fatalf("doctor after a healthy sync: %+v", checks)
		}
	})
}

// healthCase puts the sandbox account (or the connection's settings) in
// one of the five states and undoes it.
type healthCase struct {
	code        string
	set, undo   func(e *syncEnv)
	ceInCanopy  bool
	wantFeature string
}

func healthCases() []healthCase {
	acct := func(e *syncEnv) string { return e.Cloud.Demo.AWS.AccountID }
	role := func(e *syncEnv) string { return e.Cloud.Demo.AWS.RoleARN }
	full := func(e *syncEnv) { _ = e.Cloud.AWS.SetAllowed(role(e), e.Cloud.Demo.AWS.ReadOnlyPolicies...) }
	ta, ce := "Recommendations from Trusted Advisor", "Recommendations from Cost Explorer"
	return []healthCase{
		{code: HealthTAAccessDenied, ceInCanopy: true, wantFeature: ta,
			set:  func(e *syncEnv) { _ = e.Cloud.AWS.SetAllowed(role(e), "ce:Get*", "ce:Describe*", "ce:List*") },
			undo: full},
		{code: HealthCEAccessDenied, ceInCanopy: true, wantFeature: ce,
			set: func(e *syncEnv) {
				_ = e.Cloud.AWS.SetAllowed(role(e), "ce:GetCostAndUsage", "ce:GetDimensionValues", "ce:GetTags", "support:Describe*")
			}, undo: full},
		{code: HealthTASupportPlan, ceInCanopy: true, wantFeature: ta,
			set:  func(e *syncEnv) { _ = e.Cloud.AWS.SetSupportPlan(acct(e), awssandbox.PlanBasic) },
			undo: func(e *syncEnv) { _ = e.Cloud.AWS.SetSupportPlan(acct(e), awssandbox.PlanBusiness) }},
		{code: HealthCEDisabledCanopy, wantFeature: ce, set: func(*syncEnv) {}, undo: func(*syncEnv) {}},
		{code: HealthCEDisabledAWS, ceInCanopy: true, wantFeature: ce,
			set:  func(e *syncEnv) { _ = e.Cloud.AWS.SetRightsizingEnabled(acct(e), false) },
			undo: func(e *syncEnv) { _ = e.Cloud.AWS.SetRightsizingEnabled(acct(e), true) }},
	}
}

// Each of the five health states makes the sync partial with exactly the
// state's title as a warning, and a doctor row linking its fix page.
func TestEachHealthStateIsAWarningAndADoctorCheck(t *testing.T) {
	RegisterHelp()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newSyncEnv(t, db)
		e.Work()
		c := e.create(e.demoSettings())
		if y := e.Sync(c); y.State != store.SyncSucceeded {
			t.Fatalf("healthy sync %+v", y)
		}
		for _, hc := range healthCases() {
			s := e.demoSettings()
			s.CERecommendations = hc.ceInCanopy
			e.setSettings(c, s)
			hc.set(e)
			y := e.Sync(c)
			hc.undo(e)
			title := healthTitles[hc.code]
			if w := e.warnings(y); y.State != store.SyncPartial || !slices.Contains(w, title) {
				t.Fatalf("%s: sync %s, warnings %q (%s)", hc.code, y.State, w, y.Error)
			}
			i := slices.IndexFunc(e.checks(c), func(ch store.ConnectionCheck) bool { return ch.Fix == FixSlug(hc.code) })
			if i < 0 {
				t.Fatalf("%s: no doctor check with its fix: %+v", hc.code, e.checks(c))
			}
			ch := e.checks(c)[i]
			if ch.Granted || ch.Feature != hc.wantFeature || !strings.HasPrefix(ch.Detail, title) {
				t.Fatalf("%s: check %+v", hc.code, ch)
			}
			if p, ok := connect.Help(ch.Fix); !ok || p.Title != title || len(p.Steps) == 0 {
				t.Fatalf("%s: fix page %+v", hc.code, p)
			}
		}
	})
}

// A role trust that names another external ID: the sync fails, its error
// and the doctor point at the role trust page.
func TestWrongExternalIDFailsWithTheTrustPolicyFix(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newSyncEnv(t, db)
		e.Work()
		s := e.demoSettings()
		s.ExternalID = "not-the-" + s.ExternalID
		c := e.create(s)
		y := e.Sync(c)
		if y.State != store.SyncFailed || !strings.Contains(y.Error, "AssumeRole") || !strings.Contains(y.Error, "/help/"+HelpRoleTrust) {
			t.Fatalf("sync %+v", y)
		}
		checks := e.checks(c)
		if len(checks) == 0 || checks[0].Granted || checks[0].Fix != HelpRoleTrust {
			t.Fatalf("doctor %+v", checks)
		}
		probed, err := e.Service.RunDoctor(e.Ctx, e.Owner, c.ID)
		if err != nil || probed[0].Fix != HelpRoleTrust {
			t.Fatalf("probe %+v %v", probed, err)
		}
	})
}

// A sync stopped after a month was imported but before its checkpoint
// resumes on another worker: that month is imported again (replacing
// itself), earlier ones are not, and the totals are Cost Explorer's.
func TestKilledSyncResumesWithoutDuplicatesOrGaps(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		e := newSyncEnv(t, db)
		var mu sync.Mutex
		imported := map[string]int{}
		hung, stopAt := make(chan struct{}), ""
		e.conn.afterMonth = func(ctx context.Context, month string) error {
			mu.Lock()
			imported[month]++
			if stopAt == "" {
				stopAt = month // the first month: stop once, after its import
				mu.Unlock()
				close(hung)
				<-ctx.Done()
				return ctx.Err()
			}
			mu.Unlock()
			return nil
		}
		first := e.Runner()
		if err := first.Start(e.Ctx); err != nil {
			t.Fatal(err)
		}
		c := e.create(e.demoSettings())
		y, err := e.Service.SyncNow(e.Ctx, e.Owner, e.Actor, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		<-hung
		stopCtx, cancel := context.WithTimeout(e.Ctx, 10*time.Millisecond)
		_ = first.Stop(stopCtx)
		cancel()
		e.Work()
		y = e.Wait(c, y.ID, connecttest.Finished)
		if y.State != store.SyncSucceeded || y.Attempts != 2 {
			t.Fatalf("resumed sync %+v", y)
		}
		months := monthsOf(y.WindowFrom, y.WindowTo)
		for _, m := range months {
			key := m.Format("2006-01")
			if want := 1 + btoi(key == stopAt); imported[key] != want {
				t.Fatalf("month %s imported %d times, want %d (%v)", key, imported[key], want, imported)
			}
		}
		e.wantTotal(e.Owner.Org.ID, y)
	})
}

func btoi(b bool) int {
	if b {
		return 1
	}
	return 0
}

func TestValidateSettings(t *testing.T) {
	good := `{"account_id":"210987654321","role_arn":"arn:aws:iam::210987654321:role/CanopyReadOnly","auth":"role"}`
	if err := (Connector{}).ValidateSettings([]byte(good)); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{`{"account_id":"1"}`, `{"account_id":"210987654321","auth":"role"}`,
		`{"account_id":"210987654321","auth":"pw"}`, `{"account_id":"210987654321","role_arn":"arn:aws:iam::111111111111:role/X"}`,
		`{"account_id":"210987654321","auth":"keys","external_id":"a b"}`} {
		if err := (Connector{}).ValidateSettings([]byte(bad)); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
	if err := (Connector{}).ValidateSettings([]byte(`{"account_id":"210987654321","auth":"keys"}`)); err != nil {
		t.Errorf("keys without a role: %v", err)
	}
	a := connect.Connection{ID: "con_a", OrgID: "org_1", Settings: []byte(`{}`)}
	b := connect.Connection{ID: "con_b", OrgID: "org_1", Settings: []byte(`{}`)}
	if x := ExternalIDFor(a); len(x) != 32 || x == ExternalIDFor(b) || x != ExternalIDFor(a) {
		t.Fatalf("derived external IDs %s %s", x, ExternalIDFor(b))
	}
}
