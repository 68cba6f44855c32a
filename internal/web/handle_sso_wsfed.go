package web

import (
	"net/http"

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
