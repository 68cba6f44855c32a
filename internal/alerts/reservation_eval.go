package alerts

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/store"
)

// UtilisationDays is the window a reservation rule averages: the week
// before the evaluation day.
const UtilisationDays = 7

// evaluateReservations compares each reservation's utilisation over the
// last UtilisationDays days with data (used / reserved hours) with the
// rule's threshold; the alert's day is the last day with data, so a
// reservation that stays under-used alerts again only as new days arrive.
func (s *Service) evaluateReservations(ctx context.Context, r store.AlertRule, today time.Time) ([]store.Alert, error) {
	list, err := s.Store.ListReservations(ctx, r.OrgID)
	if err != nil {
		return nil, err
	}
	days, err := s.Store.ReservationDays(ctx, r.OrgID, today.AddDate(0, 0, -UtilisationDays), today)
	if err != nil {
		return nil, err
	}
	byRes := map[string][]store.ReservationDay{}
	for _, d := range days {
		byRes[d.ReservationID] = append(byRes[d.ReservationID], d)
	}
	threshold, _, err := apd.NewFromString(r.Threshold)
	if err != nil {
		return nil, fmt.Errorf("threshold %q: %w", r.Threshold, err)
	}
	var out []store.Alert
	for _, res := range list {
		if r.Subject != "" && !strings.EqualFold(r.Subject, res.ID) && !strings.EqualFold(r.Subject, res.Name) {
			continue
		}
		pct, ok := utilisation(byRes[res.ID])
		if !ok || pct.Cmp(threshold) >= 0 {
			continue
		}
		out = append(out, reservationAlert(r, res, byRes[res.ID], pct, threshold))
	}
	return out, nil
}

func reservationAlert(r store.AlertRule, res store.Reservation, days []store.ReservationDay, pct, threshold *apd.Decimal) store.Alert {
	first, last := days[0].Day, days[len(days)-1].Day
	a := store.Alert{RuleID: r.ID, RuleName: r.Name, Kind: KindReservation, Day: last, SubjectDim: "reservation",
		Subject: res.ID, SubjectLabel: res.Name, Severity: SeverityWarning, Amount: pct.Text('f'), Baseline: threshold.Text('f')}
	half := newDec()
	_, _ = calc.Quo(half, threshold, apd.New(2, 0))
	if pct.Cmp(half) < 0 {
		a.Severity = SeverityCritical
	}
	a.Message = fmt.Sprintf("Reservation %s (%d × %s, %s) was used %s %% from %s to %s, below the %s %% threshold: exchange or resize it.",
		res.Name, res.Quantity, res.SKU, res.Location, a.Amount, first.Format("Mon 2 Jan"), last.Format("Mon 2 Jan"), a.Baseline)
	a.Link = exploreURL(first, last.AddDate(0, 0, 1), "resource", "sku:"+res.SKU)
	return a
}

// utilisation is used / reserved hours in percent to one decimal over
// the days; without hours, the mean of the daily average percentages.
func utilisation(days []store.ReservationDay) (*apd.Decimal, bool) {
	used, reserved, avg := newDec(), newDec(), newDec()
	n := 0
	for _, d := range days {
		u, e1 := parseDec(d.UsedHours)
		h, e2 := parseDec(d.ReservedHours)
		if e1 == nil && e2 == nil {
			_, _ = calc.Add(used, used, u)
			_, _ = calc.Add(reserved, reserved, h)
		}
		if p, err := parseDec(d.AvgPercent); err == nil {
			_, _ = calc.Add(avg, avg, p)
			n++
		}
	}
	pct := newDec()
	switch {
	case reserved.Sign() > 0:
		_, _ = calc.Quo(pct, used, reserved)
		_, _ = calc.Mul(pct, pct, hundred)
	case n > 0:
		_, _ = calc.Quo(pct, avg, apd.New(int64(n), 0))
	default:
		return nil, false
	}
	_, _ = calc.Quantize(pct, pct, -1)
	return pct, true
}

func parseDec(s string) (*apd.Decimal, error) {
	d, _, err := apd.NewFromString(s)
	return d, err
}
