package chargeback

import (
	"cmp"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

type lineKey struct{ category, service string }

// unitSet accumulates a month's units while a chargeback is built.
type unitSet struct {
	groups map[string]store.CostGroup
	byID   map[string]*store.CBUnit
	owners map[string][]string // unit → owner user IDs
	costs  map[string]map[lineKey]*store.CBLine
	extras map[string][]store.CBLine
}

func newUnitSet(list []store.CostGroup) *unitSet {
	u := &unitSet{groups: map[string]store.CostGroup{}, byID: map[string]*store.CBUnit{}, owners: map[string][]string{},
		costs: map[string]map[lineKey]*store.CBLine{}, extras: map[string][]store.CBLine{}}
	for _, g := range list {
		u.groups[g.ID] = g
	}
	return u
}

// unit returns the unit a group's cost goes to, creating it.
func (s *unitSet) unit(group string) *store.CBUnit {
	id, charged := group, false
	if group != allocation.Unallocated && group != allocation.UnassignedLicences {
		id, charged = unitOf(s.groups, group), true
	}
	if u := s.byID[id]; u != nil {
		return u
	}
	gm := map[string]allocation.Group{}
	if g, ok := s.groups[id]; ok {
		gm[id] = allocation.Group{ID: id, Name: g.Name}
		s.owners[id] = g.Owners
	}
	u := &store.CBUnit{UnitID: id, Name: allocation.GroupLabel(gm, id), Charged: charged}
	s.byID[id] = u
	return u
}

// add books a converted piece of allocated cost.
func (s *unitSet) add(pc allocation.Piece, a domain.Amount) error {
	u := s.unit(pc.Group)
	var err error
	if u.Allocated, err = u.Allocated.Add(a); err != nil {
		return err
	}
	if pc.PriceList {
		if u.PriceList, err = u.PriceList.Add(a); err != nil {
			return err
		}
	}
	if !u.Charged {
		return nil
	}
	if s.costs[u.UnitID] == nil {
		s.costs[u.UnitID] = map[lineKey]*store.CBLine{}
	}
	k := lineKey{pc.Category, pc.Service}
	l := s.costs[u.UnitID][k]
	if l == nil {
		l = &store.CBLine{UnitID: u.UnitID, Kind: KindCost, Category: pc.Category, Service: pc.Service}
		s.costs[u.UnitID][k] = l
	}
	l.Amount, err = l.Amount.Add(a)
	return err
}

var kindOrder = map[string]int{KindFixedFee: 1, KindServiceFee: 2, KindMarkup: 3}

// charge adds the month's extra charges: fixed fees (converted at the
// rate of the month's last day), then service fees on the allocated
// cost, then markups on allocated cost plus fees. A charge whose group
// no longer exists is left out.
func (s *unitSet) charge(extras []store.CBExtra, conv converter, lastDay time.Time) error {
	slices.SortStableFunc(extras, func(a, b store.CBExtra) int { return cmp.Compare(kindOrder[a.Kind], kindOrder[b.Kind]) })
	for _, e := range extras {
		if _, ok := s.groups[e.UnitID]; !ok {
			continue
		}
		u := s.unit(e.UnitID)
		amt, err := s.extraAmount(u, e, conv, lastDay)
		if err != nil {
			return err
		}
		if u.Extra, err = u.Extra.Add(amt); err != nil {
			return err
		}
		s.extras[u.UnitID] = append(s.extras[u.UnitID], store.CBLine{UnitID: u.UnitID, Kind: e.Kind, Desc: extraDesc(e), Amount: amt})
	}
	return nil
}

func (s *unitSet) extraAmount(u *store.CBUnit, e store.CBExtra, conv converter, lastDay time.Time) (domain.Amount, error) {
	switch e.Kind {
	case KindFixedFee:
		return conv.convert(e.Amount, e.Currency, lastDay)
	case KindServiceFee:
		return percentOf(u.Allocated, e.Percent)
	}
	base, err := u.Allocated.Add(u.Extra) // markups come last: fees so far are in Extra
	if err != nil {
		return base, err
	}
	return percentOf(base, e.Percent)
}

func extraDesc(e store.CBExtra) string {
	if e.Kind == KindFixedFee {
		return e.Desc
	}
	if e.Desc == "" {
		return e.Percent + "%"
	}
	return e.Desc + " (" + e.Percent + "%)"
}

// finish rounds each unit's total and orders units and lines: units by
// name, cost lines by amount (largest first), then the extra charges.
func (s *unitSet) finish(cur string) ([]store.CBUnit, []store.CBLine, error) {
	var units []store.CBUnit
	var lines []store.CBLine
	for _, u := range s.byID {
		exact, err := u.Allocated.Add(u.Extra)
		if err != nil {
			return nil, nil, err
		}
		if u.Total, err = domain.RoundMinor(exact, cur); err != nil {
			return nil, nil, err
		}
		units = append(units, *u)
	}
	slices.SortFunc(units, func(a, b store.CBUnit) int {
		return cmp.Or(cmp.Compare(a.Name, b.Name), cmp.Compare(a.UnitID, b.UnitID))
	})
	for _, u := range units {
		var cl []store.CBLine
		for _, l := range s.costs[u.UnitID] {
			cl = append(cl, *l)
		}
		slices.SortFunc(cl, func(a, b store.CBLine) int {
			return cmp.Or(b.Amount.Cmp(a.Amount), cmp.Compare(a.Category, b.Category), cmp.Compare(a.Service, b.Service))
		})
		lines = append(append(lines, cl...), s.extras[u.UnitID]...)
	}
	return units, lines, nil
}
