package app

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/sandbox"
)

func init() {
	connectorSetups = append(connectorSetups, func(reg *connect.Registry) { reg.Register(m365.Connector{}) })
	demoConnections = append(demoConnections, seedM365Demo)
}

// demoM365Name is the demo organisation's Microsoft 365 connection.
const demoM365Name = "Contoso Microsoft 365"

// seedM365Demo connects the sandbox's Contoso tenant: its Global
// Administrator grants Canopy's app admin consent (as a customer would,
// through Entra's consent page), then the connection is created and its
// first sync queued. A second run finds the connection and does nothing.
func seedM365Demo(ctx context.Context, a *App, cloud *sandbox.Cloud, orgID string) error {
	sys, err := a.Auth.SystemPrincipal(ctx, orgID)
	if err != nil {
		return err
	}
	list, err := a.Connections.List(ctx, sys)
	if err != nil {
		return err
	}
	for _, c := range list {
		if c.Kind == string(connect.KindM365) {
			return nil
		}
	}
	if err := sandboxAdminConsent(ctx, cloud, cloud.Demo.Customer.ID, cloud.Demo.Admin.UPN); err != nil {
		return fmt.Errorf("microsoft 365 admin consent: %w", err)
	}
	name := demoM365Name
	settings, _ := json.Marshal(m365.Settings{TenantID: cloud.Demo.Customer.ID})
	c, err := a.Connections.Create(ctx, sys, cliActor, connect.Input{Kind: connect.KindM365, Name: &name, Settings: settings})
	if err != nil {
		return err
	}
	_, err = a.Connections.SyncNow(ctx, sys, cliActor, c.ID)
	return err
}

var consentCSRF = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// sandboxAdminConsent walks the sandbox Entra's admin-consent pages as
// the tenant's admin: sign in, then accept the Graph permissions of
// Canopy's app. (The sandbox offers no Go call that grants consent.)
func sandboxAdminConsent(ctx context.Context, cloud *sandbox.Cloud, tenantID, upn string) error {
	if cloud.Entra.ServicePrincipalID(tenantID, cloud.Demo.App.ClientID) != "" {
		return nil
	}
	jar, _ := cookiejar.New(nil)
	entra, _ := url.Parse(cloud.EntraURL)
	hc := &http.Client{Transport: cloud.CA.Client().Transport, Jar: jar,
		CheckRedirect: func(r *http.Request, _ []*http.Request) error {
			if q := r.URL.Query(); r.URL.Host != entra.Host || q.Has("admin_consent") || q.Has("error") {
				return http.ErrUseLastResponse // to Canopy's redirect URI: consent is done
			}
			return nil
		}}
	q := url.Values{"client_id": {cloud.Demo.App.ClientID}, "scope": {m365.GraphScope}}
	start := cloud.EntraURL + "/" + tenantID + "/v2.0/adminconsent?" + q.Encode()
	if _, err := postForm(ctx, hc, start, url.Values{"sbx_step": {"login"}, "login": {upn}, "passwd": {sandbox.DemoPassword}}); err != nil {
		return err
	}
	page, err := postForm(ctx, hc, start, nil) // nil: GET the consent page
	if err != nil {
		return err
	}
	m := consentCSRF.FindStringSubmatch(page)
	if m == nil {
		return fmt.Errorf("the sandbox's consent page has no form: %.200s", page)
	}
	_, err = postForm(ctx, hc, start, url.Values{"sbx_step": {"consent"}, "csrf": {m[1]}, "decision": {"accept"}})
	if err == nil && cloud.Entra.ServicePrincipalID(tenantID, cloud.Demo.App.ClientID) == "" {
		err = fmt.Errorf("the consent was not recorded")
	}
	return err
}

// postForm posts form to u (or GETs u when form is nil) and returns the
// final page's body.
func postForm(ctx context.Context, hc *http.Client, u string, form url.Values) (string, error) {
	method, body := http.MethodGet, io.Reader(nil)
	if form != nil {
		method, body = http.MethodPost, strings.NewReader(form.Encode())
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return "", err
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	res, err := hc.Do(req)
	if err != nil {
		return "", err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(io.LimitReader(res.Body, 1<<20))
	if res.StatusCode >= 400 {
		return "", fmt.Errorf("%s %s: %d %.200s", method, req.URL.Path, res.StatusCode, b)
	}
	return string(b), err
}
