package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
)

// delegationComplianceRoutes are the configuration policies of an OU
// (m365.delegate) and the compliance report (m365.read) with its
// Remediate buttons (m365.read, then the action gate: a delegation or
// m365.manage).
func (s *Server) delegationComplianceRoutes() []Route {
	return []Route{
		{Pattern: "POST /m365/delegation/ous/{id}/required", Access: Needs, Perm: auth.PermM365Delegate, handler: s.delegationSetRequired},
		{Pattern: "GET /m365/delegation/compliance", Access: Needs, Perm: auth.PermM365Read, handler: s.delegationCompliance},
		{Pattern: "POST /m365/delegation/compliance/remediate", Access: Needs, Perm: auth.PermM365Read, handler: s.delegationRemediate},
	}
}

// delegationSetRequired replaces an OU's required attributes from the
// rows attribute_N / value_N.
func (s *Server) delegationSetRequired(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	var req []delegation.Requirement
	for i := 0; r.PostForm.Has("attribute_" + strconv.Itoa(i)); i++ {
		n := strconv.Itoa(i)
		if a := strings.TrimSpace(r.PostFormValue("attribute_" + n)); a != "" {
			req = append(req, delegation.Requirement{Attribute: a, Value: strings.TrimSpace(r.PostFormValue("value_" + n))})
		}
	}
	auto := r.PostFormValue("auto_remediate") != ""
	o, err := s.delegationSvc().SetRequirements(r.Context(), p, actor(r), r.PathValue("id"), req, &auto)
	if err != nil {
		if domain.HTTPStatus(err) >= 500 || domain.ErrorCode(err) == domain.CodeNotFound {
			s.fail(w, r, err)
			return
		}
		page, perr := s.delegationOUPage(r, r.PathValue("id"))
		if perr != nil {
			s.fail(w, r, perr)
			return
		}
		page.Error = fieldMessage(err)
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	s.flash(r, FlashSuccess, "Required attributes of OU "+o.Name+" saved.")
	redirect(w, r, "/m365/delegation/ous/"+o.ID)
}

func (s *Server) delegationCompliancePage(r *http.Request, connID string) (DelegationCompliancePage, error) {
	p := principalFrom(r.Context())
	page := DelegationCompliancePage{Layout: s.layout(r, NavM365)}
	var err error
	if page.Connections, page.ConnectionID, err = s.delegationConnections(r, connID); err != nil || page.ConnectionID == "" {
		return page, err
	}
	page.Report, err = s.delegationSvc().Compliance(r.Context(), p, page.ConnectionID)
	return page, err
}

func (s *Server) delegationCompliance(w http.ResponseWriter, r *http.Request) {
	page, err := s.delegationCompliancePage(r, r.URL.Query().Get("connection"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}

// delegationRemediate fixes one deviation (id, attribute) or all (all=1)
// through Remediate and shows the results above the report.
func (s *Server) delegationRemediate(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	connID, da := r.PostFormValue("connection_id"), delegation.ActorOf(p)
	if err := s.delegationSvc().MayAct(r.Context(), p.Org.ID, da, connID); err != nil {
		s.fail(w, r, err)
		return
	}
	var refs []delegation.DeviationRef
	if r.PostFormValue("all") == "" {
		refs = []delegation.DeviationRef{{ObjectID: r.PostFormValue("id"), Attribute: r.PostFormValue("attribute")}}
	}
	rem, remErr := s.delegationSvc().Remediate(r.Context(), p.Org.ID, da, actor(r), connID, refs)
	if remErr != nil && domain.HTTPStatus(remErr) >= 500 {
		s.fail(w, r, remErr)
		return
	}
	page, err := s.delegationCompliancePage(r, connID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if remErr != nil {
		page.Error = fieldMessage(remErr)
	} else {
		page.Remedies = rem.Results
	}
	s.R.Render(w, http.StatusOK, page)
}
