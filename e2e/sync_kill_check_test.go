package e2e

import (
	"errors"
	"os"
	"os/exec"
	"syscall"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
	"github.com/riverqueue/river"
	"github.com/riverqueue/river/rivertype"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
)

// checkResumed waits for the retry sync to finish and checks the outcome:
// the killed sync failed as interrupted, its retry (same window) resumed
// from the checkpoint and succeeded, the stored costs equal Cost
// Explorer's month by month, and no sync job is left running.
func (k *killRun) checkResumed() {
	k.t.Helper()
	var list []store.ConnectionSync
	waitFor(k.t, "the retry sync to finish", func() bool {
		var err error
		list, err = k.app.Store.ListSyncs(k.ctx, k.sync.OrgID, k.sync.ConnectionID, 10, nil)
		if err != nil {
			k.t.Fatal(err)
		}
		return len(list) >= 2 && list[0].Finished()
	})
	killed, retry := k.getSync(k.sync.ID), list[0]
	if len(list) != 2 || list[1].ID != killed.ID {
		k.t.Fatalf("sync history has %d syncs, want the killed one and its retry: %+v", len(list), list)
	}
	if killed.State != store.SyncFailed || killed.Error == "" {
		k.t.Errorf("killed sync: state %s error %q, want failed as interrupted", killed.State, killed.Error)
	}
	if retry.Trigger != store.TriggerRetry || retry.State != store.SyncSucceeded {
		k.t.Fatalf("retry sync: trigger %s state %s (%s) warnings %s, want a succeeded retry", retry.Trigger, retry.State, retry.Error, retry.Warnings)
	}
	if !retry.WindowFrom.Equal(killed.WindowFrom) || !retry.WindowTo.Equal(killed.WindowTo) {
		k.t.Errorf("retry window [%s, %s), want the killed sync's [%s, %s)", retry.WindowFrom, retry.WindowTo, killed.WindowFrom, killed.WindowTo)
	}
	if n := k.gate.readsOf(k.months[0].Format(time.DateOnly)); n != k.firstMonthReads {
		k.t.Errorf("the first month was read %d times in all, %d before the kill: the retry did not resume from its checkpoint", n, k.firstMonthReads)
	}
	k.checkMonthTotals(retry.WindowTo)
	k.checkNoSyncJobRunning()
}

// checkMonthTotals compares each month's stored billed total with Cost
// Explorer's: a month imported twice or missed would differ.
func (k *killRun) checkMonthTotals(windowTo time.Time) {
	k.t.Helper()
	acct := k.cloud.Demo.AWS.AccountID
	for _, m := range k.months {
		end := m.AddDate(0, 1, 0)
		if end.After(windowTo) {
			end = windowTo
		}
		tot, err := k.app.Store.Costs().Totals(k.ctx, k.sync.OrgID, costs.TotalsFilter{From: m, To: end})
		if err != nil {
			k.t.Fatal(err)
		}
		got, want := tot["USD"].Billed.String(), k.cloud.AWS.TotalCost(acct, "UnblendedCost", m, end)
		if !sameDecimal(k.t, got, want) || want == "0" {
			k.t.Errorf("%s: stored %s, Cost Explorer %s", m.Format("2006-01"), got, want)
		}
	}
}

// checkNoSyncJobRunning waits until no connection_sync job is running:
// the killed attempt's job was cancelled by the sweep, and river marks
// the retry's job completed shortly after the sync's outcome is saved.
func (k *killRun) checkNoSyncJobRunning() {
	k.t.Helper()
	jobsIn := func(state rivertype.JobState) int {
		res, err := k.app.Jobs.Client().JobList(k.ctx, river.NewJobListParams().Kinds(connect.Args{}.Kind()).States(state))
		if err != nil {
			k.t.Fatal(err)
		}
		return len(res.Jobs)
	}
	waitFor(k.t, "no sync job left running", func() bool { return jobsIn(rivertype.JobStateRunning) == 0 })
	if n := jobsIn(rivertype.JobStateCancelled); n != 1 {
		k.t.Errorf("%d cancelled sync jobs, want the killed attempt's one", n)
	}
	if n := jobsIn(rivertype.JobStateCompleted); n != 1 {
		k.t.Errorf("%d completed sync jobs, want the retry's one", n)
	}
}

func sameDecimal(t *testing.T, a, b string) bool {
	t.Helper()
	x, _, err1 := apd.NewFromString(a)
	y, _, err2 := apd.NewFromString(b)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatalf("compare %q and %q: %v", a, b, err)
	}
	return x.Cmp(y) == 0
}

// firstSyncMonths are the first days of the months a first sync started
// at now covers (connect.FirstSyncDays back through today).
func firstSyncMonths(now time.Time) []time.Time {
	today := now.UTC().Truncate(24 * time.Hour)
	return monthsBetween(today.AddDate(0, 0, -connect.FirstSyncDays), today.AddDate(0, 0, 1))
}

// monthsBetween returns the first days of the months [from, to) touches.
func monthsBetween(from, to time.Time) []time.Time {
	var out []time.Time
	for m := time.Date(from.Year(), from.Month(), 1, 0, 0, 0, 0, time.UTC); m.Before(to); m = m.AddDate(0, 1, 0) {
		out = append(out, m)
	}
	return out
}

// waitFor polls cond until it holds, failing after killWait.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(killWait)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %v waiting for %s", killWait, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// startKillable starts a canopy process the test will kill with SIGKILL;
// unlike startProc it expects no graceful exit, and kills it at the end
// if the test stopped before.
func startKillable(t *testing.T, name string, env []string, args ...string) *proc {
	t.Helper()
	p := &proc{name: name, done: make(chan struct{})}
	p.cmd = exec.Command(canopyBin, args...)
	p.cmd.Env = append(baseEnv(), env...)
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		p.err = p.cmd.Wait()
		close(p.done)
	}()
	t.Cleanup(func() {
		_ = p.cmd.Process.Kill()
		<-p.done
		if t.Failed() {
			t.Logf("--- %s stderr ---\n%s", name, p.stderr.String())
		}
		assertNoSecretsLogged(t, name, p.stderr.String())
	})
	return p
}

// kill sends SIGKILL (no shutdown of any kind) and waits for the exit.
func (p *proc) kill(t *testing.T) {
	t.Helper()
	if err := syscall.Kill(p.cmd.Process.Pid, syscall.SIGKILL); err != nil && !errors.Is(err, os.ErrProcessDone) {
		t.Fatalf("kill %s: %v", p.name, err)
	}
	select {
	case <-p.done:
	case <-time.After(killWait):
		t.Fatalf("%s still running after SIGKILL", p.name)
	}
	if st := p.cmd.ProcessState; st == nil || st.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
		t.Fatalf("%s ended with %v, want killed by SIGKILL", p.name, p.cmd.ProcessState)
	}
}
