package chargeback

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

// Changes in a diff.
const (
	Added     = "added"
	Removed   = "removed"
	Changed   = "changed"
	Unchanged = "unchanged"
)

// Diff is what changed from the previous version of a month (Previous 0:
// none, so everything is added).
type Diff struct {
	Month    string     `json:"month"`
	Version  int        `json:"version"`
	Previous int        `json:"previous"`
	Currency string     `json:"currency"`
	Units    []UnitDiff `json:"business_units"`
}

// UnitDiff is one business unit's change, with the lines that changed.
type UnitDiff struct {
	ID     string        `json:"id"`
	Name   string        `json:"name"`
	Change string        `json:"change"`
	Before domain.Amount `json:"before"`
	After  domain.Amount `json:"after"`
	Delta  domain.Amount `json:"delta"`
	Lines  []LineDiff    `json:"lines"`
}

// LineDiff is one line's change (kind and label identify a line).
type LineDiff struct {
	Kind   string        `json:"kind"`
	Label  string        `json:"label"`
	Change string        `json:"change"`
	Before domain.Amount `json:"before"`
	After  domain.Amount `json:"after"`
	Delta  domain.Amount `json:"delta"`
}

// Diff compares a version of a month with the one before it.
func (s *Service) Diff(ctx context.Context, p *auth.Principal, month time.Time, version int) (Diff, error) {
	cur, err := s.Get(ctx, p, month, version)
	if err != nil {
		return Diff{}, err
	}
	out := Diff{Month: cur.Month, Version: cur.Version.Version, Currency: cur.Currency, Units: []UnitDiff{}}
	var prev Detail
	if cur.Version.Version > 1 {
		if prev, err = s.Get(ctx, p, month, cur.Version.Version-1); err != nil {
			return Diff{}, err
		}
		out.Previous = prev.Version.Version
	}
	before := map[string]Unit{}
	for _, u := range prev.Charged {
		before[u.ID] = u
	}
	for _, u := range cur.Charged {
		b, had := before[u.ID]
		delete(before, u.ID)
		d, err := unitDiff(u.ID, u.Name, b.Total, u.Total, had, true, b.Lines, u.Lines)
		if err != nil {
			return Diff{}, err
		}
		out.Units = append(out.Units, d)
	}
	for _, b := range prev.Charged {
		if _, gone := before[b.ID]; gone {
			d, err := unitDiff(b.ID, b.Name, b.Total, domain.Amount{}, true, false, b.Lines, nil)
			if err != nil {
				return Diff{}, err
			}
			out.Units = append(out.Units, d)
		}
	}
	return out, nil
}

func change(had, has bool, before, after domain.Amount) string {
	switch {
	case !had:
		return Added
	case !has:
		return Removed
	case before.Cmp(after) != 0:
		return Changed
	}
	return Unchanged
}

func unitDiff(id, name string, before, after domain.Amount, had, has bool, bl, al []Line) (UnitDiff, error) {
	delta, err := sub(after, before)
	if err != nil {
		return UnitDiff{}, err
	}
	d := UnitDiff{ID: id, Name: name, Change: change(had, has, before, after), Before: before, After: after, Delta: delta, Lines: []LineDiff{}}
	type key struct{ kind, label string }
	old := map[key]domain.Amount{}
	var order []key
	for _, l := range bl {
		k := key{l.Kind, l.Label()}
		if _, ok := old[k]; !ok {
			order = append(order, k)
		}
		if old[k], err = old[k].Add(l.Amount); err != nil {
			return d, err
		}
	}
	seen := map[key]bool{}
	for _, l := range al {
		k := key{l.Kind, l.Label()}
		seen[k] = true
		b, ok := old[k]
		if c := change(ok, true, b, l.Amount); c != Unchanged {
			dl, _ := sub(l.Amount, b)
			d.Lines = append(d.Lines, LineDiff{Kind: l.Kind, Label: k.label, Change: c, Before: b, After: l.Amount, Delta: dl})
		}
	}
	for _, k := range order {
		if !seen[k] {
			d.Lines = append(d.Lines, LineDiff{Kind: k.kind, Label: k.label, Change: Removed, Before: old[k], Delta: neg(old[k])})
		}
	}
	return d, nil
}
