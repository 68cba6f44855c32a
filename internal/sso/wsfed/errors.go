package wsfed

import (
	"errors"
	"fmt"

	"github.com/canopyhq/canopy/internal/sso/saml"
)

// Reason codes carried by *Error. They are stable strings written to the
// audit log; they match package saml's codes where the check is the same.
const (
	ReasonSignatureMissing = "signature_missing" // the assertion carries no enveloped signature
	ReasonSignatureInvalid = "signature_invalid" // the signature does not verify with any configured certificate
	ReasonWrapping         = "wrapping"          // shape typical of XML signature wrapping (extra or moved assertions, duplicate IDs)
	ReasonAudience         = "audience"          // the token is not for this realm
	ReasonRecipient        = "recipient"         // a SAML 2.0 Recipient that is not our reply URL
	ReasonExpired          = "expired"           // NotOnOrAfter or the RST lifetime passed (beyond the clock skew)
	ReasonNotYetValid      = "not_yet_valid"     // NotBefore or the RST lifetime's Created in the future (beyond the skew)
	ReasonReplayed         = "replayed"          // the assertion ID was already accepted
	ReasonIssuer           = "issuer"            // the assertion's issuer is not the configured STS
	ReasonComment          = "xml_comment"       // an XML comment inside the assertion (NameIdentifier truncation)
	ReasonMalformed        = "malformed"         // not XML, DTD/entities, wrong root, missing required element
	ReasonTooLarge         = "too_large"         // the message exceeds the size limit
	ReasonUnsupported      = "unsupported"       // encrypted tokens, token types other than SAML 1.1 / 2.0
	ReasonReplayCache      = "replay_cache"      // the replay cache failed; the token is refused (fail closed)
)

// Error is returned by every validation in this package. Reason is one of
// the Reason* constants; Detail is for logs, not for end users.
type Error struct {
	Reason string
	Detail string
	Err    error
}

func (e *Error) Error() string {
	msg := "wsfed: " + e.Reason
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

// fromSAML keeps the reason of package saml's XML hardening errors.
func fromSAML(err error) error {
	var se *saml.Error
	if errors.As(err, &se) {
		return &Error{Reason: se.Reason, Detail: se.Detail, Err: se.Err}
	}
	return failErr(ReasonMalformed, err, "XML")
}
