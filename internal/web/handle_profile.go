package web

import (
	"context"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

func (s *Server) home(w http.ResponseWriter, r *http.Request) {
	s.R.Render(w, http.StatusOK, HomePage{Layout: s.layout(r, NavOverview), Cards: NewAreaCards(NavSpend, NavAllocation, NavResources, NavChargebacks, NavBudgets, NavAlerts, NavRecommendations, NavM365, NavMarketplace)})
}

func (s *Server) area(key string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		p, _ := NewAreaPage(key)
		p.Layout = s.layout(r, key)
		s.R.Render(w, http.StatusOK, p)
	}
}

func (s *Server) switchOrg(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	p := principalFrom(r.Context())
	target, err := s.Auth.LoadPrincipal(r.Context(), p.User.ID, r.PostFormValue("org_id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), keyOrgID, target.Org.ID)
	s.flash(r, FlashSuccess, "Switched to "+target.Org.Name+".")
	redirect(w, r, "/")
}

func (s *Server) currentSessionHash(r *http.Request) string {
	return store.HashSessionToken(s.Sessions.Token(r.Context()))
}

func (s *Server) profilePage(r *http.Request) (ProfilePage, error) {
	p := principalFrom(r.Context())
	left, err := s.Auth.Store.CountRecoveryCodes(r.Context(), p.User.ID)
	return ProfilePage{Layout: s.layout(r, NavProfile), Name: p.User.Name, Email: p.User.Email,
		HasPassword: p.User.PasswordHash != "", MFAEnabled: p.User.MFAEnabled, MFARequired: p.Org.MFARequired,
		RecoveryCodesLeft: left}, err
}

func (s *Server) profile(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.profilePage)
}

func (s *Server) updateProfile(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.Auth.UpdateProfile(r.Context(), principalFrom(r.Context()), r.PostFormValue("name"), actor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Your profile was saved.")
	redirect(w, r, "/profile")
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	p := principalFrom(r.Context())
	pw := r.PostFormValue("password")
	var err error
	if pw != r.PostFormValue("password_confirm") {
		err = domain.FieldError("password_confirm", "The two passwords do not match.")
	} else {
		err = s.Auth.ChangePassword(r.Context(), p.User, r.PostFormValue("current_password"), pw, s.currentSessionHash(r), actor(r))
	}
	if err != nil {
		page, perr := s.profilePage(r)
		if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
			s.fail(w, r, err)
			return
		}
		page.Password.SetErr(err)
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	s.flash(r, FlashSuccess, "Your password was changed. Your other sessions were signed out.")
	redirect(w, r, "/profile")
}

// mfaSetup offers a new secret; it is kept sealed in the session until a
// code from it confirms the enrolment.
func (s *Server) mfaSetup(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if p.User.MFAEnabled {
		redirect(w, r, "/profile")
		return
	}
	enr, err := s.Auth.BeginMFA(p.User)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	sealed, err := keyvault.SealString(s.Auth.Vault, enr.Secret+"\n"+enr.OTPAuthURL, "mfa-enrol:"+p.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Sessions.Put(r.Context(), keyMFASecret, sealed)
	s.R.Render(w, http.StatusOK, MFASetupPage{Layout: s.layout(r, NavProfile), QRPNG: enr.QRPNG, Secret: enr.Secret})
}

func (s *Server) mfaEnable(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	p := principalFrom(r.Context())
	opened, err := keyvault.OpenString(s.Auth.Vault, s.Sessions.GetString(r.Context(), keyMFASecret), "mfa-enrol:"+p.User.ID)
	secret, otpURL, ok := strings.Cut(opened, "\n")
	if err != nil || !ok {
		redirect(w, r, "/profile/mfa/setup")
		return
	}
	codes, err := s.Auth.EnableMFA(r.Context(), p.User, secret, r.PostFormValue("code"), actor(r))
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			s.fail(w, r, err)
			return
		}
		png, _ := auth.TOTPQRCodePNG(otpURL, 220) // the same secret again
		s.R.Render(w, domain.HTTPStatus(err), MFASetupPage{Layout: s.layout(r, NavProfile), QRPNG: png, Secret: secret, Error: domain.ErrorMessage(err)})
		return
	}
	s.Sessions.Remove(r.Context(), keyMFASecret)
	s.R.Render(w, http.StatusOK, RecoveryCodesPage{Layout: s.layout(r, NavProfile), Codes: codes})
}

func (s *Server) mfaDisable(w http.ResponseWriter, r *http.Request) {
	s.mfaPasswordAction(w, r, func(p string) ([]string, error) {
		return nil, s.Auth.DisableMFA(r.Context(), principalFrom(r.Context()).User, p, actor(r))
	}, "Multi-factor authentication is off.")
}

func (s *Server) mfaRecovery(w http.ResponseWriter, r *http.Request) {
	s.mfaPasswordAction(w, r, func(p string) ([]string, error) {
		return s.Auth.RegenerateRecoveryCodes(r.Context(), principalFrom(r.Context()).User, p, actor(r))
	}, "")
}

// mfaPasswordAction runs an MFA change that needs the current password and
// shows new recovery codes when the action returns some.
func (s *Server) mfaPasswordAction(w http.ResponseWriter, r *http.Request, act func(string) ([]string, error), done string) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	codes, err := act(r.PostFormValue("current_password"))
	if err != nil {
		page, perr := s.profilePage(r)
		if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
			s.fail(w, r, err)
			return
		}
		if r.URL.Path == "/profile/mfa/disable" {
			page.DisableForm.SetErr(err)
		} else {
			page.RecoveryForm.SetErr(err)
		}
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	if codes != nil {
		s.R.Render(w, http.StatusOK, RecoveryCodesPage{Layout: s.layout(r, NavProfile), Codes: codes})
		return
	}
	s.flash(r, FlashSuccess, done)
	redirect(w, r, "/profile")
}

func (s *Server) sessionViews(r *http.Request, list []domain.SessionInfo) []SessionView {
	current := s.currentSessionHash(r)
	out := make([]SessionView, 0, len(list))
	for _, si := range list {
		out = append(out, SessionView{ID: si.ID, Current: si.TokenHash == current, IP: si.IP, UserAgent: si.UserAgent,
			CreatedAt: si.CreatedAt, LastSeenAt: si.LastSeenAt})
	}
	return out
}

func (s *Server) sessions(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	list, err := s.Auth.ListSessions(r.Context(), p, p.User.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, SessionsPage{Layout: s.layout(r, NavProfile), Sessions: s.sessionViews(r, list)})
}

func (s *Server) revokeOwnSession(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	if err := s.Auth.RevokeSession(r.Context(), p, p.User.ID, r.PathValue("id"), actor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "The session was signed out.")
	redirect(w, r, "/profile/sessions")
}

func (s *Server) revokeOtherSessions(w http.ResponseWriter, r *http.Request) {
	n, err := s.Auth.RevokeOtherSessions(r.Context(), principalFrom(r.Context()), s.currentSessionHash(r), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, strconv.Itoa(n)+" other session(s) were signed out.")
	redirect(w, r, "/profile/sessions")
}

func (s *Server) tokensPage(r *http.Request) (TokensPage, error) {
	list, err := s.Auth.ListAPITokens(r.Context(), principalFrom(r.Context()))
	page := TokensPage{Layout: s.layout(r, NavProfile)}
	for _, t := range list {
		page.Tokens = append(page.Tokens, TokenView{ID: t.ID, Name: t.Name, Prefix: auth.APITokenPrefix + t.Prefix, CreatedAt: t.CreatedAt,
			ExpiresAt: t.ExpiresAt, LastUsedAt: t.LastUsedAt, Revoked: t.RevokedAt != nil})
	}
	return page, err
}

func (s *Server) tokens(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.tokensPage)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	name, days := r.PostFormValue("name"), r.PostFormValue("expires_in_days")
	ttl, err := parseDays(days)
	var plain string
	if err == nil {
		plain, _, err = s.Auth.CreateAPIToken(r.Context(), principalFrom(r.Context()), name, ttl, actor(r))
	}
	page, perr := s.tokensPage(r)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		page.SetErr(err)
		page.Name, page.ExpiresIn = name, days
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	page.NewToken, page.NewTokenName = plain, name
	s.R.Render(w, http.StatusOK, page)
}

func parseDays(days string) (time.Duration, error) {
	if days == "" || days == "none" || days == "0" {
		return 0, nil
	}
	n, err := strconv.Atoi(days)
	if err != nil || n < 1 {
		return 0, domain.FieldError("expires_in_days", "Choose how long the token lives.")
	}
	return time.Duration(n) * 24 * time.Hour, nil
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	if err := s.Auth.RevokeAPIToken(r.Context(), principalFrom(r.Context()), r.PathValue("id"), actor(r)); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "The token was revoked. Programs using it can no longer call the API.")
	redirect(w, r, "/profile/tokens")
}

// notFound renders the 404 page for unknown addresses outside the API.
func (s *Server) notFound(w http.ResponseWriter, r *http.Request) {
	if p, err := s.loadPrincipal(r); err == nil {
		r = r.WithContext(context.WithValue(r.Context(), principalKey, p))
	}
	s.fail(w, r, domain.ErrNotFound)
}
