package web

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"net/http"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
)

// keyConsentOnboarding holds a Microsoft 365 or Partner Center admin
// consent in progress (kind, name, tenant, state; never a token).
const keyConsentOnboarding = "consent_onboarding"

// ConsentOnboarding is an admin consent in progress: in the session when
// started from the form, sealed into the state when a program started it
// through the API.
type ConsentOnboarding struct {
	Kind    connect.Kind `json:"kind"`
	Name    string       `json:"name"`
	Tenant  string       `json:"tenant"`
	State   string       `json:"state,omitempty"`
	Started time.Time    `json:"started"`
	// ConnectionID is set when an existing connection's tenant consents
	// again (re-authorization): no connection is created.
	ConnectionID string `json:"connection_id,omitempty"`
	// Next is "analytics" when started from Microsoft 365 → Analytics:
	// the callback lands on the connection's analytics.
	Next string `json:"next,omitempty"`
}

// consentConnectRoutes are the admin-consent onboardings of Microsoft 365
// and Partner Center: the form's POST and Entra's redirect back.
func (s *Server) consentConnectRoutes() []Route {
	manage := auth.PermConnectionsManage
	var out []Route
	for _, k := range []connect.Kind{connect.KindM365, connect.KindPartnerCenter} {
		out = append(out,
			Route{Pattern: "POST /connections/" + string(k) + "/consent", Access: Needs, Perm: manage, handler: s.startConsent(k)},
			Route{Pattern: "GET " + connect.ConsentCallbackPath(k), Access: Needs, Perm: manage, handler: s.consentCallback(k)})
	}
	return out
}

func (s *Server) startConsent(k connect.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := parseForm(w, r); err != nil {
			s.fail(w, r, err)
			return
		}
		name, tenant, err := connect.ValidConsentStart(r.PostFormValue(string(k)+"_name"), r.PostFormValue(string(k)+"_tenant"))
		o := ConsentOnboarding{Kind: k, Name: name, Tenant: tenant, State: connect.RandomToken(), Started: time.Now().UTC()}
		back := "/connections#" + string(k) + "-h"
		if k == connect.KindM365 && r.PostFormValue("next") == nextAnalytics {
			o.Next, back = nextAnalytics, "/m365"
		}
		var to string
		if err == nil {
			to, err = connect.AdminConsentURL(s.Connections.Env, k, tenant, o.State)
		}
		if err != nil {
			s.flash(r, FlashError, domain.ErrorMessage(err))
			redirect(w, r, back)
			return
		}
		raw, _ := json.Marshal(o)
		s.Sessions.Put(r.Context(), keyConsentOnboarding, string(raw))
		// The CSP's form-action 'self' stops a form post redirected to
		// another origin: the continue page goes on by itself.
		s.R.Render(w, http.StatusOK, AzureContinuePage{Layout: s.layout(r, NavConnections), URL: to})
	}
}

// pendingConsent finds the onboarding the callback's state belongs to:
// the session's, or one a program sealed into the state via the API.
func (s *Server) pendingConsent(r *http.Request, k connect.Kind) (ConsentOnboarding, error) {
	st := r.URL.Query().Get("state")
	var o ConsentOnboarding
	raw := s.Sessions.GetString(r.Context(), keyConsentOnboarding)
	if raw != "" && json.Unmarshal([]byte(raw), &o) == nil && st != "" && subtle.ConstantTimeCompare([]byte(st), []byte(o.State)) == 1 {
		s.Sessions.Remove(r.Context(), keyConsentOnboarding)
		if o.Kind != k || time.Since(o.Started) > 30*time.Minute {
			return o, invalidf("This answer from Microsoft does not belong to the connection started in this browser, or it took more than 30 minutes. Start again from Connections.")
		}
		return o, nil
	}
	o = ConsentOnboarding{}
	if err := s.Connections.OpenState(principalFrom(r.Context()).Org.ID, st, &o); err != nil {
		return o, err
	}
	if o.Kind != k {
		return o, invalidf("This answer from Microsoft is for another kind of connection. Start again.")
	}
	return o, nil
}

func invalidf(msg string) error { return &domain.Error{Code: domain.CodeInvalid, Message: msg} }

func (s *Server) consentCallback(k connect.Kind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		o, err := s.pendingConsent(r, k)
		if err == nil && o.ConnectionID != "" {
			if err = s.finishReconsent(r, o); err == nil {
				redirect(w, r, analyticsLanding(o, o.ConnectionID))
				return
			}
		} else if err == nil {
			var c connect.Connection
			if c, err = s.finishConsent(r.Context(), r, o); err == nil {
				s.queueFirstSync(r, principalFrom(r.Context()), c)
				to := analyticsLanding(o, c.ID)
				if to == "" {
					to = "/connections/" + c.ID
				}
				redirect(w, r, to)
				return
			}
		}
		page := ConsentFailedPage{Layout: s.layout(r, NavConnections), Kind: k.Label(), Anchor: string(k) + "-h", Error: domain.ErrorMessage(err)}
		page.Title = k.Label() + " not connected"
		s.R.Render(w, http.StatusBadRequest, page)
	}
}

// finishConsent reads Entra's answer, checks with the adapter's probe that
// Canopy's app token now works in the tenant, and creates the connection.
func (s *Server) finishConsent(ctx context.Context, r *http.Request, o ConsentOnboarding) (connect.Connection, error) {
	tenant, err := connect.ConsentAnswer(r.URL.Query())
	if err != nil {
		return connect.Connection{}, err
	}
	p := principalFrom(ctx)
	in := connect.Input{Kind: o.Kind, Name: &o.Name, Settings: connect.ConsentSettings(o.Kind, tenant)}
	checks, err := s.Connections.Test(ctx, p, in)
	if err != nil {
		return connect.Connection{}, err
	}
	if !connect.TokenWorks(checks) {
		detail := ""
		if len(checks) > 0 {
			detail = " (" + checks[0].Detail + ")"
		}
		return connect.Connection{}, invalidf("Consent was given, but Canopy's app still cannot read the tenant" + detail + ". Check the permissions and try again.")
	}
	return s.Connections.Create(ctx, p, actor(r), in)
}

// finishReconsent reads Entra's answer for an existing connection,
// checks that Canopy's app token works in the tenant again and queues a
// sync, so analytics recover from "not authorized".
func (s *Server) finishReconsent(r *http.Request, o ConsentOnboarding) error {
	if _, err := connect.ConsentAnswer(r.URL.Query()); err != nil {
		return err
	}
	ctx, p := r.Context(), principalFrom(r.Context())
	c, err := s.Connections.Get(ctx, p, o.ConnectionID)
	if err != nil {
		return err
	}
	checks, err := s.Connections.Test(ctx, p, connect.Input{Kind: connect.Kind(c.Kind), Name: &c.Name, Settings: c.Settings})
	if err != nil {
		return err
	}
	if !connect.TokenWorks(checks) {
		return invalidf("Consent was given, but Canopy's app still cannot read the tenant. Check the permissions and try again.")
	}
	if _, err := s.Connections.SyncNow(ctx, p, actor(r), c.ID); err != nil {
		s.flash(r, FlashInfo, "Canopy is authorized again, but the sync could not be queued: "+domain.ErrorMessage(err))
		return nil
	}
	s.flash(r, FlashSuccess, "Canopy is authorized again. A sync is importing the usage reports.")
	return nil
}

// ConsentFailedPage says why a Microsoft 365 or Partner Center consent
// did not end in a connection.
type ConsentFailedPage struct {
	Layout
	Kind, Anchor, Error string
}

func (ConsentFailedPage) Template() string { return "consent_failed" }
