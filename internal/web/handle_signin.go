package web

import (
	"errors"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/store"
)

func (s *Server) signInEmailForm(w http.ResponseWriter, r *http.Request) {
	if s.Sessions.GetString(r.Context(), keyUserID) != "" {
		redirect(w, r, safeNext(r.URL.Query().Get("next")))
		return
	}
	s.R.Render(w, http.StatusOK, SignInEmailPage{Next: r.URL.Query().Get("next")})
}

// signInEmail is the first step: an email whose domain belongs to an
// enabled single sign-on connection goes to its identity provider
// (home-realm discovery); every other email gets the password step.
func (s *Server) signInEmail(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	next := r.PostFormValue("next")
	if !strings.Contains(email, "@") || len(email) > 254 {
		s.R.Render(w, http.StatusBadRequest, SignInEmailPage{Email: email, Next: next,
			Error: "Enter your work email address, like name@example.com."})
		return
	}
	c, federated, err := s.federatedConnection(r, email)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if federated {
		if err := s.beginSSO(w, r, c, email, next, ""); err != nil {
			var refusal *sso.Refusal
			if !errors.As(err, &refusal) && domain.ErrorCode(err) == domain.CodeInternal {
				s.fail(w, r, err)
				return
			}
			msg := domain.ErrorMessage(err)
			if refusal != nil {
				msg = refusal.Message
			}
			s.R.Render(w, http.StatusServiceUnavailable, SignInEmailPage{Email: email, Next: next, Error: msg})
		}
		return
	}
	s.R.Render(w, http.StatusOK, SignInPasswordPage{Email: email, Next: next})
}

func (s *Server) signInPassword(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx := r.Context()
	email, next := r.PostFormValue("email"), r.PostFormValue("next")
	u, err := s.Auth.Authenticate(ctx, email, r.PostFormValue("password"), who(r))
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			s.fail(w, r, err)
			return
		}
		s.R.Render(w, domain.HTTPStatus(err), SignInPasswordPage{Email: email, Next: next, Error: domain.ErrorMessage(err)})
		return
	}
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	s.Sessions.Put(ctx, keyNext, next)
	s.Sessions.Remove(ctx, keySSOConn) // a password sign-in, whatever this browser did before
	s.Sessions.Remove(ctx, keySSOLogout)
	if u.MFAEnabled {
		s.Sessions.Put(ctx, keyPendingUID, u.ID)
		s.Sessions.Put(ctx, keyPendingAt, domain.Now())
		redirect(w, r, "/signin/mfa")
		return
	}
	s.completeSignIn(w, r, u)
}

func (s *Server) pendingUser(r *http.Request) string {
	ctx := r.Context()
	uid := s.Sessions.GetString(ctx, keyPendingUID)
	if uid == "" || domain.Now().Sub(s.Sessions.GetTime(ctx, keyPendingAt)) > pendingTTL {
		return ""
	}
	return uid
}

func (s *Server) signInMFAForm(w http.ResponseWriter, r *http.Request) {
	if s.pendingUser(r) == "" {
		redirect(w, r, "/signin")
		return
	}
	s.R.Render(w, http.StatusOK, SignInMFAPage{})
}

func (s *Server) signInMFA(w http.ResponseWriter, r *http.Request) {
	uid := s.pendingUser(r)
	if uid == "" {
		redirect(w, r, "/signin")
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	recovery := strings.TrimSpace(r.PostFormValue("recovery_code"))
	err := s.Auth.VerifySecondFactor(r.Context(), uid, r.PostFormValue("code"), recovery, who(r))
	if err != nil {
		if domain.ErrorCode(err) == domain.CodeInternal {
			s.fail(w, r, err)
			return
		}
		s.R.Render(w, domain.HTTPStatus(err), SignInMFAPage{Error: domain.ErrorMessage(err), UseRecovery: recovery != ""})
		return
	}
	u, err := s.Auth.Store.GetUser(r.Context(), uid)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.completeSignIn(w, r, u)
}

// completeSignIn issues a fresh session token for the signed-in user (no
// fixation) and records the sign-in.
func (s *Server) completeSignIn(w http.ResponseWriter, r *http.Request, u domain.User) {
	ctx := r.Context()
	if err := s.Sessions.RenewToken(ctx); err != nil {
		s.fail(w, r, err)
		return
	}
	oid, err := s.Auth.DefaultOrg(ctx, u.ID, s.Sessions.GetString(ctx, keyOrgID))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.Sessions.Remove(ctx, keyPendingUID)
	s.Sessions.Remove(ctx, keyPendingAt)
	s.Sessions.Put(ctx, keyUserID, u.ID)
	s.Sessions.Put(ctx, keyOrgID, oid)
	s.Sessions.Put(ctx, keySeenAt, domain.Now())
	how := map[string]any{"method": "password"}
	conn := s.Sessions.PopString(ctx, keySSOConn)
	if conn != "" {
		how = map[string]any{"method": "sso", "connection": conn}
	}
	hash := store.HashSessionToken(s.Sessions.Token(ctx))
	if err := s.Auth.StartSessionBy(ctx, u, hash, who(r), how); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := s.recordSSOSession(r, conn, hash, oid, u.ID); err != nil {
		s.fail(w, r, err)
		return
	}
	redirect(w, r, safeNext(s.Sessions.PopString(ctx, keyNext)))
}

// notSetUp is shown to a person whose identity was proven (by an identity
// provider) but who has no Canopy account.
func (s *Server) notSetUp(w http.ResponseWriter, r *http.Request) {
	s.R.Render(w, http.StatusForbidden, NotSetUpPage{Email: s.Sessions.GetString(r.Context(), "unknown_email")})
}
