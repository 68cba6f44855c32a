package app

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/partnercenter"
	"github.com/canopyhq/canopy/internal/sandbox"
)

func init() {
	partnercenter.RegisterHelp()
	connectorSetups = append(connectorSetups, func(reg *connect.Registry) { reg.Register(partnercenter.Connector{}) })
	demoConnections = append(demoConnections, seedPartnerCenterDemo)
}

// seedPartnerCenterDemo connects the sandbox's CSP partner: its admin
// first grants Canopy's app admin consent in the partner tenant (through
// Entra's pages, as a person would), so that the app gets app-only
// Partner Center tokens there.
func seedPartnerCenterDemo(ctx context.Context, a *App, cloud *sandbox.Cloud, orgID string) error {
	if err := sandboxAdminConsent(ctx, cloud, cloud.Demo.PartnerTenant.ID, cloud.Demo.PartnerAdmin.UPN, partnercenter.Scope); err != nil {
		return fmt.Errorf("partner center consent: %w", err)
	}
	settings, _ := json.Marshal(partnercenter.Settings{PartnerTenantID: cloud.Demo.PartnerTenant.ID})
	return seedDemoConnection(ctx, a, orgID, connect.KindPartnerCenter, cloud.Demo.PartnerTenant.Name, settings)
}

var (
	consentActionRE = regexp.MustCompile(`action="([^"]*)"`)
	consentCSRFRE   = regexp.MustCompile(`name="csrf" value="([^"]*)"`)
)

// sandboxAdminConsent walks the sandbox Entra's admin-consent pages for
// Canopy's app as upn (sign in, accept).
func sandboxAdminConsent(ctx context.Context, cloud *sandbox.Cloud, tenantID, upn, scope string) error {
	jar, _ := cookiejar.New(nil)
	hc := cloud.CA.Client()
	hc.Jar = jar
	hc.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	q := url.Values{"client_id": {cloud.Demo.App.ClientID}, "scope": {scope}, "state": {"demo"}}
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, cloud.EntraURL+"/"+tenantID+"/v2.0/adminconsent?"+q.Encode(), nil)
	login := url.Values{"login": {upn}, "passwd": {sandbox.DemoPassword}, "sbx_step": {"login"}}
	for range 10 {
		resp, err := hc.Do(req)
		if err != nil {
			return err
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		page, loc := string(body), resp.Header.Get("Location")
		switch {
		case resp.StatusCode == http.StatusFound && strings.Contains(loc, "admin_consent=True"):
			return nil
		case resp.StatusCode == http.StatusFound:
			req, _ = http.NewRequestWithContext(ctx, http.MethodGet, entraURL(cloud, loc), nil)
		case strings.Contains(page, `name="login"`):
			req = consentForm(ctx, cloud, page, login)
		case strings.Contains(page, `name="csrf"`):
			req = consentForm(ctx, cloud, page, url.Values{"sbx_step": {"consent"}, "decision": {"accept"},
				"csrf": {consentCSRFRE.FindStringSubmatch(page)[1]}})
		default:
			return fmt.Errorf("stopped at HTTP %d", resp.StatusCode)
		}
	}
	return fmt.Errorf("too many pages")
}

func entraURL(cloud *sandbox.Cloud, loc string) string {
	if strings.HasPrefix(loc, "/") {
		return cloud.EntraURL + loc
	}
	return loc
}

func consentForm(ctx context.Context, cloud *sandbox.Cloud, page string, v url.Values) *http.Request {
	action := ""
	if m := consentActionRE.FindStringSubmatch(page); m != nil {
		action = html.UnescapeString(m[1])
	}
	req, _ := http.NewRequestWithContext(ctx, http.MethodPost, entraURL(cloud, action), strings.NewReader(v.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return req
}
