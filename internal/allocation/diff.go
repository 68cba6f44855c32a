package allocation

import (
	"encoding/json"
	"slices"
	"time"
)

// change is what a new rule set can move: whether anything, and the days
// [from, to) (nil: open) of the rules that changed.
type change struct {
	affects  bool
	from, to *time.Time
	open     bool // some changed rule is valid from the beginning
	openEnd  bool // some changed rule is valid without end
}

// diff compares two rule sets. A rule changed when it was added,
// removed, edited, moved relative to the others, or when a split it uses
// changed; its validity, before and after, bounds what can move. Names
// alone change nothing.
func diff(old, cur *Ruleset) change {
	var ch change
	oldRules, curRules := byID(old.Rules), byID(cur.Rules)
	changedSplits := map[string]bool{}
	oldSplits := map[string]Split{}
	for _, s := range old.Splits {
		oldSplits[s.ID] = s
	}
	for _, s := range cur.Splits {
		if o, ok := oldSplits[s.ID]; !ok || !sameSplit(o, s) {
			changedSplits[s.ID] = true
		}
		delete(oldSplits, s.ID)
	}
	for id := range oldSplits {
		changedSplits[id] = true
	}
	oldOrder, curOrder := commonOrder(old.Rules, curRules), commonOrder(cur.Rules, oldRules)
	for i, id := range curOrder {
		if oldOrder[i] != id {
			ch.add(oldRules[id])
			ch.add(curRules[id])
		}
	}
	for id, r := range curRules {
		o, ok := oldRules[id]
		if !ok || !sameRule(o, r) || changedSplits[r.Split] {
			ch.add(r)
			if ok {
				ch.add(o)
			}
		}
	}
	for id, o := range oldRules {
		if _, ok := curRules[id]; !ok || changedSplits[o.Split] {
			ch.add(o)
		}
	}
	return ch
}

func (c *change) add(r Rule) {
	c.affects = true
	if r.ValidFrom == nil {
		c.open = true
	} else if c.from == nil || r.ValidFrom.Before(*c.from) {
		c.from = r.ValidFrom
	}
	if r.ValidTo == nil {
		c.openEnd = true
	} else if c.to == nil || r.ValidTo.After(*c.to) {
		c.to = r.ValidTo
	}
	if c.open {
		c.from = nil
	}
	if c.openEnd {
		c.to = nil
	}
}

// touches reports whether the month starting at m overlaps the change.
func (c change) touches(m time.Time) bool {
	if !c.affects {
		return false
	}
	end := m.AddDate(0, 1, 0)
	return (c.from == nil || c.from.Before(end)) && (c.to == nil || c.to.After(m))
}

func byID(rules []Rule) map[string]Rule {
	m := make(map[string]Rule, len(rules))
	for _, r := range rules {
		m[r.ID] = r
	}
	return m
}

// commonOrder is the IDs of rules that also appear in other, in order.
func commonOrder(rules []Rule, other map[string]Rule) []string {
	var out []string
	for _, r := range rules {
		if _, ok := other[r.ID]; ok {
			out = append(out, r.ID)
		}
	}
	return out
}

// sameRule compares what decides placement: conditions, target, dates.
func sameRule(a, b Rule) bool {
	a.Name, b.Name = "", ""
	return jsonEqual(a, b)
}

func sameSplit(a, b Split) bool {
	a.Name, b.Name = "", ""
	return jsonEqual(a, b)
}

func jsonEqual(a, b any) bool {
	x, _ := json.Marshal(a)
	y, _ := json.Marshal(b)
	return slices.Equal(x, y)
}

func sortMonths(ms []time.Time) {
	slices.SortFunc(ms, func(a, b time.Time) int { return a.Compare(b) })
}
