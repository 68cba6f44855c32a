package web

import (
	"context"
	"net/http"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

func (s *Server) forgotForm(w http.ResponseWriter, r *http.Request) {
	s.R.Render(w, http.StatusOK, ForgotPage{Email: r.URL.Query().Get("email")})
}

// forgot answers the same whether or not the account exists.
func (s *Server) forgot(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	email := r.PostFormValue("email")
	if err := s.Auth.RequestPasswordReset(r.Context(), email, who(r)); err != nil {
		if err == auth.ErrFederated {
			s.R.Render(w, http.StatusForbidden, ForgotPage{Email: email, Error: domain.ErrorMessage(err)})
			return
		}
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, ForgotPage{Email: email, Sent: true})
}

func (s *Server) resetForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	u, err := s.Auth.CheckLink(r.Context(), token, auth.PurposeReset)
	if err != nil {
		s.R.Render(w, http.StatusGone, ResetPage{InvalidLink: true})
		return
	}
	s.R.Render(w, http.StatusOK, ResetPage{Token: token, Email: u.Email})
}

func (s *Server) reset(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	page := ResetPage{Token: r.PostFormValue("token")}
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password_confirm") {
		page.SetErr(domain.FieldError("password_confirm", "The two passwords do not match."))
		s.R.Render(w, http.StatusBadRequest, page)
		return
	}
	u, err := s.Auth.ResetPassword(r.Context(), page.Token, pw, who(r))
	page.Email = u.Email
	if err != nil {
		if domain.ErrorField(err) == "token" {
			s.R.Render(w, http.StatusGone, ResetPage{InvalidLink: true})
			return
		}
		page.SetErr(err)
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	// Every session of the account ended, this browser's too.
	_ = s.Sessions.Destroy(r.Context())
	s.R.Render(w, http.StatusOK, ResetPage{Done: true, Email: u.Email})
}

func (s *Server) inviteForm(w http.ResponseWriter, r *http.Request) {
	token := r.PathValue("token")
	u, err := s.Auth.CheckLink(r.Context(), token, auth.PurposeInvite)
	if err != nil {
		s.R.Render(w, http.StatusGone, AcceptInvitePage{InvalidLink: true})
		return
	}
	s.R.Render(w, http.StatusOK, AcceptInvitePage{Token: token, Email: u.Email, Name: u.Name,
		OrgName: s.inviteOrgName(r.Context(), token)})
}

// inviteOrgName names the organisation an invitation link joins, so the
// page can say where the person is going ("" when it cannot be found).
func (s *Server) inviteOrgName(ctx context.Context, token string) string {
	t, err := s.Auth.Store.PeekUserToken(ctx, auth.HashSecretToken(token), auth.PurposeInvite, domain.Now())
	if err != nil || t.OrgID == "" {
		return ""
	}
	o, err := s.Auth.Store.GetOrg(ctx, t.OrgID)
	if err != nil {
		return ""
	}
	return o.Name
}

func (s *Server) acceptInvite(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	page := AcceptInvitePage{Token: r.PostFormValue("token"), Name: r.PostFormValue("name")}
	page.OrgName = s.inviteOrgName(r.Context(), page.Token)
	pw := r.PostFormValue("password")
	if pw != r.PostFormValue("password_confirm") {
		page.SetErr(domain.FieldError("password_confirm", "The two passwords do not match."))
		s.R.Render(w, http.StatusBadRequest, page)
		return
	}
	u, err := s.Auth.AcceptInvitation(r.Context(), page.Token, page.Name, pw, who(r))
	page.Email = u.Email
	if err != nil {
		if domain.ErrorField(err) == "token" {
			s.R.Render(w, http.StatusGone, AcceptInvitePage{InvalidLink: true})
			return
		}
		page.SetErr(err)
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	s.R.Render(w, http.StatusOK, AcceptInvitePage{Done: true, Email: u.Email})
}

// strength returns the meter fragment for a password being typed. It is
// only computed, never stored or logged.
func (s *Server) strength(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	pw := r.PostFormValue("password")
	if pw == "" {
		w.WriteHeader(http.StatusOK)
		return
	}
	rep := auth.PasswordStrength(pw, r.PostFormValue("email"))
	s.R.RenderPartial(w, "strength", StrengthView{Score: rep.Score, Label: rep.Label, Feedback: rep.Feedback, Acceptable: rep.Acceptable})
}
