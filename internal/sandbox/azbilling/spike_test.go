package azbilling

import (
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// A seeded spike multiplies one VM's cost on its day only: the
// subscription's total that day grows by (factor - 1) times the VM's
// usual cost, and the days around it do not change.
func TestSeedSpikeRaisesOneDay(t *testing.T) {
	e := newEnv(t)
	spikeDay := day(now).AddDate(0, 0, -3)
	vm, ok := e.b.SeedSpike(3, 1) // factor 1: finds the VM, spikes nothing yet
	if !ok {
		t.Fatal("no uncovered VM to spike")
	}
	sub := strings.Split(vm.ID, "/")[2]
	before := map[string]string{}
	for _, d := range []int{-4, -3, -2} {
		before[dateKey(day(now).AddDate(0, 0, d))] = e.b.DailyCost(sub, day(now).AddDate(0, 0, d)).Actual
	}
	if again, _ := e.b.SeedSpike(3, 5); again.ID != vm.ID {
		t.Fatalf("spiked %s, then %s", vm.ID, again.ID)
	}
	s := e.b.snapshot()
	var usual int64
	for _, m := range metersFor(vm) {
		usual += e.b.onDemandCost(vm, m, spikeDay, s.now)
	}
	if usual <= 0 {
		t.Fatalf("the VM costs %d a day", usual)
	}
	for key, was := range before {
		got := e.b.DailyCost(sub, parseDay(t, key)).Actual
		want := was
		if key == dateKey(spikeDay) {
			w, _, _ := apd.NewFromString(was)
			_, _ = apd.BaseContext.Add(w, w, apd.New(usual*4, -6))
			want = w.Text('f')
		}
		if norm(got) != norm(want) {
			t.Errorf("%s: %s, want %s (was %s)", key, got, want, was)
		}
	}
	e.b.AddSpike(vm.ID, spikeDay, 1)
	if got := e.b.DailyCost(sub, spikeDay).Actual; norm(got) != norm(before[dateKey(spikeDay)]) {
		t.Errorf("after removing the spike %s, want %s", got, before[dateKey(spikeDay)])
	}
}

func parseDay(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// norm prints a decimal without trailing zeros.
func norm(s string) string {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		return s
	}
	var r apd.Decimal
	r.Reduce(d)
	return r.Text('f')
}
