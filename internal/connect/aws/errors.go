package awsconn

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-sdk-go-v2/aws/retry"
	awshttp "github.com/aws/aws-sdk-go-v2/aws/transport/http"
	"github.com/aws/smithy-go"
)

// Kinds of failure, for errors.Is. Every error this package returns for a
// refused call is an *Error whose Kind is one of these (or nil for
// failures that need no action from the customer, such as a 5xx).
var (
	ErrAccessDenied       = errors.New("access denied")
	ErrInvalidCredentials = errors.New("invalid credentials")
	ErrExpired            = errors.New("credentials expired")
	ErrThrottled          = errors.New("throttled")
	// ErrSupportPlan: Trusted Advisor's API needs Business or Enterprise support.
	ErrSupportPlan = errors.New("support plan required")
	// ErrNotEnabled: Cost Explorer, or its rightsizing recommendations, are
	// not switched on in the account.
	ErrNotEnabled = errors.New("not enabled in AWS")
)

// Error is a failed AWS call: the operation, AWS's error code and message
// (secrets removed) and what it means for the connection.
type Error struct {
	Op      string // the AWS operation that failed, e.g. "AssumeRole"
	Code    string // AWS's error code, "" when AWS did not answer with one
	Message string
	Kind    error
	err     error
}

func (e *Error) Error() string {
	var b strings.Builder
	b.WriteString("aws " + e.Op + ": ")
	if e.Code != "" {
		b.WriteString(e.Code + ": ")
	}
	b.WriteString(e.Message)
	if hint := e.hint(); hint != "" {
		b.WriteString(" (" + hint + ")")
	}
	return b.String()
}

// Unwrap exposes both the kind (errors.Is) and the SDK's error (errors.As
// smithy.APIError).
func (e *Error) Unwrap() []error {
	if e.Kind == nil {
		return []error{e.err}
	}
	return []error{e.Kind, e.err}
}

func (e *Error) hint() string {
	switch {
	case e.Kind == ErrAccessDenied && e.Op == "AssumeRole":
		return "Canopy could not assume the role: its trust policy must name Canopy's account and this connection's external ID"
	case e.Kind == ErrAccessDenied:
		return "the credentials' IAM policy does not allow this action: attach Canopy's read-only policy"
	case e.Kind == ErrInvalidCredentials:
		return "AWS does not accept the access key: check the key ID and secret, and that the key is active"
	case e.Kind == ErrExpired:
		return "the credentials have expired: renew them"
	case e.Kind == ErrThrottled:
		return "AWS throttled the requests and retries were used up: the sync tries again later"
	case e.Kind == ErrSupportPlan:
		return "Trusted Advisor's API needs a Business or Enterprise support plan"
	case e.Kind == ErrNotEnabled:
		return "the feature is switched off in the AWS account's Cost Explorer preferences"
	}
	return ""
}

var (
	deniedCodes  = codes("AccessDenied", "AccessDeniedException", "UnauthorizedOperation", "UnauthorizedException")
	invalidCodes = codes("UnrecognizedClientException", "InvalidClientTokenId", "SignatureDoesNotMatch",
		"InvalidSignatureException", "MissingAuthenticationToken", "MissingAuthenticationTokenException",
		"IncompleteSignature", "IncompleteSignatureException", "InvalidAccessKeyId", "AuthFailure")
	expiredCodes = codes("ExpiredToken", "ExpiredTokenException", "RequestExpired")
)

func codes(c ...string) map[string]bool {
	m := make(map[string]bool, len(c))
	for _, s := range c {
		m[s] = true
	}
	return m
}

// kindOf classifies an AWS error code (and, where AWS reuses
// AccessDeniedException for a switched-off feature, its message).
func kindOf(code, message string) error {
	_, throttle := retry.DefaultThrottleErrorCodes[code]
	switch {
	case code == "AccessDeniedException" && featureOff(message):
		return ErrNotEnabled
	case deniedCodes[code]:
		return ErrAccessDenied
	case invalidCodes[code]:
		return ErrInvalidCredentials
	case expiredCodes[code]:
		return ErrExpired
	case code == "SubscriptionRequiredException":
		return ErrSupportPlan
	case throttle:
		return ErrThrottled
	}
	return nil
}

// featureOff recognises Cost Explorer's refusals for an account that has
// not enabled Cost Explorer ("User not enabled for cost explorer access")
// or rightsizing ("... is an opt-in only feature ..."), as opposed to an
// IAM refusal ("User: ... is not authorized to perform: ...").
func featureOff(message string) bool {
	m := strings.ToLower(message)
	return strings.Contains(m, "opt-in") || strings.Contains(m, "not enabled for cost explorer")
}

// wrap turns an SDK error into an *Error naming the innermost operation
// that failed (AssumeRole when the credentials could not be obtained).
func (c *Client) wrap(op string, err error) error {
	if err == nil {
		return nil
	}
	var already *Error
	if errors.As(err, &already) {
		return err
	}
	e := &Error{Op: innermostOp(err, op), err: err}
	var api smithy.APIError
	if errors.As(err, &api) {
		e.Code, e.Message = api.ErrorCode(), api.ErrorMessage()
		e.Kind = kindOf(e.Code, e.Message)
	} else if de := (*smithy.DeserializationError)(nil); errors.As(err, &de) {
		e.Message = "AWS's answer could not be read (cut off or malformed): " + de.Error()
		if re := (*awshttp.ResponseError)(nil); errors.As(err, &re) && re.HTTPStatusCode() >= 400 {
			e.Message = fmt.Sprintf("AWS answered HTTP %d in a form that could not be read: %s", re.HTTPStatusCode(), de.Error())
		}
	} else {
		e.Message = err.Error()
	}
	e.Message = c.scrub(e.Message)
	return e
}

func innermostOp(err error, op string) string {
	for {
		var oe *smithy.OperationError
		if !errors.As(err, &oe) {
			return op
		}
		op, err = oe.Operation(), oe.Err
	}
}

// scrub removes the connection's secrets from text that came from outside.
func (c *Client) scrub(s string) string {
	for _, secret := range c.secrets {
		if secret != "" {
			s = strings.ReplaceAll(s, secret, "[redacted]")
		}
	}
	return s
}
