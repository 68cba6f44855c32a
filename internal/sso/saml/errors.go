package saml

import (
	"errors"
	"fmt"
)

// Reason codes carried by *Error. They are stable strings: callers write them
// to the audit log, so existing values must never change meaning.
const (
	ReasonSignatureMissing = "signature_missing" // neither the Response nor the Assertion is signed
	ReasonSignatureInvalid = "signature_invalid" // a signature does not verify against the configured certificates
	ReasonWrapping         = "wrapping"          // document shape typical of XML signature wrapping (extra/moved assertions, duplicate IDs)
	ReasonAudience         = "audience"          // the assertion is not for this service provider
	ReasonRecipient        = "recipient"         // Destination or Recipient is not this connection's endpoint
	ReasonExpired          = "expired"           // NotOnOrAfter passed (beyond the clock skew)
	ReasonNotYetValid      = "not_yet_valid"     // NotBefore in the future (beyond the clock skew)
	ReasonReplayed         = "replayed"          // the assertion ID was already accepted
	ReasonUnsolicited      = "unsolicited"       // IdP-initiated response while the connection does not allow it
	ReasonInResponseTo     = "in_response_to"    // InResponseTo does not match the request this browser sent
	ReasonIssuer           = "issuer"            // Issuer is not the configured IdP entity ID
	ReasonStatus           = "status"            // the IdP reported a non-success status
	ReasonPartialLogout    = "partial_logout"    // a LogoutResponse of Success with the second-level status PartialLogout
	ReasonComment          = "xml_comment"       // an XML comment inside NameID or an attribute value
	ReasonMalformed        = "malformed"         // not base64, not XML, wrong root, missing required element, DTD/entities
	ReasonTooLarge         = "too_large"         // the message exceeds the size limit
	ReasonUnsupported      = "unsupported"       // a feature this package does not accept (encrypted assertions, unknown SigAlg)
	ReasonReplayCache      = "replay_cache"      // the replay cache failed; the response is refused (fail closed)
)

// Error is returned by every validation in this package. Reason is one of the
// Reason* constants; Detail is for logs, not for end users.
type Error struct {
	Reason string
	Detail string
	Err    error
}

func (e *Error) Error() string {
	msg := "saml: " + e.Reason
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	if e.Err != nil {
		msg += ": " + e.Err.Error()
	}
	return msg
}

func (e *Error) Unwrap() error { return e.Err }

// ReasonOf returns the reason code of err, or "" when err is not an *Error.
func ReasonOf(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Reason
	}
	return ""
}

func fail(reason, format string, args ...any) *Error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...)}
}

func failErr(reason string, err error, format string, args ...any) *Error {
	return &Error{Reason: reason, Detail: fmt.Sprintf(format, args...), Err: err}
}
