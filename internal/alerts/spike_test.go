package alerts_test

import (
	"slices"
	"sync"
	"testing"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestSpikeRuleFindsTheKnownSpikes(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.rule(t, alerts.RuleInput{Name: "Per service", Kind: alerts.KindSpike, SplitBy: "service"})
		ev, err := f.svc.EvaluateNow(f.ctx, f.owner, f.who)
		if err != nil || ev.Created != 1 || ev.Rules != 1 {
			t.Fatalf("evaluation %+v %v", ev, err)
		}
		list := f.inbox(t)
		if len(list) != 1 {
			t.Fatalf("inbox %v", messages(list))
		}
		a := list[0]
		want := "Friday 20 Nov: 310.00 USD on Virtual Machines, 3.1× the 14-day average of 100.29 USD (more than 3 standard deviations above it)."
		if a.Message != want || a.Day != "2026-11-20" || a.Severity != alerts.SeverityCritical || a.Amount != "310.00" || a.Baseline != "100.29" {
			t.Errorf("alert %+v", a)
		}
		link := "/spend?filter=service%3AVirtual+Machines&from=2026-11-06&granularity=day&group_by=service&to=2026-11-20"
		if a.ExploreURL != link {
			t.Errorf("link %s, want %s", a.ExploreURL, link)
		}
		if len(f.sent.sent) != 1 || f.sent.sent[0].ID != a.ID {
			t.Errorf("notified %+v", f.sent.sent)
		}
	})
}

func TestSensitivityAndMinimumChangeTheResult(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.rule(t, alerts.RuleInput{Name: "High", Kind: alerts.KindSpike, SplitBy: "service", Sensitivity: "high"})
		f.rule(t, alerts.RuleInput{Name: "High, 5 minimum", Kind: alerts.KindSpike, SplitBy: "service", Sensitivity: "2", MinAmount: "5"})
		f.rule(t, alerts.RuleInput{Name: "Low, storage", Kind: alerts.KindSpike, ScopeDim: "service", ScopeValue: "Storage", Sensitivity: "low"})
		if _, err := f.svc.Evaluate(f.ctx, f.owner.Org.ID); err != nil {
			t.Fatal(err)
		}
		got := map[string][]string{}
		for _, a := range f.inbox(t) {
			got[a.RuleName] = append(got[a.RuleName], a.Day+" "+a.Subject)
		}
		for name, want := range map[string][]string{
			"High":            {"2026-11-20 Virtual Machines", "2026-11-21 Storage"},
			"High, 5 minimum": {"2026-11-20 Virtual Machines"},
		} {
			slices.Sort(got[name])
			if !slices.Equal(got[name], want) {
				t.Errorf("%s: %v, want %v", name, got[name], want)
			}
		}
		if len(got["Low, storage"]) != 0 {
			t.Errorf("low sensitivity on storage found %v", got["Low, storage"])
		}
	})
}

func TestEvaluatingTwiceOrOnTwoWorkersStoresOnce(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.rule(t, alerts.RuleInput{Name: "Per service", Kind: alerts.KindSpike, SplitBy: "service", Sensitivity: "high"})
		workers := []*alerts.Service{f.service(), f.service()}
		var wg sync.WaitGroup
		errs := make([]error, len(workers))
		for i, w := range workers {
			wg.Go(func() { _, errs[i] = w.Evaluate(f.ctx, f.owner.Org.ID) })
		}
		wg.Wait()
		for _, err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		again, err := f.svc.Evaluate(f.ctx, f.owner.Org.ID)
		if err != nil || again.Created != 0 {
			t.Fatalf("second evaluation %+v %v", again, err)
		}
		if list := f.inbox(t); len(list) != 2 || len(f.sent.sent) != 2 {
			t.Errorf("inbox %v, notified %d", messages(list), len(f.sent.sent))
		}
	})
}

func TestDetectSpikeRejectsBadSensitivity(t *testing.T) {
	for _, s := range []string{"extreme", "-1", "0", "101"} {
		if _, _, err := alerts.DetectSpike(nil, zero, s, zero); err == nil {
			t.Errorf("sensitivity %q accepted", s)
		}
	}
}
