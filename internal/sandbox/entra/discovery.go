package entra

import (
	"encoding/json"
	"net/http"
	"net/url"
	"sort"
	"strings"
)

// route dispatches on the path: /{tenant}/... as login.microsoftonline.com does.
func (e *Entra) route(w http.ResponseWriter, r *http.Request) {
	seg, rest, _ := strings.Cut(strings.TrimPrefix(r.URL.Path, "/"), "/")
	rest = "/" + strings.ToLower(rest)
	if strings.EqualFold(seg, "common") && rest == "/discovery/instance" {
		e.instanceDiscovery(w, r)
		return
	}
	t, multi, ok := e.tenantFor(seg)
	if !ok {
		e.unknownTenant(w, r, seg, rest)
		return
	}
	tseg := seg
	if t != nil {
		tseg = t.ID
	}
	switch {
	case rest == "/v2.0/.well-known/openid-configuration":
		e.openIDConfig(w, r, tseg, true)
	case rest == "/.well-known/openid-configuration":
		e.openIDConfig(w, r, tseg, false)
	case rest == "/discovery/v2.0/keys" || rest == "/discovery/keys":
		writeJSON(w, http.StatusOK, e.issuer.JWKS())
	case rest == "/v2.0/adminconsent" || rest == "/adminconsent":
		e.adminConsent(w, r, t, multi)
	case rest == "/oauth2/v2.0/authorize":
		e.authorize(w, r, t, multi)
	case rest == "/oauth2/v2.0/token":
		e.token(w, r, t, seg)
	default:
		errorPage(w, http.StatusNotFound, 900561, "The endpoint only accepts POST, OPTIONS requests. Received a GET request.")
	}
}

func (e *Entra) unknownTenant(w http.ResponseWriter, r *http.Request, seg, rest string) {
	a := errTenantNotFound(seg)
	if strings.Contains(rest, "well-known") {
		a.code = "invalid_tenant"
	}
	if strings.HasSuffix(rest, "/token") || strings.Contains(rest, "well-known") {
		a.write(w, e.clock.Now())
		return
	}
	errorPage(w, http.StatusBadRequest, a.aadsts, a.msg)
}

// baseURL is the sandbox's authority host as the client reached it.
func baseURL(r *http.Request) string { return "https://" + r.Host }

// openIDConfig serves the v2.0 (or v1) OpenID Connect discovery document
// with the fields MSAL reads (authorization_endpoint, token_endpoint, issuer).
func (e *Entra) openIDConfig(w http.ResponseWriter, r *http.Request, tenant string, v2 bool) {
	b := baseURL(r) + "/" + tenant
	issuerTenant := tenant
	if tenant == "common" || tenant == "organizations" {
		issuerTenant = "{tenantid}"
	}
	doc := map[string]any{
		"token_endpoint_auth_methods_supported": []string{"client_secret_post", "private_key_jwt", "client_secret_basic"},
		"response_modes_supported":              []string{"query", "fragment", "form_post"},
		"subject_types_supported":               []string{"pairwise"},
		"id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported":              []string{"code", "id_token", "code id_token", "id_token token"},
		"scopes_supported":                      []string{"openid", "profile", "email", "offline_access"},
		"request_uri_parameter_supported":       false,
		"userinfo_endpoint":                     "https://graph.microsoft.com/oidc/userinfo",
		"http_logout_supported":                 true,
		"frontchannel_logout_supported":         true,
		"claims_supported":                      []string{"sub", "iss", "cloud_instance_name", "cloud_instance_host_name", "cloud_graph_host_name", "msgraph_host", "aud", "exp", "iat", "auth_time", "acr", "nonce", "preferred_username", "name", "tid", "ver", "at_hash", "c_hash", "email"},
		"tenant_region_scope":                   "EU",
		"cloud_instance_name":                   "microsoftonline.com",
		"cloud_graph_host_name":                 "graph.windows.net",
		"msgraph_host":                          "graph.microsoft.com",
		"rbac_url":                              "https://pas.windows.net",
	}
	if v2 {
		doc["token_endpoint"] = b + "/oauth2/v2.0/token"
		doc["authorization_endpoint"] = b + "/oauth2/v2.0/authorize"
		doc["device_authorization_endpoint"] = b + "/oauth2/v2.0/devicecode"
		doc["end_session_endpoint"] = b + "/oauth2/v2.0/logout"
		doc["jwks_uri"] = b + "/discovery/v2.0/keys"
		doc["kerberos_endpoint"] = b + "/kerberos"
		doc["issuer"] = baseURL(r) + "/" + issuerTenant + "/v2.0"
	} else {
		doc["token_endpoint"] = b + "/oauth2/token"
		doc["authorization_endpoint"] = b + "/oauth2/authorize"
		doc["end_session_endpoint"] = b + "/oauth2/logout"
		doc["jwks_uri"] = b + "/discovery/keys"
		doc["issuer"] = baseURL(r) + "/" + issuerTenant + "/"
	}
	writeJSON(w, http.StatusOK, doc)
}

// instanceDiscovery answers MSAL's authority validation
// (/common/discovery/instance) for clients that do not disable it.
func (e *Entra) instanceDiscovery(w http.ResponseWriter, r *http.Request) {
	auth := r.URL.Query().Get("authorization_endpoint")
	tenant := "common"
	if u, err := url.Parse(auth); err == nil {
		if seg, _, _ := strings.Cut(strings.TrimPrefix(u.Path, "/"), "/"); seg != "" {
			tenant = seg
		}
	}
	host := r.Host
	writeJSON(w, http.StatusOK, map[string]any{
		"tenant_discovery_endpoint": baseURL(r) + "/" + tenant + "/v2.0/.well-known/openid-configuration",
		"api-version":               "1.1",
		"metadata":                  []map[string]any{{"preferred_network": host, "preferred_cache": host, "aliases": []string{host}}},
	})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

func queryEscape(s string) string { return url.QueryEscape(s) }
