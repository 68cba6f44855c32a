package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
)

// In-place editing of OUs (settings and licence policies), authorization
// policies and delegations (m365.delegate); every change is audited by
// the service.

// ouAgain re-renders an OU's page with err, or sends the browser back to
// it with a flash.
func (s *Server) ouAgain(w http.ResponseWriter, r *http.Request, id string, err error, ok string) {
	if err == nil {
		s.flash(r, FlashSuccess, ok)
		redirect(w, r, "/m365/delegation/ous/"+id)
		return
	}
	if domain.HTTPStatus(err) >= 500 || domain.ErrorCode(err) == domain.CodeNotFound || domain.ErrorCode(err) == domain.CodeForbidden {
		s.fail(w, r, err)
		return
	}
	page, perr := s.delegationOUPage(r, id)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	page.Error = fieldMessage(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

// delegationUpdateOU replaces an OU's name, description, parent, rules
// and hand picks from the edit form.
func (s *Server) delegationUpdateOU(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	o, err := s.delegationSvc().UpdateOU(r.Context(), principalFrom(r.Context()), actor(r), id, ouInputFromForm(r))
	s.ouAgain(w, r, id, err, "OU "+o.Name+" saved.")
}

// delegationSetLicences replaces an OU's licence policies: per SKU row
// N (sku_N), a quota (quota_N, empty: no limit) and restricted plans
// (restrict_N, checkboxes of the SKU's plans). A row with neither is no
// policy.
func (s *Server) delegationSetLicences(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	var in []delegation.LicencePolicy
	var bad error
	for i := 0; r.PostForm.Has("sku_" + strconv.Itoa(i)); i++ {
		n := strconv.Itoa(i)
		lp := delegation.LicencePolicy{SkuID: r.PostFormValue("sku_" + n), RestrictedPlans: r.PostForm["restrict_"+n]}
		if q := strings.TrimSpace(r.PostFormValue("quota_" + n)); q != "" {
			v, err := strconv.ParseInt(q, 10, 64)
			if err != nil && bad == nil {
				bad = domain.FieldError("licence_policies["+n+"].quota", "The quota %q is not a whole number.", q)
			}
			lp.Quota = &v
		}
		if lp.Quota != nil || len(lp.RestrictedPlans) > 0 {
			in = append(in, lp)
		}
	}
	id := r.PathValue("id")
	if bad != nil {
		s.ouAgain(w, r, id, bad, "")
		return
	}
	o, err := s.delegationSvc().SetLicencePolicies(r.Context(), principalFrom(r.Context()), actor(r), id, in)
	s.ouAgain(w, r, id, err, "Licence policies of OU "+o.Name+" saved.")
}

// fillOUSKUs lists the connection's SKUs for the licence-policy form,
// each with the OU's current policy.
func (s *Server) fillOUSKUs(r *http.Request, page *DelegationOUPage) error {
	skus, _, err := s.Auth.Store.ListM365SKUs(r.Context(), principalFrom(r.Context()).Org.ID, 500, "")
	if err != nil {
		return err
	}
	for _, k := range skus {
		if k.ConnectionID != page.OU.ConnectionID {
			continue
		}
		row := LicenceRow{N: len(page.Licences), SKU: DelegationSKU{ID: k.SkuID, Name: k.SkuPartNumber, Plans: skuPlans(k)}}
		for _, lp := range page.OU.LicencePolicies {
			if strings.EqualFold(lp.SkuID, k.SkuID) {
				if lp.Quota != nil {
					row.Quota = strconv.FormatInt(*lp.Quota, 10)
				}
				row.SKU.Restricted = lp.RestrictedPlans
			}
		}
		page.Licences = append(page.Licences, row)
	}
	return nil
}

// delegationUpdatePolicy replaces a policy's name, description and actions.
func (s *Server) delegationUpdatePolicy(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := delegation.PolicyInput{Name: strings.TrimSpace(r.PostFormValue("name")), Description: strings.TrimSpace(r.PostFormValue("description"))}
	for _, a := range r.PostForm["actions"] {
		in.Actions = append(in.Actions, delegation.Action(a))
	}
	pol, err := s.delegationSvc().UpdatePolicy(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"), in)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		s.fail(w, r, err)
		return
	}
	s.manageAgain(w, r, r.PostFormValue("connection_id"), err, "Policy "+pol.Name+" saved.")
}

// delegationUpdateDelegation changes a delegation's member, OU and policy.
func (s *Server) delegationUpdateDelegation(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := delegation.DelegationInput{UserID: r.PostFormValue("user_id"), OUID: r.PostFormValue("ou_id"), PolicyID: r.PostFormValue("policy_id")}
	d, err := s.delegationSvc().UpdateDelegation(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"), in)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		s.fail(w, r, err)
		return
	}
	s.manageAgain(w, r, r.PostFormValue("connection_id"), err, "Delegation of OU "+d.OUName+" to "+d.UserEmail+" saved.")
}
