package arm

import (
	"errors"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// Audiences ARM accepts in access tokens.
var audiences = []string{"https://management.azure.com/", "https://management.core.windows.net/"}

type authorizer struct{ a *ARM }

// Check implements sbx.Authorizer: authentication, the subscription's
// tenant and state, then RBAC for action at scope ("" = any caller).
func (z authorizer) Check(r *http.Request, scope, action string) (sbx.Claims, *sbx.AuthError) {
	return z.a.check(r, scope, action)
}

func (a *ARM) check(r *http.Request, scope, action string) (sbx.Claims, *sbx.AuthError) {
	c, err := a.authenticate(r)
	if err != nil {
		return nil, err
	}
	if sub := subscriptionOf(scope); sub != "" {
		if err := a.checkSubscription(c, sub, action); err != nil {
			return c, err
		}
	}
	if action != "" && !a.allowed(c.String("oid"), scope, action) {
		return c, &sbx.AuthError{Status: http.StatusForbidden, Code: "AuthorizationFailed",
			Message: "The client '" + clientName(c) + "' with object id '" + c.String("oid") + "' does not have authorization to perform action '" + action + "' over scope '" + cleanScope(scope) + "' or the scope is invalid. If access was recently granted, please refresh your credentials."}
	}
	return c, nil
}

// clientName is how ARM names the caller: a user's UPN, an app's object ID.
func clientName(c sbx.Claims) string {
	if upn := c.String("upn"); upn != "" {
		return upn
	}
	return c.String("oid")
}

// authenticate verifies the bearer token as ARM does.
func (a *ARM) authenticate(r *http.Request) (sbx.Claims, *sbx.AuthError) {
	h := r.Header.Get("Authorization")
	if h == "" {
		return nil, &sbx.AuthError{Status: 401, Code: "AuthenticationFailed", Message: "Authentication failed. The 'Authorization' header is missing."}
	}
	tok, ok := strings.CutPrefix(h, "Bearer ")
	if !ok {
		return nil, &sbx.AuthError{Status: 401, Code: "AuthenticationFailed", Message: "Authentication failed. The 'Authorization' header is provided in an invalid format."}
	}
	c, err := a.issuer.Verify(strings.TrimSpace(tok), audiences...)
	switch {
	case err == nil:
		return c, nil
	case errors.Is(err, sbx.ErrTokenExpired):
		return nil, &sbx.AuthError{Status: 401, Code: "ExpiredAuthenticationToken",
			Message: "The access token expiry UTC time '" + c.Time("exp").Format(armTime) + "' is earlier than current UTC time '" + a.clock.Now().Format(armTime) + "'."}
	case errors.Is(err, sbx.ErrTokenAudience):
		return nil, &sbx.AuthError{Status: 401, Code: "InvalidAuthenticationTokenAudience",
			Message: "The access token has been obtained for wrong audience or resource '" + c.String("aud") + "'. It should exactly match with one of the allowed audiences 'https://management.core.windows.net/','https://management.core.windows.net','https://management.azure.com/','https://management.azure.com'."}
	case errors.Is(err, sbx.ErrTokenSignature):
		return nil, &sbx.AuthError{Status: 401, Code: "InvalidAuthenticationToken", Message: "The access token is invalid. The signature of the token could not be validated."}
	}
	return nil, &sbx.AuthError{Status: 401, Code: "InvalidAuthenticationToken", Message: "The access token is invalid."}
}

// armTime is how ARM prints times in token errors.
const armTime = "1/2/2006 3:04:05 PM"

// checkSubscription refuses tokens of another tenant, unknown
// subscriptions, and writes to a disabled subscription.
func (a *ARM) checkSubscription(c sbx.Claims, subID, action string) *sbx.AuthError {
	a.mu.Lock()
	s := a.subs[strings.ToLower(subID)]
	var tenant, state string
	if s != nil {
		tenant, state = s.TenantID, s.State
	}
	a.mu.Unlock()
	switch {
	case s == nil:
		return &sbx.AuthError{Status: 404, Code: "SubscriptionNotFound", Message: "The subscription '" + subID + "' could not be found."}
	case !strings.EqualFold(c.String("tid"), tenant):
		return &sbx.AuthError{Status: 401, Code: "InvalidAuthenticationTokenTenant",
			Message: "The access token is from the wrong issuer '" + c.String("iss") + "'. It must match the tenant '" + tenant + "' associated with this subscription. Please use the authority (URL) for tenant '" + tenant + "' to get the token. Note, if the subscription is transferred to another tenant there is no impact to the services, but information about new tenant could take time to propagate (up to an hour). If you just transferred your subscription and see this error message, please try back later."}
	case state == StateDisabled && isWrite(action):
		return &sbx.AuthError{Status: 409, Code: "ReadOnlyDisabledSubscription",
			Message: "The subscription '" + subID + "' is disabled and therefore marked as read only. You cannot perform any write actions on this subscription until it is re-enabled."}
	}
	return nil
}

func isWrite(action string) bool {
	l := strings.ToLower(action)
	return strings.HasSuffix(l, "/write") || strings.HasSuffix(l, "/delete") || strings.HasSuffix(l, "/action")
}

// allowed reports whether any role assignment of oid at or above scope
// permits action.
func (a *ARM) allowed(oid, scope, action string) bool {
	for _, r := range a.rolesAt(oid, scope) {
		if r.permits(action) {
			return true
		}
	}
	return false
}

// rolesAt returns the roles assigned to oid at or above scope.
func (a *ARM) rolesAt(oid, scope string) []RoleDefinition {
	a.mu.Lock()
	defer a.mu.Unlock()
	var out []RoleDefinition
	for _, as := range a.assignments {
		if strings.EqualFold(as.PrincipalID, oid) && within(scope, as.Scope) {
			if r, ok := roleByID(as.RoleDefinitionID); ok {
				out = append(out, r)
			}
		}
	}
	return out
}

// hasAnyRoleIn reports whether oid has a role at, above or below scope (a
// subscription is listed to anyone with a role anywhere in it).
func (a *ARM) hasAnyRoleIn(oid, scope string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, as := range a.assignments {
		if strings.EqualFold(as.PrincipalID, oid) && (within(scope, as.Scope) || within(as.Scope, scope)) {
			return true
		}
	}
	return false
}

// writeAuthError answers with an Authorizer refusal.
func writeAuthError(w http.ResponseWriter, e *sbx.AuthError) {
	sbx.WriteARMError(w, e.Status, e.Code, e.Message)
}
