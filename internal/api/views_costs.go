package api

import (
	"time"

	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
)

// Amounts are exact decimal strings (domain.Amount's text): clients round
// for display with the currency's minor unit.

type exploreView struct {
	From         string            `json:"from"` // inclusive
	To           string            `json:"to"`   // inclusive
	PreviousFrom string            `json:"previous_from,omitempty"`
	PreviousTo   string            `json:"previous_to,omitempty"`
	Granularity  string            `json:"granularity"`
	Metric       string            `json:"metric"`
	Currency     string            `json:"currency"`
	GroupBy      string            `json:"group_by"`
	Tag          string            `json:"tag,omitempty"`
	Periods      []periodView      `json:"periods"`
	Currencies   []costBlockView   `json:"currencies"`
	Warnings     []rateWarningView `json:"warnings"`
}

type periodView struct {
	Label string `json:"label"`
	Start string `json:"start"` // first day
	End   string `json:"end"`   // last day, inclusive
}

type costBlockView struct {
	Currency      string          `json:"currency"`
	Series        []seriesView    `json:"series"`
	Chart         []seriesView    `json:"chart"`
	PeriodTotals  []domain.Amount `json:"period_totals"`
	Total         domain.Amount   `json:"total"`
	PreviousTotal *domain.Amount  `json:"previous_total,omitempty"`
	Change        *changeView     `json:"change,omitempty"`
}

type seriesView struct {
	Group         string          `json:"group"`
	Label         string          `json:"label"`
	Other         bool            `json:"other,omitempty"`
	Amounts       []domain.Amount `json:"amounts"`
	Total         domain.Amount   `json:"total"`
	PreviousTotal *domain.Amount  `json:"previous_total,omitempty"`
	Change        *changeView     `json:"change,omitempty"`
}

type changeView struct {
	Delta   domain.Amount `json:"delta"`
	Percent *string       `json:"percent"` // null when the previous total is zero
}

type rateWarningView struct {
	Currency string        `json:"currency"`
	Target   string        `json:"target"`
	Previous bool          `json:"previous"`
	Days     []string      `json:"days"`
	Amount   domain.Amount `json:"amount"`
	Message  string        `json:"message"`
}

func date(t time.Time) string { return t.UTC().Format(time.DateOnly) }

func exploreOf(r *spend.Result) exploreView {
	v := exploreView{From: date(r.From), To: date(r.To.AddDate(0, 0, -1)), Granularity: string(r.Granularity),
		Metric: string(r.Metric), Currency: string(r.Mode), GroupBy: string(r.GroupBy), Tag: r.GroupTag,
		Periods: make([]periodView, 0, len(r.Periods)), Currencies: make([]costBlockView, 0, len(r.Blocks)),
		Warnings: make([]rateWarningView, 0, len(r.Warnings))}
	if r.Compare {
		v.PreviousFrom, v.PreviousTo = date(r.PrevFrom), date(r.PrevTo.AddDate(0, 0, -1))
	}
	for _, p := range r.Periods {
		v.Periods = append(v.Periods, periodView{Label: p.Label, Start: date(p.Start), End: date(p.End.AddDate(0, 0, -1))})
	}
	for _, b := range r.Blocks {
		bv := costBlockView{Currency: string(b.Currency), Series: seriesOf(b.Series, r.Compare), Chart: seriesOf(b.Chart, r.Compare),
			PeriodTotals: b.PeriodTotals, Total: b.Total}
		if r.Compare {
			bv.PreviousTotal, bv.Change = &b.Previous, changeOf(b.Change)
		}
		v.Currencies = append(v.Currencies, bv)
	}
	for _, w := range r.Warnings {
		wv := rateWarningView{Currency: string(w.Currency), Target: string(w.Target), Previous: w.Previous,
			Amount: w.Amount, Message: w.Message(), Days: make([]string, 0, len(w.Days))}
		for _, d := range w.Days {
			wv.Days = append(wv.Days, date(d))
		}
		v.Warnings = append(v.Warnings, wv)
	}
	return v
}

func seriesOf(list []spend.Series, compare bool) []seriesView {
	out := make([]seriesView, 0, len(list))
	for _, s := range list {
		sv := seriesView{Group: s.Group, Label: s.Label, Other: s.Other, Amounts: s.Amounts, Total: s.Total}
		if compare {
			prev := s.Previous
			sv.PreviousTotal, sv.Change = &prev, changeOf(s.Change)
		}
		out = append(out, sv)
	}
	return out
}

func changeOf(c spend.Change) *changeView {
	v := &changeView{Delta: c.Delta}
	if c.Percent != "" {
		p := c.Percent
		v.Percent = &p
	}
	return v
}

type freshnessView struct {
	Provider           string `json:"provider"`
	BillingAccount     string `json:"billing_account"`
	BillingAccountName string `json:"billing_account_name"`
	DataThrough        string `json:"data_through"` // last charge day with lines
	LastImport         string `json:"last_import"`
	Lines              int64  `json:"lines"`
}

type freshnessListView struct {
	Items []freshnessView `json:"items"`
	Note  string          `json:"note"`
}

func freshnessOf(f costs.Freshness) freshnessView {
	return freshnessView{Provider: f.Provider, BillingAccount: f.BillingAccount, BillingAccountName: f.BillingAccountName,
		DataThrough: date(f.DataThrough), LastImport: f.LastImport.UTC().Format(time.RFC3339), Lines: f.Lines}
}
