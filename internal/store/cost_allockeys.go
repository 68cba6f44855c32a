package store

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
)

// allocDims are the dictionary dimensions of an allocation key, in
// costs.AllocKey's field order.
var allocDims = [...]int{dimIndex("provider"), dimIndex("billing_account"), dimIndex("sub_account"),
	dimIndex("sub_account_name"), dimIndex("resource_group"), dimIndex("service"), dimIndex("service_category"),
	dimIndex("region"), dimIndex("resource"), dimIndex("resource_name"), dimIndex("sku")}

type allocIDs struct {
	dims     [len(allocDims)]int64
	tagset   int64
	category string
}

type allocScanKey struct {
	day      int64
	key      allocIDs
	currency string
}

// AllocationKeys implements costs.AllocKeyer: q's lines summed per day,
// allocation key and currency, from the detail rollup where an import
// keeps one (it has every dimension of the key), else from the lines.
func (c *Costs) AllocationKeys(ctx context.Context, orgID string, q costs.Query) ([]costs.AllocKey, []costs.AllocRow, error) {
	cols := newSegColumns().measures().text(segBillingCurrency, segCategory).ints(segTagset)
	for _, i := range allocDims {
		cols.ints(segDims + i)
	}
	acc, err := scanGrouped(ctx, c, orgID, q, sourceOf(q), cols, func(r segRow) allocScanKey {
		k := allocScanKey{day: r.day()}
		for j, i := range allocDims {
			k.key.dims[j] = r.dim(i)
		}
		k.key.tagset = r.tagset()
		k.key.category, _ = r.text(segCategory)
		k.currency, _ = r.text(segBillingCurrency)
		return k
	}, func(a *segAcc, r segRow, n int64) { a.add(r, -1, n) }, (*segAcc).merge)
	if err != nil {
		return nil, nil, err
	}
	index := map[allocIDs]int{}
	var ids []allocIDs
	rows := make([]costs.AllocRow, 0, len(acc))
	for k, a := range acc {
		i, ok := index[k.key]
		if !ok {
			i = len(ids)
			index[k.key] = i
			ids = append(ids, k.key)
		}
		r := costs.AllocRow{Day: time.Unix(k.day*86400, 0).UTC(), Key: i, Currency: k.currency, Lines: a.lines}
		if r.Measures, err = measuresOf(a.sums); err != nil {
			return nil, nil, err
		}
		rows = append(rows, r)
	}
	keys, err := c.decodeAllocKeys(ctx, orgID, ids)
	return keys, rows, err
}

// decodeAllocKeys turns dictionary and tag-set ids into values.
func (c *Costs) decodeAllocKeys(ctx context.Context, orgID string, ids []allocIDs) ([]costs.AllocKey, error) {
	var dimIDs, sets []int64
	for _, k := range ids {
		dimIDs = append(dimIDs, k.dims[:]...)
		if k.tagset != 0 {
			sets = append(sets, k.tagset)
		}
	}
	names, err := c.names(ctx, orgID, dimIDs)
	if err != nil {
		return nil, err
	}
	tags, err := c.tagsetMaps(ctx, orgID, sets)
	if err != nil {
		return nil, err
	}
	out := make([]costs.AllocKey, len(ids))
	for i, k := range ids {
		n := func(j int) string { return names[k.dims[j]] }
		out[i] = costs.AllocKey{Provider: n(0), BillingAccount: n(1), SubAccount: n(2), SubAccountName: n(3),
			ResourceGroup: n(4), Service: n(5), Category: n(6), Region: n(7), Resource: n(8), ResourceName: n(9),
			SKU: n(10), ChargeCategory: k.category, Tags: tags[k.tagset]}
	}
	return out, nil
}

// tagsetMaps reads tag sets by id, 500 at a time.
func (c *Costs) tagsetMaps(ctx context.Context, orgID string, ids []int64) (map[int64]map[string]string, error) {
	slices.Sort(ids)
	ids = slices.Compact(ids)
	out := map[int64]map[string]string{}
	for len(ids) > 0 {
		n := min(len(ids), 500)
		rows, err := c.reader().query(ctx, `SELECT id, pairs FROM cost_tagsets WHERE org_id = ? AND id IN (`+marks(n)+`)`,
			append([]any{orgID}, anys(ids[:n])...)...)
		if err != nil {
			return nil, err
		}
		if _, err := scanAll(rows, func(s scanner) (struct{}, error) {
			var id int64
			var pairs string
			if err := s.Scan(&id, &pairs); err != nil {
				return struct{}{}, err
			}
			m := map[string]string{}
			if err := json.Unmarshal([]byte(pairs), &m); err != nil {
				return struct{}{}, fmt.Errorf("tag set %d: %w", id, err)
			}
			out[id] = m
			return struct{}{}, nil
		}); err != nil {
			return nil, err
		}
		ids = ids[n:]
	}
	return out, nil
}

var _ costs.AllocKeyer = (*Costs)(nil)
