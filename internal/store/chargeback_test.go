package store_test

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func cbDetail(org string, month time.Time, total int64) store.CBDetail {
	return store.CBDetail{CBVersion: store.CBVersion{OrgID: org, Month: month, Status: "final", Currency: "EUR", AllocationVersion: 2,
		Billed: domain.Amount{Units: total, Nanos: 5}, CreatedBy: "t@x.test"},
		Units: []store.CBUnit{{UnitID: "grp_a", Name: "A", Owners: []string{"a@x.test"}, Charged: true, Allocated: domain.Amount{Units: total, Nanos: 5},
			Total: domain.Amount{Units: total, Nanos: 100_000_000}}, {UnitID: "", Name: "Unallocated", Allocated: domain.Amount{Units: 3}}},
		Lines: []store.CBLine{{UnitID: "grp_a", Kind: "cost", Category: "Compute", Service: "VM", Amount: domain.Amount{Units: total - 1}},
			{UnitID: "grp_a", Kind: "fixed_fee", Desc: "fee", Amount: domain.Amount{Units: 1, Nanos: 5}}}}
}

func TestChargebackVersionsStayInTheirOrgAndNumberPerMonth(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		oct, nov := time.Date(2026, 10, 1, 0, 0, 0, 0, time.UTC), time.Date(2026, 11, 1, 0, 0, 0, 0, time.UTC)
		for i, d := range []store.CBDetail{cbDetail(a, oct, 10), cbDetail(a, oct, 20), cbDetail(a, nov, 30), cbDetail(b, oct, 40)} {
			v, err := s.CreateChargeback(ctx, d)
			if err != nil {
				t.Fatal(err)
			}
			if want := []int{1, 2, 1, 1}[i]; v.Version != want {
				t.Errorf("version %d = %d, want %d", i, v.Version, want)
			}
		}
		got, err := s.GetChargeback(ctx, a, oct, 1)
		if err != nil || got.Billed.Units != 10 || len(got.Units) != 2 || !got.Units[0].Charged || got.Units[0].Owners[0] != "a@x.test" ||
			len(got.Lines) != 2 || got.Lines[1].Desc != "fee" || got.Lines[1].Amount.Nanos != 5 {
			t.Fatalf("A Oct v1 = %+v, %v", got, err)
		}
		if latest, err := s.GetChargeback(ctx, a, oct, 0); err != nil || latest.Version != 2 || latest.Billed.Units != 20 {
			t.Errorf("latest = v%d, %v", latest.Version, err)
		}
		if _, err := s.GetChargeback(ctx, b, nov, 0); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("B reads a month only A has: %v", err)
		}
		list, err := s.ListChargebacks(ctx, a, 10)
		if err != nil || len(list) != 3 || !list[0].Month.Equal(nov) || list[1].Version != 2 {
			t.Errorf("list = %+v, %v", list, err)
		}
		totals, err := s.ChargebackTotals(ctx, a)
		if err != nil || totals["2026-10"][2].Total.String() != "20.01" || totals["2026-10"][2].Units != 1 || len(totals) != 2 {
			t.Errorf("totals = %+v, %v", totals, err)
		}
	})
}

func TestExtraChargesApplyToTheirMonths(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		m := func(mo int) time.Time { return time.Date(2026, time.Month(mo), 1, 0, 0, 0, 0, time.UTC) }
		end := m(11)
		now := domain.Now()
		for _, e := range []store.CBExtra{
			{OrgID: a, ID: "xch_once", UnitID: "grp_a", Kind: "fixed_fee", Amount: domain.Amount{Units: 5}, Currency: "EUR", MonthFrom: m(9), MonthTo: ptr(m(10))},
			{OrgID: a, ID: "xch_range", UnitID: "grp_a", Kind: "markup", Percent: "2.5", MonthFrom: m(9), MonthTo: &end},
			{OrgID: a, ID: "xch_open", UnitID: "grp_a", Kind: "service_fee", Percent: "1", MonthFrom: m(10)},
			{OrgID: b, ID: "xch_b", UnitID: "grp_b", Kind: "service_fee", Percent: "1", MonthFrom: m(1)},
		} {
			e.CreatedBy, e.CreatedAt, e.UpdatedAt = "t", now, now
			if err := s.SaveCBExtra(ctx, e, true); err != nil {
				t.Fatal(err)
			}
		}
		ids := func(month time.Time) []string {
			list, err := s.ListCBExtras(ctx, a, month)
			if err != nil {
				t.Fatal(err)
			}
			var out []string
			for _, e := range list {
				out = append(out, e.ID)
			}
			return out
		}
		for mo, want := range map[int]int{8: 0, 9: 2, 10: 2, 11: 1} {
			if got := ids(m(mo)); len(got) != want {
				t.Errorf("month %d: %v, want %d charges", mo, got, want)
			}
		}
		if got := ids(time.Time{}); len(got) != 3 {
			t.Errorf("all of A's charges: %v", got)
		}
		if err := s.DeleteCBExtra(ctx, b, "xch_once"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("B deleted A's charge: %v", err)
		}
		upd := store.CBExtra{OrgID: b, ID: "xch_once", UnitID: "grp_b", Kind: "fixed_fee", MonthFrom: m(1), UpdatedAt: now}
		if err := s.SaveCBExtra(ctx, upd, false); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("B changed A's charge: %v", err)
		}
		if e, err := s.GetCBExtra(ctx, a, "xch_once"); err != nil || e.Amount.Units != 5 || e.MonthTo == nil || !e.MonthTo.Equal(m(10)) {
			t.Errorf("A's charge = %+v, %v", e, err)
		}
	})
}

func ptr[T any](v T) *T { return &v }
