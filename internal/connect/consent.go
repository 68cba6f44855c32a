package connect

import (
	"encoding/json"
	"net/url"
	"regexp"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
)

// publicAuthority is Entra ID's global authority host.
const publicAuthority = "https://login.microsoftonline.com/"

// consentScopes are the kinds a customer's admin connects by Entra admin
// consent to Canopy's own app, with the application permissions (.default
// of the API) they grant. Azure has its own two-step flow (connect/azure).
var consentScopes = map[Kind]string{
	KindM365:          "https://graph.microsoft.com/.default",
	KindPartnerCenter: "https://api.partnercenter.microsoft.com/.default",
}

// ConsentKind reports whether k is onboarded by admin consent alone.
func ConsentKind(k Kind) bool { _, ok := consentScopes[k]; return ok }

// ConsentScope is the scope k's admin consent asks for.
func ConsentScope(k Kind) string { return consentScopes[k] }

// ConsentCallbackPath is where Entra sends the admin back for kind k.
func ConsentCallbackPath(k Kind) string { return "/connections/" + string(k) + "/callback" }

var consentTenantRE = regexp.MustCompile(`^([0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}|[A-Za-z0-9][A-Za-z0-9.-]*\.[A-Za-z]{2,})$`)

// ValidConsentStart checks an admin consent's name and tenant as typed.
func ValidConsentStart(name, tenant string) (string, string, error) {
	name, tenant = strings.TrimSpace(name), strings.TrimSpace(tenant)
	if name == "" || len([]rune(name)) > 100 {
		return name, tenant, domain.FieldError("name", "Name the connection in 1 to 100 characters.")
	}
	if !consentTenantRE.MatchString(tenant) {
		return name, tenant, domain.FieldError("tenant", "Enter the tenant ID (a GUID) or a verified domain such as contoso.onmicrosoft.com.")
	}
	return name, tenant, nil
}

// AdminConsentURL is the Entra admin-consent URL of Canopy's app for kind
// k in tenant; Entra redirects to the kind's callback with
// admin_consent=True, tenant and state, or with error and
// error_description.
func AdminConsentURL(env Env, k Kind, tenant, state string) (string, error) {
	if env.Clouds.AzureClientID == "" || env.Clouds.AzureClientSecret == "" {
		return "", &domain.Error{Code: domain.CodeInvalid, Message: "This Canopy has no Microsoft Entra app configured (CANOPY_AZURE_CLIENT_ID and CANOPY_AZURE_CLIENT_SECRET); see /help/azure-app-registration."}
	}
	authority := env.Clouds.AzureAuthority
	if authority == "" {
		authority = publicAuthority
	}
	q := url.Values{"client_id": {env.Clouds.AzureClientID}, "scope": {consentScopes[k]},
		"redirect_uri": {ConsentCallbackURL(env, k)}, "state": {state}}
	return strings.TrimSuffix(authority, "/") + "/" + url.PathEscape(tenant) + "/v2.0/adminconsent?" + q.Encode(), nil
}

// ConsentCallbackURL is the redirect URI registered on Canopy's app.
func ConsentCallbackURL(env Env, k Kind) string {
	return strings.TrimSuffix(env.PublicURL, "/") + ConsentCallbackPath(k)
}

// ConsentAnswer reads Entra's admin-consent redirect: the consenting
// tenant, or why consent was not given (access_denied, AADSTS codes).
func ConsentAnswer(q url.Values) (string, error) {
	if e := q.Get("error"); e != "" {
		msg := "Admin consent was not granted (" + e + ")"
		if d := q.Get("error_description"); d != "" {
			msg += ": " + firstLine(d)
		}
		if e == "access_denied" || e == "consent_required" {
			msg += ". A Global Administrator of the tenant must sign in and accept the permissions Canopy asks for; then start again."
		}
		return "", &domain.Error{Code: domain.CodeInvalid, Message: msg}
	}
	if !strings.EqualFold(q.Get("admin_consent"), "True") || q.Get("tenant") == "" {
		return "", &domain.Error{Code: domain.CodeInvalid, Message: "Microsoft's answer to the admin consent could not be read (no admin_consent=True and tenant). Start again."}
	}
	return q.Get("tenant"), nil
}

func firstLine(s string) string {
	if i := strings.IndexAny(s, "\r\n"); i >= 0 {
		return s[:i]
	}
	return s
}

// ConsentSettings is the settings JSON of a kind's connection to tenant.
func ConsentSettings(k Kind, tenant string) json.RawMessage {
	key := "tenant_id"
	if k == KindPartnerCenter {
		key = "partner_tenant_id"
	}
	b, _ := json.Marshal(map[string]string{key: tenant})
	return b
}

// TokenWorks reports whether a probe after consent shows that Canopy's app
// token is accepted: at least one feature granted.
func TokenWorks(checks []Check) bool {
	for _, c := range checks {
		if c.Granted {
			return true
		}
	}
	return false
}
