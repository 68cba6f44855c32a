package api

import (
	"net/http"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/svcaccount"
)

// WithServiceAccounts serves the collector's public key and the Microsoft
// 365 connections' service accounts. keys gives only the public key; the
// API never decrypts a password.
func (a *API) WithServiceAccounts(keys svcaccount.PublicKeys) *API {
	if a.svc != nil {
		a.serviceAccounts = &svcaccount.Service{Store: a.svc.Store, Keys: keys}
	}
	return a
}

// serviceAccountRoutes: the collector's public key (JWK) and the service
// account of a Microsoft 365 connection, whose password arrives only as a
// JWE encrypted to that key.
func (a *API) serviceAccountRoutes() []route {
	return []route{
		signedIn("GET", "/m365/collector-key", auth.PermConnectionsRead, a.collectorKey),
		signedIn("GET", "/m365/connections/{connection_id}/service-account", auth.PermConnectionsRead, a.getServiceAccount),
		signedIn("PUT", "/m365/connections/{connection_id}/service-account", auth.PermConnectionsManage, a.putServiceAccount),
		signedIn("DELETE", "/m365/connections/{connection_id}/service-account", auth.PermConnectionsManage, a.deleteServiceAccount),
	}
}

func (a *API) collectorKey(w http.ResponseWriter, r *http.Request, c *call) error {
	k, err := a.serviceAccounts.PublicKey(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, k)
}

func (a *API) getServiceAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	acct, err := a.serviceAccounts.Get(r.Context(), c.P, r.PathValue("connection_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, acct)
}

func (a *API) putServiceAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	var in svcaccount.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	acct, err := a.serviceAccounts.Set(r.Context(), c.P, c.Who, r.PathValue("connection_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, acct)
}

func (a *API) deleteServiceAccount(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.serviceAccounts.Delete(r.Context(), c.P, c.Who, r.PathValue("connection_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
