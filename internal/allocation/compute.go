package allocation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
)

func monthStart(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

// inputs are what an engine needs besides the rule set: the
// organisation's tag-key normaliser and licence seats. They are read once
// for all the months one call allocates.
type inputs struct {
	norm  KeyNormalizer
	seats map[string]*SeatSet
}

func (s *Service) inputs(ctx context.Context, orgID string) (inputs, error) {
	norm, err := s.normalizer(ctx, orgID)
	if err != nil {
		return inputs{}, err
	}
	seats, err := s.seats(ctx, orgID)
	return inputs{norm: norm, seats: seats}, err
}

// rows reads the lines of the whole months [from, to) as allocation rows,
// with the licences valued from the price list where no billed line
// carries them.
func (s *Service) rows(ctx context.Context, orgID string, in inputs, from, to time.Time) ([]costs.AllocKey, []costs.AllocRow, error) {
	keys, rows, err := s.Costs.AllocationKeys(ctx, orgID, costs.Query{From: from, To: to})
	if err != nil {
		return nil, nil, err
	}
	return priceListRows(keys, rows, in.seats, from, to)
}

// load builds the engine of a version for an organisation and reads the
// rows of the whole months [from, to).
func (s *Service) load(ctx context.Context, orgID string, v *Version, from, to time.Time) (*Engine, []costs.AllocKey, []costs.AllocRow, error) {
	in, err := s.inputs(ctx, orgID)
	if err != nil {
		return nil, nil, nil, err
	}
	keys, rows, err := s.rows(ctx, orgID, in, from, to)
	return NewEngine(&v.Ruleset, in.norm, in.seats), keys, rows, err
}

// compute allocates each month under v and stores its results. An engine
// memoises by key index, which is per month, so each month gets its own.
func (s *Service) compute(ctx context.Context, orgID string, v Version, months []time.Time) error {
	if len(months) == 0 {
		return nil
	}
	in, err := s.inputs(ctx, orgID)
	if err != nil {
		return err
	}
	for _, month := range months {
		keys, rows, err := s.rows(ctx, orgID, in, month, month.AddDate(0, 1, 0))
		if err != nil {
			return err
		}
		ps, err := NewEngine(&v.Ruleset, in.norm, in.seats).Allocate(keys, rows)
		if err != nil {
			return fmt.Errorf("allocate %s: %w", month.Format("2006-01"), err)
		}
		results, err := resultsOf(rows, ps)
		if err != nil {
			return err
		}
		if err := s.Store.InTx(ctx, func(tx *store.Tx) error {
			return tx.ReplaceAllocResults(ctx, orgID, v.Number, month, results)
		}); err != nil {
			return err
		}
	}
	return nil
}

type resultKey struct {
	day                               time.Time
	group, rule, split, via, currency string
}

// resultsOf sums portions per day, group, rule, split and currency; a
// row's lines count once for each group it reaches.
func resultsOf(rows []costs.AllocRow, ps [][]Portion) ([]store.AllocResult, error) {
	acc := map[resultKey]*store.AllocResult{}
	var order []resultKey
	for i, r := range rows {
		for _, p := range ps[i] {
			k := resultKey{r.Day, p.Group, p.Rule, p.Split, p.Via, r.Currency}
			a := acc[k]
			if a == nil {
				a = &store.AllocResult{Day: r.Day, Group: p.Group, Rule: p.Rule, Split: p.Split, Via: p.Via, Currency: r.Currency}
				acc[k] = a
				order = append(order, k)
			}
			if err := a.Measures.Add(p.Measures); err != nil {
				return nil, err
			}
			a.Lines += r.Lines
			a.Seats += p.Seats
		}
	}
	out := make([]store.AllocResult, len(order))
	for i, k := range order {
		out[i] = *acc[k]
	}
	return out, nil
}

// fresh makes sure the months of [from, to) have results under v: months
// never computed are computed, and for the current version so are months
// whose cost data an import finished since changed. Earlier versions keep
// what they said.
func (s *Service) fresh(ctx context.Context, orgID string, v Version, from, to time.Time, latest bool) error {
	have, err := s.Store.AllocMonths(ctx, orgID, v.Number)
	if err != nil {
		return err
	}
	var stale []time.Time
	var oldest time.Time // the earliest computation in the range
	for m := monthStart(from); m.Before(to); m = m.AddDate(0, 1, 0) {
		got, ok := have[m]
		if !ok {
			stale = append(stale, m)
		} else if oldest.IsZero() || got.ComputedAt.Before(oldest) {
			oldest = got.ComputedAt
		}
	}
	if latest && !oldest.IsZero() {
		imports, err := s.Store.ImportsFinishedSince(ctx, orgID, oldest)
		if err != nil {
			return err
		}
		for m := monthStart(from); m.Before(to); m = m.AddDate(0, 1, 0) {
			if got, ok := have[m]; ok && changedSince(imports, m, got.ComputedAt) {
				stale = append(stale, m)
			}
		}
	}
	sortMonths(stale)
	return s.compute(ctx, orgID, v, stale)
}

// changedSince reports whether an import that finished after since could
// have changed month m: its billing period overlaps m, or it has none.
func changedSince(imports []store.FinishedImport, m, since time.Time) bool {
	end := m.AddDate(0, 1, 0)
	for _, im := range imports {
		if !im.FinishedAt.After(since) {
			continue
		}
		if im.PeriodStart == nil || im.PeriodEnd == nil || (im.PeriodStart.Before(end) && im.PeriodEnd.After(m)) {
			return true
		}
	}
	return false
}

// seats reads the licence seats by cost SKU: for each mapped product, the
// enabled units bought and the current users holding it.
func (s *Service) seats(ctx context.Context, orgID string) (map[string]*SeatSet, error) {
	prices, err := s.Store.ListLicencePrices(ctx, orgID)
	if err != nil || len(prices) == 0 {
		return nil, err
	}
	users, skus, err := s.Store.LicenceHolders(ctx, orgID)
	if err != nil {
		return nil, err
	}
	byPart := map[string]*SeatSet{}
	skuPart := map[string]string{}
	for _, k := range skus {
		part := strings.ToUpper(k.SkuPartNumber)
		skuPart[strings.ToLower(k.SkuID)] = part
		if byPart[part] == nil {
			byPart[part] = &SeatSet{PartNumber: k.SkuPartNumber, Since: k.FirstSeen}
		}
		byPart[part].Purchased += k.PrepaidEnabled
		if k.FirstSeen.Before(byPart[part].Since) {
			byPart[part].Since = k.FirstSeen
		}
	}
	for _, u := range users {
		var lic []struct {
			SkuID string `json:"skuId"`
		}
		if err := json.Unmarshal(u.AssignedLicenses, &lic); err != nil {
			return nil, fmt.Errorf("directory user %s licences: %w", u.ObjectID, err)
		}
		for _, l := range lic {
			if set := byPart[skuPart[strings.ToLower(l.SkuID)]]; set != nil {
				set.Users = append(set.Users, userOf(u))
			}
		}
	}
	out := map[string]*SeatSet{}
	for _, p := range prices {
		set := byPart[strings.ToUpper(p.SkuPartNumber)]
		if set == nil || p.CostSKU == "" {
			continue
		}
		if p.UnitPrice != "" {
			if err := set.Price.UnmarshalText([]byte(p.UnitPrice)); err != nil {
				return nil, fmt.Errorf("licence price of %s: %w", p.SkuPartNumber, err)
			}
			set.Currency = p.Currency
		}
		out[p.CostSKU] = set
	}
	return out, nil
}

func userOf(u store.M365User) User {
	out := User{ID: u.ObjectID, Name: u.DisplayName, Department: u.Department, CompanyName: u.CompanyName,
		Country: u.Country, OfficeLocation: u.OfficeLocation}
	var ext map[string]string
	if json.Unmarshal(u.ExtensionAttributes, &ext) == nil && len(ext) > 0 {
		out.Extension = map[string]string{}
		for k, v := range ext {
			out.Extension[strings.TrimPrefix(k, "extensionAttribute")] = v
		}
	}
	return out
}
