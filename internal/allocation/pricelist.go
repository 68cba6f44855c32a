package allocation

import (
	"math/big"
	"sort"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
)

// PriceListProvider names the licence lines valued from the price list.
const PriceListProvider = "Microsoft 365 (price list)"

// priceListRows adds, for each month of [from, to) and each licence
// product with a list price, one row worth price × seats bought on the
// month's first day — unless a billed line already carries the product's
// cost SKU that month (Partner Center or an invoice: the billed cost
// wins). Months that ended before the directory first listed the product
// get none.
func priceListRows(keys []costs.AllocKey, rows []costs.AllocRow, seats map[string]*SeatSet, from, to time.Time) ([]costs.AllocKey, []costs.AllocRow, error) {
	priced := map[string]*SeatSet{} // cost SKU (lower case) → set with a price
	for sku, set := range seats {
		if set.Currency != "" && set.Purchased > 0 {
			priced[strings.ToLower(sku)] = set
		}
	}
	if len(priced) == 0 {
		return keys, rows, nil
	}
	billed := map[string]bool{} // cost SKU (lower case) + month
	for _, r := range rows {
		if sku := strings.ToLower(keys[r.Key].SKU); priced[sku] != nil {
			billed[sku+"|"+monthStart(r.Day).Format("2006-01")] = true
		}
	}
	skus := make([]string, 0, len(priced))
	for sku := range priced {
		skus = append(skus, sku)
	}
	sort.Strings(skus) // the same keys in the same order every time
	for _, sku := range skus {
		set := priced[sku]
		for m := monthStart(from); m.Before(to); m = m.AddDate(0, 1, 0) {
			if billed[sku+"|"+m.Format("2006-01")] || (!set.Since.IsZero() && !set.Since.Before(m.AddDate(0, 1, 0))) {
				continue
			}
			total, err := times(set.Price, set.Purchased)
			if err != nil {
				return nil, nil, err
			}
			keys = append(keys, costs.AllocKey{Provider: PriceListProvider, Service: set.PartNumber + " (list price)",
				SKU: sku, ChargeCategory: "Purchase"})
			rows = append(rows, costs.AllocRow{Day: m, Key: len(keys) - 1, Currency: set.Currency,
				Measures: costs.Measures{Billed: total, Effective: total, List: total}})
		}
	}
	return keys, rows, nil
}

// times is a × n exactly.
func times(a domain.Amount, n int64) (domain.Amount, error) {
	v := big.NewInt(a.Units)
	v.Mul(v, big.NewInt(nanosPerUnit)).Add(v, big.NewInt(a.Nanos)).Mul(v, big.NewInt(n))
	q, r := new(big.Int).QuoRem(v, big.NewInt(nanosPerUnit), new(big.Int))
	if !q.IsInt64() {
		return domain.Amount{}, domain.ErrAmountRange
	}
	return domain.Amount{Units: q.Int64(), Nanos: r.Int64()}, nil
}
