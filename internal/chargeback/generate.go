package chargeback

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Generate builds the month's chargeback from the current allocation and
// the extra charges in force, and stores it as the month's next version.
func (s *Service) Generate(ctx context.Context, p *auth.Principal, who audit.Actor, month time.Time) (Detail, error) {
	if err := p.Require(auth.PermChargebacksWrite); err != nil {
		return Detail{}, err
	}
	now := s.now()
	if month.After(now) {
		return Detail{}, domain.FieldError("month", "%s has not started yet; choose this month or an earlier one.", month.Format("January 2006"))
	}
	d, err := s.build(ctx, p.Org, month)
	if err != nil {
		return Detail{}, err
	}
	if d.Status, d.Reason, err = s.status(ctx, p.Org.ID, month, now); err != nil {
		return Detail{}, err
	}
	d.CreatedBy = p.User.Email
	v, err := s.Store.CreateChargeback(ctx, d)
	if err != nil {
		return Detail{}, err
	}
	d.CBVersion = v
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "chargeback.generate", TargetType: "chargeback",
		TargetID: monthText(month) + "/v" + fmt.Sprint(v.Version), Details: map[string]any{"status": v.Status,
			"allocation_version": v.AllocationVersion, "units": len(d.Units)}})
	return detailOf(p.Org.Name, d)
}

// build computes a month's units and lines in the reporting currency.
func (s *Service) build(ctx context.Context, org domain.Org, month time.Time) (store.CBDetail, error) {
	month = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
	cur := string(org.ReportingCurrency)
	d := store.CBDetail{CBVersion: store.CBVersion{OrgID: org.ID, Month: month, Currency: cur}}
	av, pieces, err := s.Alloc.MonthPieces(ctx, org.ID, month)
	if err != nil {
		return d, err
	}
	d.AllocationVersion = av
	fxc, err := s.FX.Converter(ctx, org.ID, month, month.AddDate(0, 1, 0))
	if err != nil {
		return d, err
	}
	conv := converter{c: fxc, to: cur}
	groups, err := s.Store.ListCostGroups(ctx, org.ID)
	if err != nil {
		return d, err
	}
	units := newUnitSet(groups)
	for _, pc := range pieces {
		a, err := conv.convert(pc.Billed, pc.Currency, pc.Day)
		if err != nil {
			return d, err
		}
		if err := units.add(pc, a); err != nil {
			return d, err
		}
	}
	if d.Billed, err = s.billed(ctx, org.ID, month, conv); err != nil {
		return d, err
	}
	extras, err := s.Store.ListCBExtras(ctx, org.ID, month)
	if err != nil {
		return d, err
	}
	if err := units.charge(extras, conv, month.AddDate(0, 1, -1)); err != nil {
		return d, err
	}
	if err := s.fillOwners(ctx, org.ID, units); err != nil {
		return d, err
	}
	d.Units, d.Lines, err = units.finish(cur)
	return d, err
}

// billed is the month's billed cost in the cost store, converted per day
// and billing currency.
func (s *Service) billed(ctx context.Context, orgID string, month time.Time, conv converter) (domain.Amount, error) {
	_, rows, err := s.Costs.AllocationKeys(ctx, orgID, costs.Query{From: month, To: month.AddDate(0, 1, 0)})
	if err != nil {
		return domain.Amount{}, err
	}
	type dayCur struct {
		day time.Time
		cur string
	}
	sums := map[dayCur]domain.Amount{}
	for _, r := range rows {
		k := dayCur{r.Day, r.Currency}
		if sums[k], err = sums[k].Add(r.Measures.Billed); err != nil {
			return domain.Amount{}, err
		}
	}
	keys := make([]dayCur, 0, len(sums))
	for k := range sums {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b dayCur) int { return cmp.Or(a.day.Compare(b.day), cmp.Compare(a.cur, b.cur)) })
	var total domain.Amount
	for _, k := range keys {
		a, err := conv.convert(sums[k], k.cur, k.day)
		if err != nil {
			return domain.Amount{}, err
		}
		if total, err = total.Add(a); err != nil {
			return domain.Amount{}, err
		}
	}
	return total, nil
}

func (s *Service) fillOwners(ctx context.Context, orgID string, units *unitSet) error {
	for _, u := range units.byID {
		for _, id := range units.owners[u.UnitID] {
			m, err := s.Store.GetMember(ctx, orgID, id)
			if domain.ErrorCode(err) == domain.CodeNotFound {
				continue // an owner who left the organisation gets nothing
			}
			if err != nil {
				return err
			}
			u.Owners = append(u.Owners, m.User.Email)
		}
	}
	return nil
}

// unitOf is the business unit a group's cost is charged to: its top-most
// ancestor (or itself) of kind business unit, else its root group.
func unitOf(groups map[string]store.CostGroup, id string) string {
	unit, root := "", id
	for seen := 0; id != "" && seen <= len(groups); seen++ {
		g, ok := groups[id]
		if !ok {
			break
		}
		if g.Kind == allocation.KindBusinessUnit {
			unit = g.ID
		}
		root, id = g.ID, g.ParentID
	}
	return cmp.Or(unit, root)
}
