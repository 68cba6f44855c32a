package allocation

import (
	"context"
	"fmt"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Piece is the billed cost one group received on one day from one
// service in one billing currency (Unallocated and the unassigned
// licences included). PriceList marks licence lines valued from the price
// list, which no billed line carries.
type Piece struct {
	Day                      time.Time
	Group, Category, Service string
	Currency                 string
	PriceList                bool
	Billed                   domain.Amount
}

type pieceKey struct {
	day                                time.Time
	group, category, service, currency string
	priceList                          bool
}

// MonthPieces allocates the month under the current rule set and sums
// what each group received per day, service category, service and
// currency: the detail a chargeback shows, computed with the same engine
// as the stored results. It returns the rule set version used.
func (s *Service) MonthPieces(ctx context.Context, orgID string, month time.Time) (int, []Piece, error) {
	v, err := s.current(ctx, orgID)
	if err != nil {
		return 0, nil, err
	}
	month = monthStart(month)
	e, keys, rows, err := s.load(ctx, orgID, &v, month, month.AddDate(0, 1, 0))
	if err != nil {
		return 0, nil, err
	}
	ps, err := e.Allocate(keys, rows)
	if err != nil {
		return 0, nil, fmt.Errorf("allocate %s: %w", month.Format("2006-01"), err)
	}
	acc := map[pieceKey]*Piece{}
	var order []pieceKey
	for i, r := range rows {
		k := &keys[r.Key]
		for _, p := range ps[i] {
			pk := pieceKey{r.Day, p.Group, k.Category, k.Service, r.Currency, k.Provider == PriceListProvider}
			pc := acc[pk]
			if pc == nil {
				pc = &Piece{Day: r.Day, Group: p.Group, Category: k.Category, Service: k.Service, Currency: r.Currency, PriceList: pk.priceList}
				acc[pk] = pc
				order = append(order, pk)
			}
			if pc.Billed, err = pc.Billed.Add(p.Measures.Billed); err != nil {
				return 0, nil, err
			}
		}
	}
	out := make([]Piece, len(order))
	for i, k := range order {
		out[i] = *acc[k]
	}
	return v.Number, out, nil
}
