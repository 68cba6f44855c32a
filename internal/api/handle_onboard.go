package api

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/connect"
	awsconn "github.com/canopyhq/canopy/internal/connect/aws"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// onboardRoutes are the kind-specific onboarding steps a program takes
// before POST /connections: an AWS external ID with its policies, a probe
// of unsaved values, and an admin-consent URL to send an admin to.
func (a *API) onboardRoutes() []route {
	manage := auth.PermConnectionsManage
	return []route{
		signedIn("POST", "/connections/aws/external-id", manage, a.awsExternalID),
		signedIn("POST", "/connections/test", manage, a.testConnection),
		signedIn("POST", "/connections/{kind}/consent", manage, a.startConsent),
	}
}

type externalIDView struct {
	AccountID       string `json:"account_id"`
	ExternalID      string `json:"external_id"`
	CanopyPrincipal string `json:"canopy_principal"`
	TrustPolicy     string `json:"trust_policy"`
	IAMPolicy       string `json:"iam_policy"`
}

func (a *API) awsExternalID(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct {
		AccountID string `json:"account_id"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if err := awsconn.ValidAccountID(strings.TrimSpace(body.AccountID)); err != nil {
		return err
	}
	st := awsconn.SetupFor(r.Context(), a.connections.Env, awsconn.NewExternalID())
	return writeJSON(w, http.StatusOK, externalIDView{AccountID: strings.TrimSpace(body.AccountID), ExternalID: st.ExternalID,
		CanopyPrincipal: st.CanopyPrincipal, TrustPolicy: st.TrustPolicy, IAMPolicy: st.IAMPolicy})
}

func (a *API) testConnection(w http.ResponseWriter, r *http.Request, c *call) error {
	var body struct {
		Kind     string          `json:"kind"`
		Settings json.RawMessage `json:"settings"`
		Secret   string          `json:"secret"`
	}
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	secret := []byte(body.Secret)
	defer clear(secret)
	checks, err := a.connections.Test(r.Context(), c.P, connect.Input{Kind: connect.Kind(body.Kind), Settings: body.Settings, Secret: secret})
	if err != nil {
		return err
	}
	now := domain.Now()
	out := make([]store.ConnectionCheck, 0, len(checks))
	for _, ch := range checks {
		out = append(out, store.ConnectionCheck{Feature: ch.Feature, Needs: ch.Needs, Granted: ch.Granted, Detail: ch.Detail, Fix: ch.Fix, ProbedAt: now})
	}
	return writeJSON(w, http.StatusOK, listOf(out, checkOf, ""))
}

type consentView struct {
	Kind        string `json:"kind"`
	ConsentURL  string `json:"consent_url"`
	State       string `json:"state"`
	CallbackURL string `json:"callback_url"`
}

type consentBody struct {
	Name         string `json:"name"`
	Tenant       string `json:"tenant"`
	TagWrite     bool   `json:"tag_write"`
	Reservations bool   `json:"reservations"`
}

// startConsent returns the admin-consent URL of a kind. The onboarding is
// sealed into the state (bound to the organisation), so the admin's
// browser finishes it at Canopy's callback, signed in to this organisation.
func (a *API) startConsent(w http.ResponseWriter, r *http.Request, c *call) error {
	var body consentBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	k := connect.Kind(r.PathValue("kind"))
	var v consentView
	var err error
	switch {
	case k == connect.KindAzure:
		v, err = a.azureConsent(c, body)
	case connect.ConsentKind(k):
		v, err = a.kindConsent(c, k, body)
	default:
		return &domain.Error{Code: domain.CodeNotFound, Message: "Admin consent onboards azure, m365 and partnercenter connections."}
	}
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func (a *API) azureConsent(c *call, body consentBody) (consentView, error) {
	env := a.connections.Env
	o, _, err := azureconn.StartOnboarding(env, body.Name, body.Tenant, body.TagWrite, body.Reservations)
	if err != nil {
		return consentView{}, err
	}
	state, err := a.connections.SealState(c.P.Org.ID, o)
	if err != nil {
		return consentView{}, err
	}
	tenant := o.Tenant
	if tenant == "" {
		tenant = "organizations"
	}
	cfg := azureconn.EnvConfig(env, tenant)
	to := cfg.AdminConsentURL(tenant, cfg.ClientID, azureconn.CallbackURL(env), state, o.TagWrite, o.Reservations)
	return consentView{Kind: string(connect.KindAzure), ConsentURL: to, State: state, CallbackURL: azureconn.CallbackURL(env)}, nil
}

// kindOnboarding mirrors web.ConsentOnboarding's JSON (sealed in the state).
type kindOnboarding struct {
	Kind   connect.Kind `json:"kind"`
	Name   string       `json:"name"`
	Tenant string       `json:"tenant"`
}

func (a *API) kindConsent(c *call, k connect.Kind, body consentBody) (consentView, error) {
	name, tenant, err := connect.ValidConsentStart(body.Name, body.Tenant)
	if err != nil {
		return consentView{}, err
	}
	state, err := a.connections.SealState(c.P.Org.ID, kindOnboarding{Kind: k, Name: name, Tenant: tenant})
	if err != nil {
		return consentView{}, err
	}
	to, err := connect.AdminConsentURL(a.connections.Env, k, tenant, state)
	if err != nil {
		return consentView{}, err
	}
	return consentView{Kind: string(k), ConsentURL: to, State: state, CallbackURL: connect.ConsentCallbackURL(a.connections.Env, k)}, nil
}
