package web

import (
	"net/http"

	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/store"
)

// beginWSFed sends the browser to the connection's STS with a wsignin1.0
// request (the email as username hint, the state as wctx); the state stays
// in this browser's session. The STS posts the token back to
// POST /login/callback (ssoPostCallback).
func (s *Server) beginWSFed(w http.ResponseWriter, r *http.Request, c store.SSOConnection, email, next, testBy string) error {
	to, state, err := s.ssoSvc().BeginWSFed(r.Context(), c, email, next, testBy, who(r))
	if err != nil {
		return err
	}
	s.Sessions.Put(r.Context(), keySSOState, state)
	s.R.Render(w, http.StatusOK, SSOContinuePage{URL: to, Provider: c.Name})
	return nil
}

// signedOutGIF is a transparent 1×1 GIF: the answer to wsignoutcleanup1.0,
// which the STS loads in an image or a frame.
var signedOutGIF = []byte("GIF89a\x01\x00\x01\x00\x80\x00\x00\x00\x00\x00\xff\xff\xff!\xf9\x04\x01\x00\x00\x00\x00" +
	",\x00\x00\x00\x00\x01\x00\x01\x00\x00\x02\x02D\x01\x00;")

// wsfedSignOut answers the STS's wsignoutcleanup1.0 (ADFS loads the
// relying party's reply URL with it in a frame when the person signs out
// there) or wsignout1.0 on GET /login/callback or /logout/callback. The
// request is not signed, so it acts only on this browser's own session:
// the one of the cookie that comes with it, when it was signed in through
// this connection (sso.Service.WSFedSignOut ends it in the database with
// the person's other sessions of the connection). Cleanup is answered with
// an image, wsignout1.0 with the signed-out page; wreply is never followed.
func (s *Server) wsfedSignOut(w http.ResponseWriter, r *http.Request, msg wsfed.SignOutMessage) {
	ctx := r.Context()
	mine := ""
	if tok := s.Sessions.Token(ctx); tok != "" {
		mine = store.HashSessionToken(tok)
	}
	ended, provider, err := s.ssoSvc().WSFedSignOut(ctx, r.URL.Query().Get("connection"), msg, mine, who(r))
	if !s.providerLogoutDone(w, r, ended, err) {
		return
	}
	w.Header().Set("Cache-Control", "no-cache, no-store")
	if msg.Action == wsfed.ActionSignOutCleanup {
		w.Header().Set("Content-Type", "image/gif")
		_, _ = w.Write(signedOutGIF)
		return
	}
	s.R.Render(w, http.StatusOK, SignedOutPage{Provider: provider, Confirmed: len(ended) > 0})
}
