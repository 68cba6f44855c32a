package awssandbox

import (
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// The same seed gives the same accounts, keys and amounts.
func TestSeedDeterminesEverything(t *testing.T) {
	clock := &sbx.Clock{}
	clock.Set(time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC))
	build := func(seed int64) (Account, string, string, string) {
		a := New(Options{Seed: seed, Clock: clock})
		acc := a.AddAccount(payer, "Acme", AccountOptions{CostExplorerEnabled: true})
		id, secret := a.AddUser(payer, "canopy")
		return acc, id, secret, a.TotalCost(payer, "UnblendedCost", time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC))
	}
	acc1, id1, s1, total1 := build(1)
	acc2, id2, s2, total2 := build(1)
	if acc1.LinkedAccounts[1] != acc2.LinkedAccounts[1] || id1 != id2 || s1 != s2 || total1 != total2 {
		t.Fatal("the same seed gave different data")
	}
	if _, id3, _, total3 := build(2); id3 == id1 || total3 == total1 {
		t.Fatal("another seed gave the same data")
	}
	if len(id1) != 20 || id1[:4] != "AKIA" || len(s1) != 40 || total1 == "0" {
		t.Fatalf("key %s secret %d chars total %s", id1, len(s1), total1)
	}
}
