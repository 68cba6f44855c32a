package allocation

import (
	"math/big"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// Via says how a portion reached its group.
const (
	ViaRule        = "rule"        // a rule placed the line in the group
	ViaSplit       = "split"       // a rule sent it to a split, which gave the group this share
	ViaLicence     = "licence"     // a licence seat of a user the rule placed in the group
	ViaUnallocated = "unallocated" // no rule matched
	ViaUnassigned  = "unassigned"  // licence seats bought but assigned to nobody
)

// Portion is the part of a line (an allocation row) that went to Group,
// with the rule and split that sent it there (lineage).
type Portion struct {
	Group    string         `json:"group"`
	Rule     string         `json:"rule,omitempty"`
	Split    string         `json:"split,omitempty"`
	Via      string         `json:"via"`
	Seats    int64          `json:"seats,omitempty"`
	Measures costs.Measures `json:"measures"`
}

// SeatSet is one licence product: the seats bought and the users holding
// one, for the licence lines whose SKU is the set's cost SKU.
type SeatSet struct {
	PartNumber string
	Purchased  int64
	Users      []User
	// Price per seat and month from the price list, in Currency ("" when
	// none): it values the licences in months no billed line carries them,
	// from the month the directory first listed the product (Since).
	Price    domain.Amount
	Currency string
	Since    time.Time
}

// Engine allocates rows with one rule set.
type Engine struct {
	rs     *Ruleset
	m      *matcher
	splits map[string]*Split
	// Licences are the seat sets by cost SKU (lower case).
	licences map[string]*SeatSet
	memo     map[memoKey]int
}

type memoKey struct {
	key   int
	epoch int
}

// NewEngine compiles rs; licences maps a licence line's SKU (any case) to
// its seats (nil: no licence allocation).
func NewEngine(rs *Ruleset, norm KeyNormalizer, licences map[string]*SeatSet) *Engine {
	e := &Engine{rs: rs, m: compile(rs, norm), splits: map[string]*Split{}, licences: map[string]*SeatSet{}, memo: map[memoKey]int{}}
	for i := range rs.Splits {
		e.splits[rs.Splits[i].ID] = &rs.Splits[i]
	}
	for sku, s := range licences {
		e.licences[strings.ToLower(sku)] = s
	}
	return e
}

// ruleFor is the first rule matching key k on day, memoised per key and
// validity epoch.
func (e *Engine) ruleFor(keys []costs.AllocKey, k int, day int64) int {
	mk := memoKey{k, e.m.epoch(day)}
	if r, ok := e.memo[mk]; ok {
		return r
	}
	r := e.m.first(&keys[k], nil, day)
	e.memo[mk] = r
	return r
}

// Allocate divides every row among groups: a licence line by its seats,
// any other line by its first matching rule, and a split's share by the
// split's percentages or, for a proportional split, by each group's own
// billed spend in the row's month. The portions of a row add up to it
// exactly. out[i] are row i's portions.
func (e *Engine) Allocate(keys []costs.AllocKey, rows []costs.AllocRow) ([][]Portion, error) {
	out := make([][]Portion, len(rows))
	single := make([]Portion, len(rows)) // most rows go to one place: one allocation for all
	var pending []int                    // rows with a split share, done once direct spend is known
	own := map[ownKey]*domain.Amount{}
	proportional := e.hasProportional()
	for i, r := range rows {
		ps, err := e.direct(keys, r, single[i:i:i+1])
		if err != nil {
			return nil, err
		}
		out[i] = ps
		for _, p := range ps {
			if p.Split != "" {
				pending = append(pending, i)
				break
			}
		}
		if !proportional {
			continue
		}
		for _, p := range ps {
			if p.Split == "" && p.Group != Unallocated && p.Group != UnassignedLicences {
				if err := addOwn(own, monthOf(r.Day), p.Group, p.Measures); err != nil {
					return nil, err
				}
			}
		}
	}
	for _, i := range pending {
		ps, err := e.splitShares(out[i], monthOf(rows[i].Day), own)
		if err != nil {
			return nil, err
		}
		out[i] = ps
	}
	return out, nil
}

type ownKey struct {
	month int64
	group string
}

func monthOf(t time.Time) int64 {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).Unix()
}

func addOwn(own map[ownKey]*domain.Amount, month int64, group string, m costs.Measures) error {
	k := ownKey{month, group}
	a := own[k]
	if a == nil {
		a = new(domain.Amount)
		own[k] = a
	}
	var err error
	*a, err = a.Add(m.Billed)
	return err
}

// hasProportional reports whether a split needs each group's own spend.
func (e *Engine) hasProportional() bool {
	for _, s := range e.splits {
		if s.Method == SplitProportional {
			return true
		}
	}
	return false
}

// direct is a row's first-stage portions: one for a rule's group or
// split (or unallocated), or one per seat target for a licence line.
func (e *Engine) direct(keys []costs.AllocKey, r costs.AllocRow, buf []Portion) ([]Portion, error) {
	day := epochDay(r.Day)
	if len(e.licences) > 0 && keys[r.Key].SKU != "" {
		if seats := e.licences[strings.ToLower(keys[r.Key].SKU)]; seats != nil {
			return e.bySeats(&keys[r.Key], r, seats, day)
		}
	}
	return append(buf, e.portionOf(e.ruleFor(keys, r.Key, day), ViaRule, r.Measures)), nil
}

func (e *Engine) portionOf(rule int, via string, m costs.Measures) Portion {
	if rule < 0 {
		return Portion{Group: Unallocated, Via: ViaUnallocated, Measures: m}
	}
	ru := e.m.rules[rule].rule
	if ru.Split != "" {
		return Portion{Rule: ru.ID, Split: ru.Split, Via: ViaSplit, Measures: m}
	}
	return Portion{Group: ru.Group, Rule: ru.ID, Via: via, Measures: m}
}

// bySeats divides a licence line among the rules its users' seats match
// (a user no rule places counts as unallocated) and the unassigned seats.
func (e *Engine) bySeats(k *costs.AllocKey, r costs.AllocRow, s *SeatSet, day int64) ([]Portion, error) {
	counts := map[int]int64{}
	var order []int
	for i := range s.Users {
		rule := e.m.first(k, &s.Users[i], day)
		if counts[rule] == 0 {
			order = append(order, rule)
		}
		counts[rule]++
	}
	unassigned := s.Purchased - int64(len(s.Users))
	if len(order) == 0 && unassigned <= 0 {
		return []Portion{e.portionOf(e.m.first(k, nil, day), ViaRule, r.Measures)}, nil
	}
	weights := make([]*big.Int, 0, len(order)+1)
	for _, rule := range order {
		weights = append(weights, big.NewInt(counts[rule]))
	}
	if unassigned > 0 {
		weights = append(weights, big.NewInt(unassigned))
	}
	parts, err := divide(r.Measures, weights)
	if err != nil {
		return nil, err
	}
	out := make([]Portion, 0, len(weights))
	for i, rule := range order {
		p := e.portionOf(rule, ViaLicence, parts[i])
		if rule < 0 {
			p.Via = ViaUnallocated
		}
		p.Seats = counts[rule]
		out = append(out, p)
	}
	if unassigned > 0 {
		out = append(out, Portion{Group: UnassignedLicences, Via: ViaUnassigned, Seats: unassigned, Measures: parts[len(parts)-1]})
	}
	return out, nil
}

// splitShares replaces each split portion by its groups' shares.
func (e *Engine) splitShares(ps []Portion, month int64, own map[ownKey]*domain.Amount) ([]Portion, error) {
	out := make([]Portion, 0, len(ps)+2)
	for _, p := range ps {
		if p.Split == "" {
			out = append(out, p)
			continue
		}
		s := e.splits[p.Split]
		weights := e.splitWeights(s, month, own)
		parts, err := divide(p.Measures, weights)
		if err != nil {
			return nil, err
		}
		for i, sh := range s.Shares {
			out = append(out, Portion{Group: sh.Group, Rule: p.Rule, Split: s.ID, Via: ViaSplit, Seats: p.Seats, Measures: parts[i]})
		}
	}
	return out, nil
}

// splitWeights are a split's shares as integers: percentages scaled by
// 10^6, or each group's own billed spend that month in 10^-10 units
// (negative counts as none; equal shares when no group has any).
func (e *Engine) splitWeights(s *Split, month int64, own map[ownKey]*domain.Amount) []*big.Int {
	w := make([]*big.Int, len(s.Shares))
	any := false
	for i, sh := range s.Shares {
		if s.Method == SplitFixed {
			p, _ := percent(sh.Percent) // validated
			w[i] = scaled(p)
		} else if v := own[ownKey{month, sh.Group}]; v != nil && v.Cmp(domain.Amount{}) > 0 {
			w[i] = big.NewInt(v.Units)
			w[i].Mul(w[i], big.NewInt(nanosPerUnit)).Add(w[i], big.NewInt(v.Nanos))
		} else {
			w[i] = new(big.Int)
		}
		any = any || w[i].Sign() > 0
	}
	if !any {
		for i := range w {
			w[i] = big.NewInt(1)
		}
	}
	return w
}
