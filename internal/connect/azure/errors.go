package azureconn

import (
	"errors"
	"fmt"
	"regexp"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
)

// TokenState is what the UI shows about a connection's credentials.
type TokenState string

// Token states; each has a help page (Help) under its own slug.
const (
	// TokenIncomplete: the consent or the role assignments lack a
	// permission a feature needs.
	TokenIncomplete TokenState = "token-incomplete"
	// TokenExpired: the access token ran out (a new credential fixes it).
	TokenExpired TokenState = "token-expired"
	// TokenRevoked: Canopy's service principal is gone from the tenant
	// (consent removed), so no token is issued.
	TokenRevoked TokenState = "token-revoked"
	// InvalidSecret: the client secret is wrong or expired.
	InvalidSecret TokenState = "invalid-secret"
	// TokenBlocked: a conditional-access policy of the customer's tenant
	// blocks Canopy's sign-in. Its help page is the conditional-access one.
	TokenBlocked TokenState = SlugConditionalAccess
)

// TokenError is a credential problem the user can fix; Fix says how and
// State is also the slug of the help page.
type TokenError struct {
	State TokenState
	Code  string // AADSTS code or ARM error code
	Fix   string
	Err   error
}

func (e *TokenError) Error() string {
	return fmt.Sprintf("azure connection: %s (%s): %v", e.State, e.Code, e.Err)
}

func (e *TokenError) Unwrap() error { return e.Err }

// fixes are the remedies shown with each state.
var fixes = map[TokenState]string{
	TokenIncomplete: "A Global Administrator must grant admin consent again, and an Owner of the subscription must give Canopy's service principal the role the feature needs (Reader, Tag Contributor or Reservations Reader). Run the connection doctor to see which.",
	TokenExpired:    "The access token expired. Canopy gets a new one on the next sync; if this persists, check the server clock.",
	TokenRevoked:    "Canopy's enterprise application was removed from your tenant or its consent revoked. A Global Administrator must connect Azure again (admin consent).",
	InvalidSecret:   "The client secret is wrong or has expired. Create a new secret on the app registration and enter its Value (not its ID) in Canopy.",
	TokenBlocked:    "A conditional-access policy in your tenant blocks Canopy's sign-in. Exclude Canopy's enterprise application (or Canopy's service tenant) from the policy and check with 'What If'.",
}

var aadstsRE = regexp.MustCompile(`AADSTS(\d+)`)

// aadStates maps Entra error numbers to token states.
var aadStates = map[string]TokenState{
	"7000215": InvalidSecret, "7000222": InvalidSecret, "7000218": InvalidSecret,
	"700016": TokenRevoked, "7000229": TokenRevoked, "500011": TokenRevoked, "700082": TokenExpired,
	"65001": TokenIncomplete, "50105": TokenIncomplete,
	"53003": TokenBlocked, "53000": TokenBlocked, "53001": TokenBlocked, "50076": TokenBlocked,
}

// armStates maps ARM error codes to token states.
var armStates = map[string]TokenState{
	"ExpiredAuthenticationToken":         TokenExpired,
	"AuthorizationFailed":                TokenIncomplete,
	"LinkedAuthorizationFailed":          TokenIncomplete,
	"InvalidAuthenticationTokenAudience": TokenIncomplete,
}

// classify turns credential failures into a *TokenError and leaves other
// errors alone.
func classify(err error) error {
	if err == nil {
		return nil
	}
	var te *TokenError
	if errors.As(err, &te) {
		return err
	}
	if m := aadstsRE.FindStringSubmatch(err.Error()); m != nil {
		if st, ok := aadStates[m[1]]; ok {
			return &TokenError{State: st, Code: "AADSTS" + m[1], Fix: fixes[st], Err: err}
		}
	}
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		if st, ok := armStates[re.ErrorCode]; ok {
			return &TokenError{State: st, Code: re.ErrorCode, Fix: fixes[st], Err: err}
		}
	}
	return err
}

// IsState reports whether err is a TokenError in state st.
func IsState(err error, st TokenState) bool {
	var te *TokenError
	return errors.As(err, &te) && te.State == st
}

// ErrThrottled is returned when Azure kept answering 429 after the
// bounded attempts.
var ErrThrottled = errors.New("azure connection: throttled (429) after the allowed attempts")

// RefusedError is an operation Canopy refuses itself because the
// subscription's access level or roles do not allow it.
type RefusedError struct {
	Op     string
	Reason string
}

func (e *RefusedError) Error() string { return "azure connection: " + e.Op + " refused: " + e.Reason }

// statusOf is the HTTP status of an ARM error (0 when not one).
func statusOf(err error) int {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.StatusCode
	}
	return 0
}

// codeOf is the ARM error code of err ("" when not one).
func codeOf(err error) string {
	var re *azcore.ResponseError
	if errors.As(err, &re) {
		return re.ErrorCode
	}
	return ""
}
