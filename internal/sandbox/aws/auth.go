package awssandbox

import (
	"net/http"
	"strings"
)

// caller is an authenticated request's identity.
type caller struct {
	arn     string // user ARN, or the assumed-role session ARN
	account string
	userID  string
	policy  *principal // whose allow-list applies (the user, or the role)
}

// authCodes are one protocol's names for the authentication failures.
type authCodes struct {
	status                            int
	missing, unknown, badSig, expired string
}

var (
	jsonAuth = authCodes{http.StatusBadRequest, "MissingAuthenticationTokenException", "UnrecognizedClientException", "InvalidSignatureException", "ExpiredTokenException"}
	stsAuth  = authCodes{http.StatusForbidden, "MissingAuthenticationToken", "InvalidClientTokenId", "SignatureDoesNotMatch", "ExpiredToken"}
)

const (
	msgInvalidToken = "The security token included in the request is invalid."
	msgExpiredToken = "The security token included in the request is expired"
	msgBadSignature = "The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details."
)

// authenticate verifies the request's SigV4 signature and session token
// and returns who sent it.
func (a *AWS) authenticate(r *http.Request, body []byte, codes authCodes) (*caller, *apiError) {
	fail := func(code, msg string) *apiError { return errf(codes.status, coralNS, code, msg) }
	sig, ok := parseAuthorization(r.Header.Get("Authorization"))
	if !ok {
		return nil, fail(codes.missing, "Missing Authentication Token")
	}
	a.mu.Lock()
	key := a.keys[sig.accessKeyID]
	a.mu.Unlock()
	if key == nil {
		return nil, fail(codes.unknown, msgInvalidToken)
	}
	if key.token != "" && r.Header.Get("X-Amz-Security-Token") != key.token {
		return nil, fail(codes.unknown, msgInvalidToken)
	}
	if !verifySigV4(r, body, sig, key.secret) {
		return nil, fail(codes.badSig, msgBadSignature)
	}
	if key.role != nil && !a.clock.Now().Before(key.expires) {
		return nil, errf(http.StatusBadRequest, coralNS, codes.expired, msgExpiredToken)
	}
	return key.caller(), nil
}

func (k *accessKey) caller() *caller {
	if k.role != nil {
		session := k.callerARN[strings.LastIndex(k.callerARN, "/")+1:]
		return &caller{arn: k.callerARN, account: k.role.account, userID: k.role.id + ":" + session, policy: &k.role.principal}
	}
	return &caller{arn: k.user.arn, account: k.user.account, userID: "AIDA" + k.id[4:], policy: k.user}
}

// allowed reports whether the caller's policy allows action. The
// allow-list is read under the lock because SetAllowed may change it.
func (a *AWS) allowed(c *caller, action string) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return allowList(c.policy.allow, action)
}

// allowList matches action against allow patterns ("*", "ce:*", "ce:Get*").
func allowList(allow []string, action string) bool {
	for _, p := range allow {
		if p == "*" || strings.EqualFold(p, action) {
			return true
		}
		if pre, ok := strings.CutSuffix(p, "*"); ok && strings.HasPrefix(strings.ToLower(action), strings.ToLower(pre)) {
			return true
		}
	}
	return false
}

// notAuthorized is IAM's refusal text. resource "" is for actions that
// have no resource-level permissions (Support).
func notAuthorized(c *caller, action, resource string) string {
	on := ""
	if resource != "" {
		on = " on resource: " + resource
	}
	return "User: " + c.arn + " is not authorized to perform: " + action + on +
		" because no identity-based policy allows the " + action + " action"
}
