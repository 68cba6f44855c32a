package awsconn

import "errors"

// Sync health codes: the only five states an AWS connection's
// recommendations sync reports. Codes are stable (stored, linked).
const (
	HealthTAAccessDenied   = "ta-access-denied"
	HealthCEAccessDenied   = "ce-access-denied"
	HealthTASupportPlan    = "ta-support-plan"
	HealthCEDisabledCanopy = "ce-disabled-canopy"
	HealthCEDisabledAWS    = "ce-disabled-aws"
)

// HealthIssue is one health state with the help page that fixes it.
type HealthIssue struct {
	Code    string
	Title   string
	Message string // what AWS said, or why Canopy skipped the feature
	FixSlug string // a Help() page
}

var healthTitles = map[string]string{
	HealthTAAccessDenied:   "Cannot read recommendations from AWS Trusted Advisor",
	HealthCEAccessDenied:   "Cannot read recommendations from AWS Cost Explorer",
	HealthTASupportPlan:    "Trusted Advisor needs a Business or Enterprise support plan",
	HealthCEDisabledCanopy: "Cost Explorer recommendations are disabled in Canopy",
	HealthCEDisabledAWS:    "Cost Explorer recommendations are disabled in AWS",
}

// HealthCodes lists the five codes in display order.
func HealthCodes() []string {
	return []string{HealthTAAccessDenied, HealthCEAccessDenied, HealthTASupportPlan, HealthCEDisabledCanopy, HealthCEDisabledAWS}
}

// FixSlug is the help page for a health code.
func FixSlug(code string) string { return "aws-fix-" + code }

func newIssue(code, message string) HealthIssue {
	return HealthIssue{Code: code, Title: healthTitles[code], Message: message, FixSlug: FixSlug(code)}
}

// taIssue classifies a Trusted Advisor failure from AWS's error code; ok
// is false for failures that are not a health state (returned as errors).
func taIssue(err error) (HealthIssue, bool) {
	switch {
	case errors.Is(err, ErrSupportPlan):
		return newIssue(HealthTASupportPlan, awsMessage(err)), true
	case errors.Is(err, ErrAccessDenied):
		return newIssue(HealthTAAccessDenied, awsMessage(err)), true
	}
	return HealthIssue{}, false
}

// ceIssue classifies a Cost Explorer recommendations failure: the
// account's opt-in switches (AccessDeniedException with the opt-in or
// "not enabled" message) or an IAM refusal.
func ceIssue(err error) (HealthIssue, bool) {
	switch {
	case errors.Is(err, ErrNotEnabled):
		return newIssue(HealthCEDisabledAWS, awsMessage(err)), true
	case errors.Is(err, ErrAccessDenied):
		return newIssue(HealthCEAccessDenied, awsMessage(err)), true
	}
	return HealthIssue{}, false
}

func awsMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	return err.Error()
}

// addIssue appends is unless an issue with its code is already there.
func addIssue(list []HealthIssue, is HealthIssue) []HealthIssue {
	for _, x := range list {
		if x.Code == is.Code {
			return list
		}
	}
	return append(list, is)
}
