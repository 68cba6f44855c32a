package app

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/canopyhq/canopy/internal/connect"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/sandbox/arm"
)

func init() {
	connectorSetups = append(connectorSetups, func(reg *connect.Registry) { reg.Register(azureconn.Connector{}) })
	demoConnections = append(demoConnections, seedAzureDemo)
}

const demoAzureName = "Contoso Azure"

// seedAzureDemo connects the sandbox's Contoso tenant as a person would
// (admin consent, then the Owner's grant) but without a browser, and
// creates the demo's Azure connection with three subscriptions at three
// access levels. The sandbox forgets its state when the demo stops, so
// the tenant side is connected on every start; the connection only once.
func seedAzureDemo(ctx context.Context, a *App, cloud *sandbox.Cloud, orgID string) error {
	env := a.Connections.Env
	if err := onboardSandboxTenant(ctx, env, cloud); err != nil {
		return fmt.Errorf("azure demo onboarding: %w", err)
	}
	d := cloud.Demo
	settings, _ := json.Marshal(azureconn.Settings{TenantID: d.Customer.ID, TagWrite: true, Reservations: true,
		Subscriptions: map[string]string{d.Production.ID: azureconn.ReadWriteTags.String(),
			d.Development.ID: azureconn.ReadTagsOnly.String(), d.Legacy.ID: azureconn.NoResources.String()}})
	return seedDemoConnection(ctx, a, orgID, connect.KindAzure, demoAzureName, settings)
}

// onboardSandboxTenant drives the consent pages over HTTP as Contoso's
// admin, grants Canopy's roles with the admin's delegated token (Reader
// and Tag Contributor on Production, where the admin is Owner), then, as
// Contoso's other Owners would, gives Reader on Development and Legacy
// and Reservations Reader through the sandbox's own API.
func onboardSandboxTenant(ctx context.Context, env connect.Env, cloud *sandbox.Cloud) error {
	d := cloud.Demo
	w := newConsentWalker(env, d.Admin.UPN)
	cb := azureconn.CallbackURL(env)
	cfg := azureconn.EnvConfig(env, d.Customer.ID)
	u, err := w.walk(ctx, cfg.AdminConsentURL(d.Customer.ID, cfg.ClientID, cb, "demo", true, true), cb)
	if err != nil {
		return err
	}
	if _, err := azureconn.ConsentResult(u.Query()); err != nil {
		return err
	}
	verifier, challenge := azureconn.PKCE()
	if u, err = w.walk(ctx, cfg.AuthorizeURL(d.Customer.ID, cb, "demo", challenge), cb); err != nil {
		return err
	}
	tok, err := cfg.ExchangeCode(ctx, d.Customer.ID, u.Query().Get("code"), cb, verifier)
	if err != nil {
		return err
	}
	cl, err := azureconn.New(cfg)
	if err != nil {
		return err
	}
	sp, err := cl.ServicePrincipalID(ctx)
	if err != nil {
		return err
	}
	if _, err := cfg.GrantAccess(ctx, tok, sp, azureconn.GrantOptions{TagWrite: true, Reservations: true}); err != nil {
		return err
	}
	cloud.ARM.Assign(sp, arm.RoleReader, "/subscriptions/"+d.Development.ID)
	cloud.ARM.Assign(sp, arm.RoleReader, "/subscriptions/"+d.Legacy.ID)
	cloud.ARM.Assign(sp, arm.RoleReservationsReader, "/providers/Microsoft.Capacity")
	return nil
}

// consentWalker is a user agent for the sandbox's sign-in and consent
// pages that stops at Canopy's redirect URI.
type consentWalker struct {
	hc          *http.Client
	upn, passwd string
}

func newConsentWalker(env connect.Env, upn string) *consentWalker {
	jar, _ := cookiejar.New(nil)
	hc := *env.HTTPClient
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &consentWalker{hc: &hc, upn: upn, passwd: sandbox.DemoPassword}
}

var (
	walkAction = regexp.MustCompile(`action="([^"]*)"`)
	walkCSRF   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
)

// walk follows start through sign-in and consent to the redirect to cb.
func (w *consentWalker) walk(ctx context.Context, start, cb string) (*url.URL, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, start, nil)
	for range 10 {
		if err != nil {
			return nil, err
		}
		resp, err := w.hc.Do(req)
		if err != nil {
			return nil, err
		}
		body, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		resp.Body.Close()
		page, loc := string(body), resp.Header.Get("Location")
		switch {
		case resp.StatusCode == http.StatusFound && strings.HasPrefix(loc, cb):
			return url.Parse(loc)
		case resp.StatusCode == http.StatusFound:
			next, perr := req.URL.Parse(loc)
			if perr != nil {
				return nil, perr
			}
			req, err = http.NewRequestWithContext(ctx, http.MethodGet, next.String(), nil)
		case strings.Contains(page, `name="login"`):
			req, err = w.form(ctx, req.URL, page, url.Values{"sbx_step": {"login"}, "login": {w.upn}, "passwd": {w.passwd}})
		case walkCSRF.MatchString(page):
			req, err = w.form(ctx, req.URL, page, url.Values{"sbx_step": {"consent"}, "decision": {"accept"},
				"csrf": {walkCSRF.FindStringSubmatch(page)[1]}})
		default:
			return nil, fmt.Errorf("sandbox sign-in stopped at %s (%d)", req.URL.Path, resp.StatusCode)
		}
	}
	return nil, errors.New("sandbox sign-in: too many pages")
}

func (w *consentWalker) form(ctx context.Context, base *url.URL, page string, v url.Values) (*http.Request, error) {
	m := walkAction.FindStringSubmatch(page)
	if m == nil {
		return nil, errors.New("sandbox sign-in: a page without a form")
	}
	action, err := base.Parse(html.UnescapeString(m[1]))
	if err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, action.String(), strings.NewReader(v.Encode()))
	if err == nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	return req, err
}
