package api

import (
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

var errNoToken = &domain.Error{Code: domain.CodeUnauthenticated,
	Message: "Send an API token in the Authorization header: \"Authorization: Bearer cnp_...\"."}

var errMalformedAuth = &domain.Error{Code: domain.CodeUnauthenticated,
	Message: "The Authorization header must be \"Bearer\" followed by an API token."}

var errMFARequired = &domain.Error{Code: domain.CodeForbidden,
	Message: "This organisation requires multi-factor authentication. Set it up in the web UI, then use the token again."}

// authenticate resolves the bearer token of a request to its principal.
// Cookies are ignored on purpose: a browser cannot be tricked into sending
// an Authorization header, so the API needs no CSRF defence.
func (a *API) authenticate(r *http.Request) (*auth.Principal, error) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, errNoToken
	}
	scheme, token, ok := strings.Cut(strings.TrimSpace(h), " ")
	token = strings.TrimSpace(token)
	if !ok || !strings.EqualFold(scheme, "Bearer") || token == "" {
		return nil, errMalformedAuth
	}
	p, err := a.svc.AuthenticateToken(r.Context(), token)
	if err != nil {
		return nil, err
	}
	// The org's MFA policy holds for tokens too, as the web UI enforces
	// it for sessions: otherwise a token would outlive the policy.
	if auth.MustEnrolMFA(p) {
		return nil, errMFARequired
	}
	return p, nil
}
