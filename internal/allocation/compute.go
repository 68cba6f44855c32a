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

// load builds the engine of a version for an organisation (its rule set,
// tag-key normaliser and licence seats) and reads the lines of the whole
// months [from, to) as allocation rows, with the licences valued from
// the price list where no billed line carries them.
func (s *Service) load(ctx context.Context, orgID string, v *Version, from, to time.Time) (*Engine, []costs.AllocKey, []costs.AllocRow, error) {
	norm, err := s.normalizer(ctx, orgID)
	if err != nil {
		return nil, nil, nil, err
	}
	seats, err := s.seats(ctx, orgID)
	if err != nil {
		return nil, nil, nil, err
	}
	keys, rows, err := s.Costs.AllocationKeys(ctx, orgID, costs.Query{From: from, To: to})
	if err != nil {
		return nil, nil, nil, err
	}
	keys, rows, err = priceListRows(keys, rows, seats, from, to)
	return NewEngine(&v.Ruleset, norm, seats), keys, rows, err
}

// compute allocates one month under v and stores its results.
func (s *Service) compute(ctx context.Context, orgID string, v Version, month time.Time) error {
	e, keys, rows, err := s.load(ctx, orgID, &v, month, month.AddDate(0, 1, 0))
	if err != nil {
		return err
	}
	ps, err := e.Allocate(keys, rows)
	if err != nil {
		return fmt.Errorf("allocate %s: %w", month.Format("2006-01"), err)
	}
	results, err := resultsOf(rows, ps)
	if err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		return tx.ReplaceAllocResults(ctx, orgID, v.Number, month, results)
	})
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
// whose cost data changed since (or, for this month, whose directory
// changed). Earlier versions keep what they said.
func (s *Service) fresh(ctx context.Context, orgID string, v Version, from, to time.Time, latest bool) error {
	have, err := s.Store.AllocMonths(ctx, orgID, v.Number)
	if err != nil {
		return err
	}
	for m := monthStart(from); m.Before(to); m = m.AddDate(0, 1, 0) {
		got, ok := have[m]
		stale := !ok
		if ok && latest {
			changed, err := s.Store.CostsChangedSince(ctx, orgID, got.ComputedAt, m, m.AddDate(0, 1, 0))
			if err != nil {
				return err
			}
			stale = changed[m]
		}
		if stale {
			if err := s.compute(ctx, orgID, v, m); err != nil {
				return err
			}
		}
	}
	return nil
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
