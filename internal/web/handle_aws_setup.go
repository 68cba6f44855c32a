package web

import (
	"net/http"

	"github.com/canopyhq/canopy/internal/connect"
	awsconn "github.com/canopyhq/canopy/internal/connect/aws"
)

// awsSetup is an AWS connection's role trust page: the help page with
// this connection's external ID and Canopy's AWS account filled in (the
// static /help/aws-role-trust has placeholders).
func (s *Server) awsSetup(w http.ResponseWriter, r *http.Request) {
	c, err := s.Connections.Get(r.Context(), principalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if c.Kind != string(connect.KindAWS) {
		s.notFound(w, r)
		return
	}
	h := awsconn.SetupPage(r.Context(), s.Connections.Env, c)
	page := HelpPageView{Layout: s.layout(r, NavConnections), Help: h}
	page.Title = h.Title
	s.R.Render(w, http.StatusOK, page)
}
