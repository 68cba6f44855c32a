package web

import "net/url"

// CurrencyPage is Settings → Currency: the reporting currency, exchange
// rates (import, correct) and one pair's history.
type CurrencyPage struct {
	Layout
	FormErrors
	ReportingCurrency string
	Currencies        []Option // ISO 4217 codes for the select
	CanManage         bool
	Rates             []RateRow // newest first
	Base, Quote       string    // the pair whose history is shown
	History           []RateChangeRow
	Saved             string // summary of the last import or correction
	Form              RateForm
}

func (CurrencyPage) Template() string { return "currency" }

// HistoryURL links to one pair's history.
func (CurrencyPage) HistoryURL(base, quote string) string {
	return "/settings/currency?" + url.Values{"base": {base}, "quote": {quote}}.Encode() + "#history"
}

// RateRow is one stored rate.
type RateRow struct {
	Day, Base, Quote, Rate, Source string
}

// RateChangeRow is one entry of a pair's history.
type RateChangeRow struct {
	Day, Rate, Previous, Source, ChangedAt, ChangedBy string
}

// RateForm refills the correction form after an error.
type RateForm struct {
	Day, Base, Quote, Rate string
}
