package api

import (
	"context"
	"net/http"
	"net/url"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/sso"
)

// ssoRoutes are the /sso/connections endpoints.
func (a *API) ssoRoutes() []route {
	return []route{
		signedIn("GET", "/sso/connections", auth.PermSettingsManage, a.listSSOConnections),
		signedIn("POST", "/sso/connections", auth.PermSettingsManage, a.createSSOConnection),
		signedIn("GET", "/sso/connections/{sso_connection_id}", auth.PermSettingsManage, a.getSSOConnection),
		signedIn("PUT", "/sso/connections/{sso_connection_id}", auth.PermSettingsManage, a.updateSSOConnection),
		signedIn("DELETE", "/sso/connections/{sso_connection_id}", auth.PermSettingsManage, a.deleteSSOConnection),
		signedIn("POST", "/sso/connections/{sso_connection_id}/sp-certificate/rotate", auth.PermSettingsManage, a.spKeyStep((*sso.Service).RotateSPKey)),
		signedIn("POST", "/sso/connections/{sso_connection_id}/sp-certificate/activate", auth.PermSettingsManage, a.spKeyStep((*sso.Service).ActivateSPKey)),
		signedIn("DELETE", "/sso/connections/{sso_connection_id}/sp-certificate/previous", auth.PermSettingsManage, a.spKeyStep((*sso.Service).RemovePreviousSPKey)),
	}
}

func (a *API) sso() *sso.Service {
	return &sso.Service{Store: a.svc.Store, Vault: a.svc.Vault, BaseURL: a.svc.BaseURL}
}

func (a *API) listSSOConnections(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.sso().Connections(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[sso.Connection], ""))
}

func (a *API) createSSOConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	var in sso.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	conn, err := a.sso().CreateConnection(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/sso/connections/"+url.PathEscape(conn.ID))
	return writeJSON(w, http.StatusCreated, conn)
}

func (a *API) getSSOConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	conn, err := a.sso().Connection(r.Context(), c.P, r.PathValue("sso_connection_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, conn)
}

func (a *API) updateSSOConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	var in sso.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	conn, err := a.sso().UpdateConnection(r.Context(), c.P, c.Who, r.PathValue("sso_connection_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, conn)
}

func (a *API) deleteSSOConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.sso().DeleteConnection(r.Context(), c.P, c.Who, r.PathValue("sso_connection_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// spKeyStep answers a step of a SAML connection's key rotation with the
// connection as it is afterwards.
func (a *API) spKeyStep(step func(*sso.Service, context.Context, *auth.Principal, audit.Actor, string) (sso.Connection, error)) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		conn, err := step(a.sso(), r.Context(), c.P, c.Who, r.PathValue("sso_connection_id"))
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, conn)
	}
}
