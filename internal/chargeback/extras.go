package chargeback

import (
	"context"
	"slices"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Extras lists the extra charges.
func (s *Service) Extras(ctx context.Context, p *auth.Principal) ([]Extra, error) {
	if err := p.Require(auth.PermChargebacksRead); err != nil {
		return nil, err
	}
	list, err := s.Store.ListCBExtras(ctx, p.Org.ID, zeroMonth)
	if err != nil {
		return nil, err
	}
	groups, err := s.groupNames(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Extra, len(list))
	for i, e := range list {
		out[i] = extraOf(e, groups)
	}
	return out, nil
}

// Extra returns one extra charge.
func (s *Service) Extra(ctx context.Context, p *auth.Principal, id string) (Extra, error) {
	if err := p.Require(auth.PermChargebacksRead); err != nil {
		return Extra{}, err
	}
	e, err := s.Store.GetCBExtra(ctx, p.Org.ID, id)
	if err != nil {
		return Extra{}, err
	}
	groups, err := s.groupNames(ctx, p.Org.ID)
	return extraOf(e, groups), err
}

// SaveExtra adds an extra charge (id "") or replaces one. It applies to
// the versions generated from now on; stored versions never change.
func (s *Service) SaveExtra(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in ExtraInput) (Extra, error) {
	if err := p.Require(auth.PermChargebacksWrite); err != nil {
		return Extra{}, err
	}
	groups, err := s.Store.ListCostGroups(ctx, p.Org.ID)
	if err != nil {
		return Extra{}, err
	}
	e, err := validateExtra(in, groups)
	if err != nil {
		return Extra{}, err
	}
	e.OrgID, e.ID, e.UpdatedAt = p.Org.ID, id, domain.Now()
	if id == "" {
		e.ID, e.CreatedBy, e.CreatedAt = domain.NewID("xch_"), p.User.Email, e.UpdatedAt
	} else {
		old, err := s.Store.GetCBExtra(ctx, p.Org.ID, id)
		if err != nil {
			return Extra{}, err
		}
		e.CreatedBy, e.CreatedAt = old.CreatedBy, old.CreatedAt
	}
	if err := s.Store.SaveCBExtra(ctx, e, id == ""); err != nil {
		return Extra{}, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "chargeback.extra.save", TargetType: "extra_charge",
		TargetID: e.ID, Details: map[string]any{"business_unit": e.UnitID, "kind": e.Kind, "amount": e.Amount.String(),
			"currency": e.Currency, "percent": e.Percent, "from": monthText(e.MonthFrom)}})
	names, err := s.groupNames(ctx, p.Org.ID)
	return extraOf(e, names), err
}

// DeleteExtra removes an extra charge.
func (s *Service) DeleteExtra(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermChargebacksWrite); err != nil {
		return err
	}
	if err := s.Store.DeleteCBExtra(ctx, p.Org.ID, id); err != nil {
		return err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "chargeback.extra.delete", TargetType: "extra_charge", TargetID: id})
	return nil
}

// Units lists the groups extra charges can be put on: the business units
// chargebacks are made for (each group's unit, see unitOf).
func (s *Service) Units(ctx context.Context, p *auth.Principal) ([]Owned, error) {
	if err := p.Require(auth.PermChargebacksRead); err != nil {
		return nil, err
	}
	groups, err := s.Store.ListCostGroups(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	gm := groupIndex(groups)
	out := []Owned{}
	for _, g := range groups {
		if unitOf(gm, g.ID) == g.ID {
			out = append(out, Owned{ID: g.ID, Name: g.Name})
		}
	}
	return out, nil
}

func groupIndex(list []store.CostGroup) map[string]store.CostGroup {
	m := make(map[string]store.CostGroup, len(list))
	for _, g := range list {
		m[g.ID] = g
	}
	return m
}

func (s *Service) groupNames(ctx context.Context, orgID string) (map[string]string, error) {
	list, err := s.Store.ListCostGroups(ctx, orgID)
	m := map[string]string{}
	for _, g := range list {
		m[g.ID] = g.Name
	}
	return m, err
}

func extraOf(e store.CBExtra, names map[string]string) Extra {
	out := Extra{ID: e.ID, Unit: e.UnitID, UnitName: names[e.UnitID], Kind: e.Kind, Description: e.Desc, Amount: e.Amount,
		Currency: e.Currency, Percent: e.Percent, From: monthText(e.MonthFrom), CreatedBy: e.CreatedBy, UpdatedAt: e.UpdatedAt}
	if out.UnitName == "" {
		out.UnitName = e.UnitID + " (removed)"
	}
	switch {
	case e.MonthTo == nil:
		out.Recurring = true
	case !e.MonthTo.Equal(e.MonthFrom.AddDate(0, 1, 0)):
		out.Recurring, out.To = true, monthText(e.MonthTo.AddDate(0, -1, 0))
	}
	return out
}

// validateExtra checks an input and turns it into a stored charge.
func validateExtra(in ExtraInput, groups []store.CostGroup) (store.CBExtra, error) {
	gm := groupIndex(groups)
	if _, ok := gm[in.Unit]; !ok || unitOf(gm, in.Unit) != in.Unit {
		return store.CBExtra{}, domain.FieldError("business_unit", "Choose a business unit (a group chargebacks are made for); %q is none.", in.Unit)
	}
	e := store.CBExtra{UnitID: in.Unit, Kind: in.Kind, Desc: strings.TrimSpace(in.Description)}
	if !slices.Contains(ExtraKinds, in.Kind) {
		return e, domain.FieldError("kind", "The kind must be fixed_fee, service_fee or markup.")
	}
	if len(e.Desc) > 200 {
		return e, domain.FieldError("description", "The description is longer than 200 characters.")
	}
	var err error
	if e.MonthFrom, err = MonthOf("from", in.From); err != nil {
		return e, err
	}
	if err := extraPeriod(&e, in); err != nil {
		return e, err
	}
	if in.Kind == KindFixedFee {
		return e, fixedFee(&e, in)
	}
	return e, percentage(&e, in.Percent)
}

func extraPeriod(e *store.CBExtra, in ExtraInput) error {
	next := e.MonthFrom.AddDate(0, 1, 0)
	if !in.Recurring {
		e.MonthTo = &next
		return nil
	}
	if in.To == "" {
		return nil
	}
	to, err := MonthOf("to", in.To)
	if err != nil {
		return err
	}
	if to.Before(e.MonthFrom) {
		return domain.FieldError("to", "The last month must not come before the first.")
	}
	end := to.AddDate(0, 1, 0)
	e.MonthTo = &end
	return nil
}

func fixedFee(e *store.CBExtra, in ExtraInput) error {
	d, _, err := apd.NewFromString(strings.TrimSpace(in.Amount))
	if err != nil || d.Form != apd.Finite {
		return domain.FieldError("amount", "Enter the fee as a number like 250 or 99.95.")
	}
	if e.Amount, err = domain.AmountFromDecimal(d); err != nil {
		return domain.FieldError("amount", "The amount is out of range.")
	}
	cur, err := domain.ParseCurrency(in.Currency)
	if err != nil {
		return err
	}
	e.Currency = string(cur)
	return nil
}

func percentage(e *store.CBExtra, s string) error {
	d, _, err := apd.NewFromString(strings.TrimSpace(s))
	if err != nil || d.Form != apd.Finite {
		return domain.FieldError("percent", "Enter the percentage as a number like 5 or 2.5.")
	}
	if d.Exponent < -6 {
		return domain.FieldError("percent", "Use at most six decimal places.")
	}
	if d.Cmp(apd.New(-100, 0)) < 0 || d.Cmp(apd.New(1000, 0)) > 0 {
		return domain.FieldError("percent", "The percentage must be between -100 and 1000.")
	}
	e.Percent = d.Text('f')
	return nil
}
