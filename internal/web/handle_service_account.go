package web

import (
	"encoding/json"
	"net/http"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/svcaccount"
)

// ServiceAccountView is a Microsoft 365 connection's Service account
// section: the account (never its password) and, for managers, the form
// whose script encrypts the password to the collector key (KeyJSON).
type ServiceAccountView struct {
	ConnID    string
	CanManage bool
	Account   *svcaccount.Account
	KeyJSON   string // the collector's public JWK
	KeyError  string // why the form cannot be offered
	Error     string // why the last post was refused
}

// serviceAccountView builds the section for an M365 connection (nil for
// other kinds or without a service).
func (s *Server) serviceAccountView(r *http.Request, p *auth.Principal, kind, connID string) (*ServiceAccountView, error) {
	if kind != "m365" {
		return nil, nil
	}
	v := &ServiceAccountView{ConnID: connID, CanManage: p.Can(auth.PermConnectionsManage)}
	acct, err := s.serviceAccounts().Get(r.Context(), p, connID)
	switch {
	case err == nil:
		v.Account = &acct
	case domain.ErrorCode(err) != domain.CodeNotFound:
		return nil, err
	}
	if !v.CanManage {
		return v, nil
	}
	key, err := s.serviceAccounts().PublicKey(r.Context(), p)
	if err != nil {
		v.KeyError = "The collector key is not available: " + domain.ErrorMessage(err)
		return v, nil
	}
	b, _ := json.Marshal(key)
	v.KeyJSON = string(b)
	return v, nil
}

// saveServiceAccount stores the username and the password JWE the page's
// script made. The password field has no name, so the plaintext is never
// posted; without JavaScript password_jwe is empty and is refused.
func (s *Server) saveServiceAccount(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	in := svcaccount.Input{Username: r.PostFormValue("username"), PasswordJWE: r.PostFormValue("password_jwe")}
	if _, err := s.serviceAccounts().Set(r.Context(), principalFrom(r.Context()), actor(r), id, in); err != nil {
		s.serviceAccountAgain(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Service account saved (its password only as ciphertext). The next sync signs in with it.")
	redirect(w, r, "/connections/"+id+"#service-account")
}

func (s *Server) deleteServiceAccount(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if err := s.serviceAccounts().Delete(r.Context(), principalFrom(r.Context()), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Service account removed.")
	redirect(w, r, "/connections/"+id+"#service-account")
}

// serviceAccountAgain shows the connection page with the form's error.
func (s *Server) serviceAccountAgain(w http.ResponseWriter, r *http.Request, err error) {
	if domain.ErrorCode(err) != domain.CodeInvalid {
		s.fail(w, r, err)
		return
	}
	page, perr := s.connectionPage(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	page.Error = "The service account was not saved: " + domain.ErrorMessage(err)
	if page.ServiceAccount != nil {
		page.ServiceAccount.Error = domain.ErrorMessage(err)
	}
	s.R.Render(w, domain.HTTPStatus(err), page)
}

// serviceAccounts is the configured service, or one over Auth.Store
// without a collector key (the form then says the key is unavailable).
func (s *Server) serviceAccounts() *svcaccount.Service {
	if s.ServiceAccounts != nil {
		return s.ServiceAccounts
	}
	return &svcaccount.Service{Store: s.Auth.Store}
}

func (s *Server) serviceAccountRoutes() []Route {
	return []Route{
		{Pattern: "POST /connections/{id}/service-account", Access: Needs, Perm: auth.PermConnectionsManage, handler: s.saveServiceAccount},
		{Pattern: "POST /connections/{id}/service-account/delete", Access: Needs, Perm: auth.PermConnectionsManage, handler: s.deleteServiceAccount},
	}
}
