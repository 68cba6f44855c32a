package azureconn

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"net/url"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
)

// CallbackPath is where Entra sends the browser back to Canopy, after the
// admin consent and again after the Owner's sign-in.
const CallbackPath = "/connections/azure/callback"

// onboardingTTL bounds the time from the first redirect to the last.
const onboardingTTL = 30 * time.Minute

// Onboarding steps.
const (
	StepConsent   = "consent"   // waiting for the admin-consent redirect
	StepAuthorize = "authorize" // waiting for the Owner's authorization code
)

// Onboarding is one admin-consent onboarding in progress. It lives in the
// person's session between the redirects; it holds no token.
type Onboarding struct {
	Step         string    `json:"step"`
	State        string    `json:"state"`
	Verifier     string    `json:"verifier,omitempty"` // PKCE, for the authorize step
	Tenant       string    `json:"tenant"`             // as typed, then the consenting tenant's ID
	Name         string    `json:"name"`
	TagWrite     bool      `json:"tag_write"`
	Reservations bool      `json:"reservations"`
	Started      time.Time `json:"started"`
}

// Onboarded is a finished onboarding: what was granted, and the settings
// of the connection to create.
type Onboarded struct {
	Report   GrantReport
	Settings json.RawMessage
}

// CallbackURL is the redirect URI registered on Canopy's app.
func CallbackURL(env connect.Env) string {
	return strings.TrimSuffix(env.PublicURL, "/") + CallbackPath
}

// StartOnboarding checks the form and returns the onboarding to keep and
// the admin-consent URL to send the browser to.
func StartOnboarding(env connect.Env, name, tenant string, tagWrite, reservations bool) (Onboarding, string, error) {
	name, tenant = strings.TrimSpace(name), strings.TrimSpace(tenant)
	if name == "" || len([]rune(name)) > 100 {
		return Onboarding{}, "", domain.FieldError("name", "Name the connection in 1 to 100 characters.")
	}
	if tenant != "" && !tenantRE.MatchString(tenant) {
		return Onboarding{}, "", domain.FieldError("tenant", "Enter the tenant ID (a GUID) or a verified domain such as contoso.onmicrosoft.com, or leave it empty.")
	}
	if env.Clouds.AzureClientID == "" || env.Clouds.AzureClientSecret == "" {
		return Onboarding{}, "", &domain.Error{Code: domain.CodeInvalid, Message: "This Canopy has no Azure app configured (CANOPY_AZURE_CLIENT_ID and CANOPY_AZURE_CLIENT_SECRET); see /help/azure-app-registration."}
	}
	o := Onboarding{Step: StepConsent, State: randomState(), Tenant: tenant, Name: name, TagWrite: tagWrite,
		Reservations: reservations, Started: time.Now().UTC()}
	if tenant == "" {
		tenant = "organizations"
	}
	cfg := EnvConfig(env, tenant)
	return o, cfg.AdminConsentURL(tenant, cfg.ClientID, CallbackURL(env), o.State, tagWrite, reservations), nil
}

func randomState() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// check refuses a callback that is not this onboarding's (state), too
// late, or at the wrong step.
func (o Onboarding) check(q url.Values, step string) error {
	st := q.Get("state")
	if o.Step != step || st == "" || subtle.ConstantTimeCompare([]byte(st), []byte(o.State)) != 1 {
		return invalid("This answer from Microsoft does not belong to an Azure connection started in this browser. Start again from Connections.")
	}
	if time.Since(o.Started) > onboardingTTL {
		return invalid("The Azure connection took more than 30 minutes. Start again from Connections.")
	}
	return nil
}

func invalid(msg string) error { return &domain.Error{Code: domain.CodeInvalid, Message: msg} }

// Consented reads the admin-consent redirect and moves the onboarding to
// the Owner's sign-in: it returns the authorize URL (code flow with PKCE).
func (o *Onboarding) Consented(env connect.Env, q url.Values) (string, error) {
	if err := o.check(q, StepConsent); err != nil {
		return "", err
	}
	if e := q.Get("error"); e != "" {
		return "", refusal("Admin consent was not granted", e, q.Get("error_description"))
	}
	tenant, err := ConsentResult(q)
	if err != nil {
		return "", invalid("Microsoft's answer to the admin consent could not be read. Start again from Connections.")
	}
	verifier, challenge := PKCE()
	o.Step, o.State, o.Verifier, o.Tenant = StepAuthorize, randomState(), verifier, tenant
	return EnvConfig(env, tenant).AuthorizeURL(tenant, CallbackURL(env), o.State, challenge), nil
}

// refusal explains an OAuth error redirect; Entra's description has no
// secret in it, only the AADSTS code and its text.
func refusal(what, code, desc string) error {
	msg := what + " (" + code + ")"
	if desc != "" {
		msg += ": " + desc
	}
	if code == "access_denied" || code == "consent_required" {
		msg += ". A Global Administrator of the tenant must sign in and accept the permissions; assigning roles then needs an Owner of the subscriptions (see /help/azure-owner-role)."
	}
	return invalid(msg)
}

// Finish redeems the Owner's code, gives Canopy's service principal its
// roles (GrantAccess) and returns the report and the connection settings:
// every subscription granted, at read-write-tags with tag write-back and
// read-tags-only without. The user's token is used here only.
func (o Onboarding) Finish(ctx context.Context, env connect.Env, q url.Values) (Onboarded, error) {
	if err := o.check(q, StepAuthorize); err != nil {
		return Onboarded{}, err
	}
	if e := q.Get("error"); e != "" {
		return Onboarded{}, refusal("The sign-in to assign Canopy's roles failed", e, q.Get("error_description"))
	}
	cfg := EnvConfig(env, o.Tenant)
	tok, err := cfg.ExchangeCode(ctx, o.Tenant, q.Get("code"), CallbackURL(env), o.Verifier)
	if err != nil {
		return Onboarded{}, onboardError("redeeming the sign-in", err)
	}
	cl, err := New(cfg)
	if err != nil {
		return Onboarded{}, onboardError("building Canopy's credential", err)
	}
	sp, err := cl.ServicePrincipalID(ctx)
	if err != nil {
		return Onboarded{}, onboardError("finding Canopy's service principal", err)
	}
	rep, err := cfg.GrantAccess(ctx, tok, sp, GrantOptions{TagWrite: o.TagWrite, Reservations: o.Reservations})
	if err != nil && !errors.Is(err, ErrNothingGranted) {
		return Onboarded{Report: rep}, onboardError("assigning roles", err)
	}
	settings, merr := json.Marshal(o.settings(rep))
	if merr != nil {
		return Onboarded{}, merr
	}
	return Onboarded{Report: rep, Settings: settings}, err
}

func (o Onboarding) settings(rep GrantReport) Settings {
	lvl := ReadWriteTags
	if !o.TagWrite {
		lvl = ReadTagsOnly
	}
	s := Settings{TenantID: o.Tenant, Subscriptions: map[string]string{}, DefaultAccessLevel: lvl.String(),
		TagWrite: o.TagWrite, Reservations: o.Reservations}
	for _, g := range rep.Subscriptions {
		if len(g.Granted) > 0 {
			s.Subscriptions[g.ID] = lvl.String()
		}
	}
	return s
}

// onboardError keeps a token state's fix and drops the raw error text of
// anything else but its first line.
func onboardError(doing string, err error) error {
	var te *TokenError
	if errors.As(err, &te) {
		return invalid("Azure refused Canopy while " + doing + ": " + stateLabels[te.State] + " (" + te.Code + "). " + te.Fix + " See /help/" + HelpSlug(string(te.State)))
	}
	return &domain.Error{Code: domain.CodeInvalid, Message: "Azure connection failed while " + doing + ": " + brief(err)}
}
