package web

import (
	"net/http"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/domain"
)

// extraCharges lists the extra charges; ?edit=ID fills the form with one.
func (s *Server) extraCharges(w http.ResponseWriter, r *http.Request) {
	form := chargeback.ExtraInput{Kind: chargeback.KindFixedFee, From: lastMonth(domain.Now()), Currency: string(principalFrom(r.Context()).Org.ReportingCurrency)}
	id := r.URL.Query().Get("edit")
	if id != "" {
		e, err := s.chargebacks().Extra(r.Context(), principalFrom(r.Context()), id)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		form = chargeback.ExtraInput{Unit: e.Unit, Kind: e.Kind, Description: e.Description, Currency: e.Currency, Percent: e.Percent,
			From: e.From, To: e.To, Recurring: e.Recurring}
		if e.Kind == chargeback.KindFixedFee {
			form.Amount = e.Amount.String()
		}
	}
	s.renderExtras(w, r, http.StatusOK, id, form, nil)
}

func (s *Server) renderExtras(w http.ResponseWriter, r *http.Request, status int, id string, form chargeback.ExtraInput, formErr error) {
	ctx, p := r.Context(), principalFrom(r.Context())
	list, err := s.chargebacks().Extras(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	units, err := s.chargebacks().Units(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := ExtraChargesPage{Layout: s.layout(r, NavChargebacks), CanWrite: p.Can(auth.PermChargebacksWrite), Form: form, EditID: id}
	page.SetErr(formErr)
	for _, u := range units {
		page.Units = append(page.Units, Choice{Value: u.ID, Label: u.Name, Selected: u.ID == form.Unit})
	}
	for _, k := range chargeback.ExtraKinds {
		page.Kinds = append(page.Kinds, Choice{Value: k, Label: chargeback.KindLabel(k), Selected: k == form.Kind})
	}
	for _, e := range list {
		page.Extras = append(page.Extras, extraRow(e))
	}
	s.R.Render(w, status, page)
}

func extraRow(e chargeback.Extra) ExtraRow {
	row := ExtraRow{ID: e.ID, Unit: e.UnitName, Kind: chargeback.KindLabel(e.Kind), Description: e.Description, Period: monthLabel(e.From)}
	if e.Kind == chargeback.KindFixedFee {
		row.Value = domain.FormatMoney(e.Amount, e.Currency) + " " + e.Currency
	} else {
		row.Value = e.Percent + "%"
	}
	switch {
	case e.Recurring && e.To != "":
		row.Period += " to " + monthLabel(e.To)
	case e.Recurring:
		row.Period += " onwards"
	}
	return row
}

func (s *Server) saveExtraCharge(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	f := r.PostFormValue
	in := chargeback.ExtraInput{Unit: f("business_unit"), Kind: f("kind"), Description: f("description"), Amount: f("amount"),
		Currency: f("currency"), Percent: f("percent"), From: f("from"), To: f("to"), Recurring: f("recurring") == "on"}
	if in.Kind != chargeback.KindFixedFee {
		in.Amount, in.Currency = "", ""
	} else {
		in.Percent = ""
	}
	id := f("id")
	e, err := s.chargebacks().SaveExtra(r.Context(), principalFrom(r.Context()), actor(r), id, in)
	if err == nil {
		s.flash(r, FlashSuccess, chargeback.KindLabel(e.Kind)+" for "+e.UnitName+" saved. It is included in the next chargeback you generate.")
		redirect(w, r, "/chargebacks/extra-charges")
		return
	}
	if c := domain.ErrorCode(err); c == domain.CodeInternal || c == domain.CodeForbidden || c == domain.CodeNotFound {
		s.fail(w, r, err)
		return
	}
	s.renderExtras(w, r, domain.HTTPStatus(err), id, in, err)
}

func (s *Server) deleteExtraCharge(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.chargebacks().DeleteExtra(r.Context(), principalFrom(r.Context()), actor(r), r.PostFormValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Extra charge removed. Chargebacks generated before keep it.")
	redirect(w, r, "/chargebacks/extra-charges")
}
