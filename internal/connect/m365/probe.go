package m365

import (
	"context"
	"errors"
	"io"
	"net/http"

	"github.com/canopyhq/canopy/internal/connect/msapi"
)

// Features the connection doctor lists for a Microsoft 365 connection.
const (
	FeatureUsers             = "m365_users"
	FeatureLicences          = "licences"
	FeatureUsageReports      = "usage_reports"
	FeatureReportConcealment = "report_concealment"
)

// CheckState is the outcome of one probe.
type CheckState string

const (
	CheckOK                CheckState = "ok"
	CheckMissingPermission CheckState = "missing_permission"
	CheckUnauthorized      CheckState = "unauthorized"
	CheckBlocked           CheckState = "blocked_by_conditional_access"
	CheckThrottled         CheckState = "throttled"
	CheckFailed            CheckState = "failed"
)

// Check is whether one feature works right now, found by a cheap real call.
type Check struct {
	Feature    string
	Permission string // the Graph application permission the feature needs
	State      CheckState
	Detail     string // what Graph answered, when not OK
	Fix        string // what the customer's admin does, when not OK
	Warning    string // works, but with a caveat the UI explains
}

// probe is one feature's cheap call.
type probe struct {
	feature, permission string
	call                func(ctx context.Context, c *Client) (warning string, err error)
}

var probes = []probe{
	{FeatureUsers, "User.Read.All", func(ctx context.Context, c *Client) (string, error) {
		var p page[User]
		return "", c.getJSON(ctx, c.endpoint("/v1.0/users?$top=1&$select=id"), &p)
	}},
	{FeatureLicences, "Organization.Read.All (or Directory.Read.All)", func(ctx context.Context, c *Client) (string, error) {
		_, err := c.SubscribedSKUs(ctx)
		return "", err
	}},
	{FeatureUsageReports, "Reports.Read.All", probeReports},
	{FeatureReportConcealment, "ReportSettings.Read.All", func(ctx context.Context, c *Client) (string, error) {
		s, err := c.ReportSettings(ctx)
		if err != nil || !s.DisplayConcealedNames {
			return "", err
		}
		return "Usage reports conceal user names, so usage cannot be matched to users. Turn off \"Display concealed user, " +
			"group, and site names in all reports\" (Microsoft 365 admin center > Settings > Org settings > Reports), " +
			"or grant ReportSettings.ReadWrite.All and let Canopy turn it off.", nil
	}},
}

// probeReports asks for a report without downloading it: the redirect to
// the download is proof enough.
func probeReports(ctx context.Context, c *Client) (string, error) {
	resp, err := c.api.Do(ctx, msapi.Request{Method: http.MethodGet, Idempotent: true,
		URL: c.endpoint("/v1.0/reports/" + ReportActiveUsers + "(period='D7')")})
	if err != nil {
		return "", err
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 1<<20))
	return "", resp.Body.Close()
}

// Probe runs every feature's check and reports each, in a fixed order.
func (c *Client) Probe(ctx context.Context) []Check {
	out := make([]Check, 0, len(probes))
	for _, p := range probes {
		ch := Check{Feature: p.feature, Permission: p.permission, State: CheckOK}
		warning, err := p.call(ctx, c)
		ch.Warning = warning
		if err != nil {
			ch.State, ch.Fix = diagnose(err, p.permission)
			ch.Detail = err.Error()
		}
		out = append(out, ch)
	}
	return out
}

// diagnose maps a failed probe to its state and fix.
func diagnose(err error, permission string) (CheckState, string) {
	var te *TokenError
	switch {
	case IsForbidden(err):
		return CheckMissingPermission, "Add the Microsoft Graph application permission " + permission +
			" to Canopy's app registration (Microsoft Entra admin center > App registrations > Canopy > API permissions)" +
			" and select \"Grant admin consent\" for the tenant."
	case errors.As(err, &te) && blockedByConditionalAccess(te.Error()):
		return CheckBlocked, "A conditional-access policy of the tenant blocks Canopy's sign-in: exclude Canopy's enterprise " +
			"application (workload identity) from the policy and check with \"What If\"."
	case IsUnauthorized(err), errors.As(err, &te):
		return CheckUnauthorized, "Microsoft Graph refused Canopy's token: the client secret or certificate may have expired, " +
			"or admin consent was revoked. Renew the credential in the connection settings and grant admin consent again."
	case IsThrottled(err):
		return CheckThrottled, "Microsoft Graph is throttling Canopy's app in this tenant right now; the check runs again later."
	}
	return CheckFailed, "Canopy could not reach Microsoft Graph to check this; try again, and see the detail if it persists."
}
