package entra

import (
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"html/template"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// aadError is an OAuth error as Entra's token endpoint sends it.
type aadError struct {
	status int
	code   string // OAuth error: invalid_client, invalid_grant ...
	aadsts int    // the AADSTS number
	msg    string // the text after "AADSTSnnn: "
}

// The AADSTS errors the sandbox sends, with Entra's wording.
func errBadSecret(clientID string) aadError {
	return aadError{401, "invalid_client", 7000215, "Invalid client secret provided. Ensure the secret being sent in the request is the client secret value, not the client secret ID, for a secret added to app '" + clientID + "'."}
}

func errAppNotFound(clientID, tenant string) aadError {
	return aadError{400, "unauthorized_client", 700016, "Application with identifier '" + clientID + "' was not found in the directory '" + tenant + "'. This can happen if the application has not been installed by the administrator of the tenant or consented to by any user in the tenant. You may have sent your authentication request to the wrong tenant."}
}

func errTenantNotFound(tenant string) aadError {
	return aadError{400, "invalid_request", 90002, "Tenant '" + tenant + "' not found. Check to make sure you have the correct tenant ID and are signing into the correct cloud. Check with your subscription administrator, this may happen if there are no active subscriptions for the tenant."}
}

func errConsentRequired(clientID, name string) aadError {
	return aadError{400, "invalid_grant", 65001, "The user or administrator has not consented to use the application with ID '" + clientID + "' named '" + name + "'. Send an interactive authorization request for this user and resource."}
}

func errBlockedByConditionalAccess() aadError {
	return aadError{400, "invalid_grant", 53003, "Access has been blocked by Conditional Access policies. The access policy does not allow token issuance."}
}

func errInvalidRequest(msg string) aadError {
	return aadError{400, "invalid_request", 9002313, "Invalid request. Request is malformed or invalid. " + msg}
}

func errExpiredGrant() aadError {
	return aadError{400, "invalid_grant", 70008, "The provided authorization code or refresh token has expired due to inactivity. Send a new interactive authorization request for this user and resource."}
}

func errBadPassword() aadError {
	return aadError{400, "invalid_grant", 50126, "Error validating credentials due to invalid username or password."}
}

// write sends the error as Entra's token endpoint does.
func (a aadError) write(w http.ResponseWriter, now time.Time) {
	trace, corr := newID(), newID()
	ts := now.UTC().Format("2006-01-02 15:04:05Z")
	desc := fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", a.aadsts, a.msg, trace, corr, ts)
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store, no-cache")
	w.Header().Set("x-ms-request-id", trace)
	w.WriteHeader(a.status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"error": a.code, "error_description": desc, "error_codes": []int{a.aadsts},
		"timestamp": ts, "trace_id": trace, "correlation_id": corr,
		"error_uri": "https://login.microsoftonline.com/error?code=" + strconv.Itoa(a.aadsts),
	})
}

// WriteError writes an injected fault in Entra's format (for sbx.Serve).
func WriteError(w http.ResponseWriter, status int, code, message string) {
	aadError{status, "temporarily_unavailable", 50196, code + ": " + message}.write(w, time.Now())
}

// newID returns a random GUID for trace and correlation IDs (these differ
// on every response in the real service too).
func newID() string {
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	h := hex.EncodeToString(b)
	return h[:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:]
}

// errorPage renders Entra's "Sorry, but we're having trouble signing you in"
// page for errors that cannot be sent back to the app.
func errorPage(w http.ResponseWriter, status int, aadsts int, msg string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_ = errorTmpl.Execute(w, map[string]string{"Code": "AADSTS" + strconv.Itoa(aadsts), "Message": msg})
}

var errorTmpl = template.Must(template.New("error").Parse(`<!DOCTYPE html>
<html><head><title>Sign in to your account</title></head><body>
<h1>Sorry, but we're having trouble signing you in.</h1>
<p id="error-code">{{.Code}}: {{.Message}}</p>
</body></html>`))

// redirectError sends an OAuth error back to the app's redirect URI.
func redirectError(w http.ResponseWriter, r *http.Request, redirectURI, state, code string, aadsts int, msg string) {
	q := map[string]string{
		"error":             code,
		"error_description": fmt.Sprintf("AADSTS%d: %s Trace ID: %s Correlation ID: %s Timestamp: %s", aadsts, msg, newID(), newID(), time.Now().UTC().Format("2006-01-02 15:04:05Z")),
		"error_uri":         "https://login.microsoftonline.com/error?code=" + strconv.Itoa(aadsts),
		"state":             state,
	}
	http.Redirect(w, r, withQuery(redirectURI, q), http.StatusFound)
}

// withQuery appends parameters to a redirect URI.
func withQuery(base string, q map[string]string) string {
	var b strings.Builder
	b.WriteString(base)
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	for _, k := range sortedKeys(q) {
		if q[k] == "" {
			continue
		}
		b.WriteString(sep + k + "=" + queryEscape(q[k]))
		sep = "&"
	}
	return b.String()
}
