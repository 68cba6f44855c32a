package m365analytics

import (
	"context"
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
)

// calc is the arithmetic of seat prices: far more digits than money needs.
var calc = apd.BaseContext.WithPrecision(34)

// billedLookback is how many complete months back billed seat costs are
// looked for.
const billedLookback = 3

// LicenceRow is one SKU's seats on the snapshot date with their monthly
// cost: purchased (enabled prepaid units), assigned (consumed units),
// unassigned (purchased minus assigned, never below zero). Amounts are
// exact decimal text in Currency; "" when the price is unknown.
type LicenceRow struct {
	SkuID          string `json:"sku_id"`
	SkuPartNumber  string `json:"sku_part_number"`
	Purchased      int64  `json:"purchased"`
	Assigned       int64  `json:"assigned"`
	Unassigned     int64  `json:"unassigned"`
	UnitPrice      string `json:"unit_price"`
	Currency       string `json:"currency"`
	MonthlyCost    string `json:"monthly_cost"`
	UnassignedCost string `json:"unassigned_cost"`
	CostBasis      string `json:"cost_basis"`
}

// Licences is the licence table of one connection.
type Licences struct {
	SnapshotDate string       `json:"snapshot_date"`
	Rows         []LicenceRow `json:"rows"`
	NoData       *NoData      `json:"no_data"`
}

// Licences returns the SKUs of the latest licence snapshot with seats and
// cost (cost only for holders of costs.read).
func (s *Service) Licences(ctx context.Context, p *auth.Principal, connectionID string) (Licences, error) {
	sc, err := s.open(ctx, p, connectionID)
	if err != nil {
		return Licences{}, err
	}
	return s.licences(ctx, sc)
}

func (s *Service) licences(ctx context.Context, sc *scope) (Licences, error) {
	snaps, err := s.Store.M365LicenceSnapshots(ctx, sc.p.Org.ID, sc.conn.ID, s.now().AddDate(0, 0, -400).Format(time.DateOnly))
	if err != nil {
		return Licences{}, err
	}
	out := Licences{Rows: []LicenceRow{}}
	if len(snaps) == 0 {
		if sc.imported() {
			out.NoData = sc.empty("The tenant has no licences (subscribed SKUs), or Canopy lacks Organization.Read.All to read them.")
		} else {
			out.NoData = sc.empty("")
		}
		return out, nil
	}
	out.SnapshotDate = snaps[len(snaps)-1].SnapshotDate
	pr, err := s.prices(ctx, sc.p)
	if err != nil {
		return Licences{}, err
	}
	for _, k := range snaps {
		if k.SnapshotDate != out.SnapshotDate {
			continue
		}
		out.Rows = append(out.Rows, pr.row(k))
	}
	return out, nil
}

// seatPrice is one seat's monthly price (list) or the month's billed
// total to divide by the seats purchased (billed), and where it comes
// from.
type seatPrice struct {
	price, billed *apd.Decimal
	currency      string
	basis         string
}

// pricer prices seats per SKU part number.
type pricer struct {
	seats  map[string]seatPrice
	hidden bool // the principal may not see costs
}

// prices loads the seat price of each product: the licence price list's
// unit price (Allocation > Licence prices) if set, else the billed cost
// per seat of the mapped cost SKU's lines (Partner Center invoices) in
// the last complete month that has any, else none (unknown).
func (s *Service) prices(ctx context.Context, p *auth.Principal) (*pricer, error) {
	pr := &pricer{seats: map[string]seatPrice{}}
	if p.Require(auth.PermCostsRead) != nil {
		pr.hidden = true
		return pr, nil
	}
	list, err := s.Store.ListLicencePrices(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	for _, lp := range list {
		if lp.UnitPrice != "" {
			d, _, err := apd.NewFromString(lp.UnitPrice)
			if err == nil {
				pr.seats[lp.SkuPartNumber] = seatPrice{price: d, currency: lp.Currency,
					basis: "list price from Allocation > Licence prices"}
				continue
			}
		}
		if sp, ok, err := s.billedPerSeat(ctx, p.Org.ID, lp); err != nil {
			return nil, err
		} else if ok {
			pr.seats[lp.SkuPartNumber] = sp
		}
	}
	return pr, nil
}

// billedPerSeat is the cost of the product's mapped cost SKU's lines in
// the last complete month that has any (in one currency); row divides it
// by the seats purchased.
func (s *Service) billedPerSeat(ctx context.Context, orgID string, lp store.LicencePrice) (seatPrice, bool, error) {
	if lp.CostSKU == "" {
		return seatPrice{}, false, nil
	}
	now := s.now()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC)
	for back := 1; back <= billedLookback; back++ {
		from := first.AddDate(0, -back, 0)
		rows, err := s.Costs.Aggregate(ctx, orgID, costs.Query{From: from, To: from.AddDate(0, 1, 0),
			Filters: []costs.Filter{{Dim: costs.DimSKU, Values: []string{lp.CostSKU}}}})
		if err != nil {
			return seatPrice{}, false, err
		}
		total, cur, ok := sumLines(rows)
		if !ok {
			continue
		}
		return seatPrice{billed: total, currency: cur, basis: fmt.Sprintf("billed: %s cost lines of SKU %s (%s %s) divided by the seats purchased",
			from.Format("January 2006"), lp.CostSKU, round2(total), cur)}, true, nil
	}
	return seatPrice{}, false, nil
}

// sumLines adds the effective cost of rows; ok is false when there are
// none or they mix currencies.
func sumLines(rows []costs.AggRow) (total *apd.Decimal, cur string, ok bool) {
	total = new(apd.Decimal)
	for _, r := range rows {
		if cur != "" && r.Currency != cur {
			return nil, "", false
		}
		cur = r.Currency
		_, _ = calc.Add(total, total, r.Measures.Effective.Decimal())
	}
	return total, cur, cur != ""
}

// row values one SKU's seats.
func (pr *pricer) row(k store.M365LicenceSnapshot) LicenceRow {
	r := LicenceRow{SkuID: k.SkuID, SkuPartNumber: k.SkuPartNumber, Purchased: k.Purchased, Assigned: k.Assigned,
		Unassigned: max(0, k.Purchased-k.Assigned)}
	sp, ok := pr.seats[k.SkuPartNumber]
	switch {
	case pr.hidden:
		r.CostBasis = "unknown: seeing licence costs needs the costs.read permission"
	case !ok:
		r.CostBasis = "unknown: no price for " + k.SkuPartNumber + " in Allocation > Licence prices and no billed cost lines mapped to it"
	case sp.price == nil && k.Purchased <= 0:
		r.CostBasis = "unknown: billed cost lines exist but no seats are purchased to divide them by"
	default:
		price := sp.price
		if price == nil {
			price = new(apd.Decimal)
			_, _ = calc.Quo(price, sp.billed, apd.New(k.Purchased, 0))
		}
		r.UnitPrice, r.Currency, r.CostBasis = round2(price), sp.currency, sp.basis
		r.MonthlyCost, r.UnassignedCost = times(price, r.Purchased), times(price, r.Unassigned)
	}
	return r
}

func times(d *apd.Decimal, n int64) string {
	out := new(apd.Decimal)
	_, _ = calc.Mul(out, d, apd.New(n, 0))
	return round2(out)
}

// round2 is an amount to the cent, as text.
func round2(d *apd.Decimal) string {
	out := new(apd.Decimal)
	_, _ = calc.Quantize(out, d, -2)
	return out.Text('f')
}
