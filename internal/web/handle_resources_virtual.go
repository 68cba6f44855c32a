package web

import (
	"net/http"
	"net/url"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/inventory"
)

func (s *Server) newVirtual(w http.ResponseWriter, r *http.Request) {
	now := time.Now().UTC()
	page := VirtualPage{Layout: s.layout(r, NavResourcesVirtual), Form: VirtualForm{Currency: string(principalFrom(r.Context()).Org.ReportingCurrency),
		From: now.Format("2006-01")}}
	page.Title = "New virtual resource"
	s.R.Render(w, http.StatusOK, page)
}

// virtualFormOf reads the virtual resource form.
func virtualFormOf(r *http.Request) VirtualForm {
	return VirtualForm{Name: r.PostFormValue("name"), Description: r.PostFormValue("description"), Tags: r.PostFormValue("tags"),
		Amount: r.PostFormValue("monthly_amount"), Currency: r.PostFormValue("currency"), From: r.PostFormValue("from_month"),
		To: r.PostFormValue("to_month")}
}

func (f VirtualForm) input() (inventory.VirtualInput, error) {
	tags, err := pairLines("tags", f.Tags)
	return inventory.VirtualInput{Name: f.Name, Description: f.Description, Tags: tags, Amount: f.Amount, Currency: f.Currency,
		From: f.From, To: f.To}, err
}

func (s *Server) createVirtual(w http.ResponseWriter, r *http.Request) {
	s.saveVirtual(w, r, "")
}

func (s *Server) updateVirtual(w http.ResponseWriter, r *http.Request) {
	s.saveVirtual(w, r, r.PathValue("id"))
}

// saveVirtual creates (id "") or updates a virtual resource.
func (s *Server) saveVirtual(w http.ResponseWriter, r *http.Request, id string) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, p, svc := r.Context(), principalFrom(r.Context()), s.inventory()
	form := virtualFormOf(r)
	form.ID = id
	in, err := form.input()
	var v inventory.View
	if err == nil && id == "" {
		v, err = svc.CreateVirtual(ctx, p, actor(r), in)
	} else if err == nil {
		v, err = svc.UpdateVirtual(ctx, p, actor(r), id, in)
	}
	if err == nil {
		s.flash(r, FlashSuccess, "Virtual resource saved; its monthly cost is in the cost data.")
		redirect(w, r, "/resources/"+url.PathEscape(v.ID))
		return
	}
	if domain.ErrorCode(err) != domain.CodeInvalid {
		s.fail(w, r, err)
		return
	}
	page := VirtualPage{Layout: s.layout(r, NavResourcesVirtual), Form: form}
	page.SetErr(err)
	s.R.Render(w, http.StatusBadRequest, page)
}

func (s *Server) editVirtual(w http.ResponseWriter, r *http.Request) {
	svc := s.inventory()
	v, err := svc.Get(r.Context(), principalFrom(r.Context()), r.PathValue("id"), inventory.DefaultPeriod(svc.Now()))
	if err == nil && !v.IsVirtual() {
		err = domain.Errorf(domain.CodeNotFound, "virtual resource not found")
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := VirtualPage{Layout: s.layout(r, NavResources), Form: *virtualForm(v)}
	page.Title = "Edit " + v.Name
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) deleteVirtual(w http.ResponseWriter, r *http.Request) {
	if err := s.inventory().DeleteVirtual(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Virtual resource deleted with its cost lines.")
	redirect(w, r, "/resources")
}
