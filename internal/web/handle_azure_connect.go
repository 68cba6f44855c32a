package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// keyAzureOnboarding holds the Azure onboarding in progress (state, PKCE
// verifier, options; never a token) between Entra's redirects.
const keyAzureOnboarding = "azure_onboarding"

// azureConnectRoutes are the Azure admin-consent onboarding: the form's
// POST and Entra's redirects back (after the consent, then the sign-in).
func (s *Server) azureConnectRoutes() []Route {
	manage := auth.PermConnectionsManage
	return []Route{
		{Pattern: "POST /connections/azure", Access: Needs, Perm: manage, handler: s.startAzureConnect},
		{Pattern: "GET " + azureconn.CallbackPath, Access: Needs, Perm: manage, handler: s.azureCallback},
	}
}

// AzureGrantPage is the onboarding's outcome: per subscription the roles
// Canopy's service principal now holds, or why none were given.
type AzureGrantPage struct {
	Layout
	Name, ConnID, Tenant string
	Error                string
	Rows                 []AzureGrantRow
	Reservations         *AzureGrantRow
}

func (AzureGrantPage) Template() string { return "azure_connect_report" }

// AzureGrantRow is one subscription of the grant report.
type AzureGrantRow struct {
	ID, Name, State, Granted, Skipped string
}

// AzureTokenView is an Azure connection's token state, shown with its fix
// when the newest sync failed for it.
type AzureTokenView struct {
	State, Label, Fix, HelpSlug string
}

// AzureToken is the token state the connection's newest sync failed with
// (nil for other kinds, other failures and successful syncs).
func (p ConnectionPage) AzureToken() *AzureTokenView {
	if p.Conn.Kind != string(connect.KindAzure) || len(p.History) == 0 || p.History[0].State != store.SyncFailed {
		return nil
	}
	st, label, fix, slug, ok := azureconn.TokenStateOf(p.History[0].Error)
	if !ok {
		return nil
	}
	return &AzureTokenView{State: string(st), Label: label, Fix: fix, HelpSlug: slug}
}

func (s *Server) startAzureConnect(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	if s.Connections == nil {
		s.fail(w, r, errors.New("connections are not available"))
		return
	}
	o, to, err := azureconn.StartOnboarding(s.Connections.Env, r.PostFormValue("azure_name"), r.PostFormValue("azure_tenant"),
		r.PostFormValue("tag_write") == "on", r.PostFormValue("reservations") == "on")
	if err != nil {
		s.flash(r, FlashError, domain.ErrorMessage(err))
		redirect(w, r, "/connections#azure-h")
		return
	}
	raw, _ := json.Marshal(o)
	s.Sessions.Put(r.Context(), keyAzureOnboarding, string(raw))
	// A redirect would do, but the CSP's form-action 'self' stops a form
	// post redirected to another origin: this page goes on by itself.
	page := AzureContinuePage{Layout: s.layout(r, NavConnections), URL: to}
	s.R.Render(w, http.StatusOK, page)
}

// AzureContinuePage sends the browser on to Entra's admin consent.
type AzureContinuePage struct {
	Layout
	URL string
}

func (AzureContinuePage) Template() string { return "azure_connect_continue" }

// azureCallback takes Entra's redirects: after the admin consent it sends
// the browser on to the Owner's sign-in; after that it grants the roles,
// creates the connection and shows the report.
func (s *Server) azureCallback(w http.ResponseWriter, r *http.Request) {
	var o azureconn.Onboarding
	raw := s.Sessions.GetString(r.Context(), keyAzureOnboarding)
	if raw == "" && s.Connections != nil {
		raw = s.azureFromAPIState(r)
	}
	if s.Connections == nil || raw == "" || json.Unmarshal([]byte(raw), &o) != nil {
		s.azureFailed(w, r, AzureGrantPage{Error: "No Azure connection is being added in this browser. Start again from Connections."})
		return
	}
	page := AzureGrantPage{Name: o.Name, Tenant: o.Tenant}
	if o.Step == azureconn.StepConsent {
		to, err := o.Consented(s.Connections.Env, r.URL.Query())
		if err != nil {
			s.Sessions.Remove(r.Context(), keyAzureOnboarding)
			page.Error = domain.ErrorMessage(err)
			s.azureFailed(w, r, page)
			return
		}
		raw, _ := json.Marshal(o)
		s.Sessions.Put(r.Context(), keyAzureOnboarding, string(raw))
		redirect(w, r, to)
		return
	}
	s.Sessions.Remove(r.Context(), keyAzureOnboarding)
	s.finishAzureConnect(w, r, o, page)
}

func (s *Server) finishAzureConnect(w http.ResponseWriter, r *http.Request, o azureconn.Onboarding, page AzureGrantPage) {
	done, err := o.Finish(r.Context(), s.Connections.Env, r.URL.Query())
	page.Tenant = o.Tenant
	page.Rows, page.Reservations = grantRows(done.Report)
	p := principalFrom(r.Context())
	if len(page.Rows) > 0 {
		audit.MustRecord(r.Context(), s.Connections.Store, actor(r), audit.Entry{OrgID: p.Org.ID, Action: "connection.azure_grant",
			TargetType: "azure_tenant", TargetID: o.Tenant, Details: map[string]any{"name": o.Name, "subscriptions": grantSummary(page.Rows)}})
	}
	switch {
	case errors.Is(err, azureconn.ErrNothingGranted):
		page.Error = "Canopy got no role on any subscription: the account that signed in is Owner of no enabled subscription. Sign in as an Owner (see /help/azure-owner-role)."
	case err != nil:
		page.Error = domain.ErrorMessage(err)
	}
	if page.Error != "" {
		s.azureFailed(w, r, page)
		return
	}
	name := o.Name
	c, err := s.Connections.Create(r.Context(), p, actor(r), connect.Input{Kind: connect.KindAzure, Name: &name, Settings: done.Settings})
	if err != nil {
		page.Error = "The roles were granted, but the connection could not be saved: " + domain.ErrorMessage(err)
		s.azureFailed(w, r, page)
		return
	}
	page.ConnID = c.ID
	page.Layout = s.layout(r, NavConnections)
	page.Title = "Azure connected"
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) azureFailed(w http.ResponseWriter, r *http.Request, page AzureGrantPage) {
	page.Layout = s.layout(r, NavConnections)
	page.Title = "Azure not connected"
	s.R.Render(w, http.StatusBadRequest, page)
}

func grantRows(rep azureconn.GrantReport) ([]AzureGrantRow, *AzureGrantRow) {
	row := func(g azureconn.SubscriptionGrant) AzureGrantRow {
		return AzureGrantRow{ID: g.ID, Name: g.Name, State: g.State, Granted: strings.Join(g.Granted, ", "), Skipped: g.Skipped}
	}
	var rows []AzureGrantRow
	for _, g := range rep.Subscriptions {
		rows = append(rows, row(g))
	}
	if rep.Reservations == nil {
		return rows, nil
	}
	res := row(*rep.Reservations)
	return rows, &res
}

func grantSummary(rows []AzureGrantRow) map[string]string {
	m := map[string]string{}
	for _, r := range rows {
		if r.Granted != "" {
			m[r.ID] = "granted: " + r.Granted
		} else {
			m[r.ID] = "skipped: " + r.Skipped
		}
	}
	return m
}

// azureFromAPIState restores an onboarding a program started through the
// API (POST /api/v1/connections/azure/consent), sealed into the state for
// the signed-in member's organisation.
func (s *Server) azureFromAPIState(r *http.Request) string {
	var o azureconn.Onboarding
	st := r.URL.Query().Get("state")
	if st == "" || s.Connections.OpenState(principalFrom(r.Context()).Org.ID, st, &o) != nil || o.Step != azureconn.StepConsent {
		return ""
	}
	o.State = st
	raw, _ := json.Marshal(o)
	return string(raw)
}
