package api

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// WithConnections enables the connection endpoints (served by s).
func (a *API) WithConnections(s *connect.Service) *API {
	a.connections = s
	if a.delegation != nil {
		// Administrative actions reach the tenants with the installation's
		// app and endpoints, read at call time (the demo cloud sets them late).
		a.delegation.Tenants = func(_ context.Context, conn store.Connection) (m365.Tenant, error) {
			return m365.Connector{}.TenantFor(s.Env, conn.Settings)
		}
	}
	return a
}

// connectionRoutes are the /connections endpoints. A secret goes in and
// is never sent back: responses say only whether one is stored.
func (a *API) connectionRoutes() []route {
	return append([]route{
		signedIn("GET", "/connections", auth.PermConnectionsRead, a.listConnections),
		signedIn("POST", "/connections", auth.PermConnectionsManage, a.createConnection),
		signedIn("GET", "/connections/{connection_id}", auth.PermConnectionsRead, a.getConnection),
		signedIn("PATCH", "/connections/{connection_id}", auth.PermConnectionsManage, a.updateConnection),
		signedIn("DELETE", "/connections/{connection_id}", auth.PermConnectionsManage, a.deleteConnection),
		signedIn("POST", "/connections/{connection_id}/sync", auth.PermConnectionsManage, a.syncConnection),
		signedIn("GET", "/connections/{connection_id}/syncs", auth.PermConnectionsRead, a.listSyncs),
		signedIn("GET", "/connections/{connection_id}/syncs/{sync_id}", auth.PermConnectionsRead, a.getSync),
		signedIn("GET", "/connections/{connection_id}/doctor", auth.PermConnectionsRead, a.getDoctor),
		signedIn("POST", "/connections/{connection_id}/doctor", auth.PermConnectionsManage, a.runDoctor),
	}, a.onboardRoutes()...)
}

// connectionBody is POST's and PATCH's body; absent fields keep their
// value on PATCH, and an absent or empty secret keeps the stored one.
type connectionBody struct {
	Kind     *string         `json:"kind"`
	Name     *string         `json:"name"`
	Settings json.RawMessage `json:"settings"`
	Secret   *string         `json:"secret"`
	SyncHour *int            `json:"sync_hour"`
	Enabled  *bool           `json:"enabled"`
}

func (b connectionBody) input() connect.Input {
	in := connect.Input{Name: b.Name, Settings: b.Settings, SyncHour: b.SyncHour, Enabled: b.Enabled}
	if b.Kind != nil {
		in.Kind = connect.Kind(*b.Kind)
	}
	if b.Secret != nil {
		in.Secret = []byte(*b.Secret)
	}
	return in
}

func connectionURL(id string) string { return Prefix + "/connections/" + url.PathEscape(id) }

func (a *API) listConnections(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.connections.Overviews(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, connectionOf, ""))
}

func (a *API) createConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	var body connectionBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	conn, err := a.connections.Create(r.Context(), c.P, c.Who, body.input())
	if err != nil {
		return err
	}
	w.Header().Set("Location", connectionURL(conn.ID))
	return writeJSON(w, http.StatusCreated, connectionOf(connect.Overview{Connection: conn}))
}

func (a *API) getConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	o, err := a.connections.GetOverview(r.Context(), c.P, r.PathValue("connection_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, connectionOf(o))
}

func (a *API) updateConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	var body connectionBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if body.Kind != nil {
		return domain.FieldError("kind", "The kind of a connection cannot change; create another connection.")
	}
	id := r.PathValue("connection_id")
	if _, err := a.connections.Update(r.Context(), c.P, c.Who, id, body.input()); err != nil {
		return err
	}
	return a.getConnection(w, r, c)
}

func (a *API) deleteConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.connections.Delete(r.Context(), c.P, c.Who, r.PathValue("connection_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) syncConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	id := r.PathValue("connection_id")
	y, err := a.connections.SyncNow(r.Context(), c.P, c.Who, id)
	if err != nil {
		return err
	}
	w.Header().Set("Location", connectionURL(id)+"/syncs/"+url.PathEscape(y.ID))
	return writeJSON(w, http.StatusAccepted, syncOf(y))
}

func (a *API) listSyncs(w http.ResponseWriter, r *http.Request, c *call) error {
	limit, cursor, err := pageParams(r.URL.Query())
	if err != nil {
		return err
	}
	list, next, err := a.connections.Syncs(r.Context(), c.P, r.PathValue("connection_id"), limit, cursor)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, syncOf, next))
}

func (a *API) getSync(w http.ResponseWriter, r *http.Request, c *call) error {
	y, err := a.connections.Sync(r.Context(), c.P, r.PathValue("connection_id"), r.PathValue("sync_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, syncOf(y))
}

func (a *API) getDoctor(w http.ResponseWriter, r *http.Request, c *call) error {
	checks, err := a.connections.Doctor(r.Context(), c.P, r.PathValue("connection_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(checks, checkOf, ""))
}

func (a *API) runDoctor(w http.ResponseWriter, r *http.Request, c *call) error {
	checks, err := a.connections.RunDoctor(r.Context(), c.P, r.PathValue("connection_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(checks, checkOf, ""))
}
