package web

import (
	"fmt"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/domain"
)

// ChargebacksPage lists the generated chargebacks by month and version,
// with the form that generates one.
type ChargebacksPage struct {
	Layout
	FormErrors
	CanWrite bool
	Month    string // the form's month, YYYY-MM
	Months   []CBMonthRow
}

func (ChargebacksPage) Template() string { return "chargebacks" }

// CBMonthRow is a month with its versions, newest first.
type CBMonthRow struct {
	Month, Label, ReconURL string
	Versions               []CBVersionRow
}

// CBVersionRow is one version in the list.
type CBVersionRow struct {
	Version                    int
	URL, Status, Reason, Total string
	When, Who                  string
}

// ChargebackPage is one version: units, lines, extra charges and the
// change from the previous version.
type ChargebackPage struct {
	Layout
	CanWrite                                bool
	Month, MonthLabel, Status, Reason       string
	Version, AllocationVersion              int
	Currency, Total, When, Who              string
	Units                                   []CBUnitView
	Uncharged                               []Fact
	Diff                                    CBDiffView
	Versions                                []Link
	PDFURL, CSVURL, ReconURL, SendURL, Base string
}

func (ChargebackPage) Template() string { return "chargeback" }

// CBUnitView is a business unit of a version.
type CBUnitView struct {
	ID, Name, Owners        string
	Allocated, Extra, Total string
	Lines                   []CBLineView
}

// CBLineView is one line: allocated cost or an extra charge.
type CBLineView struct {
	Kind, Label, Allocated, Extra string
}

// CBDiffView is the change from the previous version (Previous 0: none).
type CBDiffView struct {
	Previous int
	Units    []CBUnitDiffView
}

// CBUnitDiffView is a unit's change with its changed lines.
type CBUnitDiffView struct {
	Name, Change, Before, After, Delta string
	Lines                              []CBLineDiffView
}

// CBLineDiffView is one changed line.
type CBLineDiffView struct {
	Label, Change, Before, After, Delta string
}

// ReconciliationPage checks a month's chargebacks against its billed
// total.
type ReconciliationPage struct {
	Layout
	Month, MonthLabel, Status, Currency string
	Version                             int
	Billed, Charged, Difference         string
	Balanced                            bool
	Items                               []Fact
	DetailURL                           string
}

func (ReconciliationPage) Template() string { return "chargeback_reconciliation" }

// ExtraChargesPage lists the extra charges with the add/edit form.
type ExtraChargesPage struct {
	Layout
	FormErrors
	CanWrite bool
	Extras   []ExtraRow
	Units    []Choice
	Kinds    []Choice
	Form     chargeback.ExtraInput
	EditID   string
}

func (ExtraChargesPage) Template() string { return "chargeback_extras" }

// ExtraRow is one extra charge in the list.
type ExtraRow struct {
	ID, Unit, Kind, Description, Value, Period string
}

func monthLabel(m string) string {
	t, err := time.Parse("2006-01", m)
	if err != nil {
		return m
	}
	return t.Format("January 2006")
}

func cbURL(month string, version int) string {
	return fmt.Sprintf("/chargebacks/%s/versions/%d", month, version)
}

func money(a domain.Amount, cur string) string { return domain.FormatMoney(a, cur) + " " + cur }

func chargebackView(d chargeback.Detail, diff chargeback.Diff) ChargebackPage {
	base := cbURL(d.Month, d.Version.Version)
	p := ChargebackPage{Month: d.Month, MonthLabel: monthLabel(d.Month), Status: d.Status, Reason: d.Reason, Version: d.Version.Version,
		AllocationVersion: d.AllocationVersion, Currency: d.Currency, Total: money(d.Total, d.Currency),
		When: d.CreatedAt.Format("2006-01-02 15:04 UTC"), Who: d.CreatedBy, Base: base,
		PDFURL: base + "/pdf", CSVURL: base + "/csv", SendURL: base + "/send", ReconURL: "/chargebacks/" + d.Month + "/reconciliation?version=" + fmt.Sprint(d.Version.Version)}
	for _, u := range d.Charged {
		v := CBUnitView{ID: u.ID, Name: u.Name, Owners: strings.Join(u.Owners, ", "), Allocated: money(u.Allocated, d.Currency),
			Extra: money(u.Extra, d.Currency), Total: money(u.Total, d.Currency)}
		for _, l := range u.Lines {
			lv := CBLineView{Kind: chargeback.KindLabel(l.Kind), Label: l.Label()}
			if l.Kind == chargeback.KindCost {
				lv.Allocated = domain.FormatMoney(l.Amount, d.Currency)
			} else {
				lv.Extra = domain.FormatMoney(l.Amount, d.Currency)
			}
			v.Lines = append(v.Lines, lv)
		}
		p.Units = append(p.Units, v)
	}
	for _, o := range d.Uncharged {
		p.Uncharged = append(p.Uncharged, Fact{Label: o.Name, Value: money(o.Amount, d.Currency)})
	}
	p.Diff.Previous = diff.Previous
	for _, u := range diff.Units {
		uv := CBUnitDiffView{Name: u.Name, Change: u.Change, Before: domain.FormatMoney(u.Before, d.Currency),
			After: domain.FormatMoney(u.After, d.Currency), Delta: signedMoney(u.Delta, d.Currency)}
		for _, l := range u.Lines {
			uv.Lines = append(uv.Lines, CBLineDiffView{Label: l.Label, Change: l.Change, Before: domain.FormatMoney(l.Before, d.Currency),
				After: domain.FormatMoney(l.After, d.Currency), Delta: signedMoney(l.Delta, d.Currency)})
		}
		p.Diff.Units = append(p.Diff.Units, uv)
	}
	return p
}

func signedMoney(a domain.Amount, cur string) string {
	s := domain.FormatMoney(a, cur)
	if a.Cmp(domain.Amount{}) > 0 {
		s = "+" + s
	}
	return s
}
