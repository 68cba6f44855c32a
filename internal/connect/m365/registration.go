package m365

import (
	"context"
	"fmt"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/store"
)

// Registration is a user's entry of the authentication methods
// registration report (userRegistrationDetails).
type Registration struct {
	ID                string   `json:"id"`
	UserPrincipalName string   `json:"userPrincipalName"`
	IsMFARegistered   bool     `json:"isMfaRegistered"`
	IsMFACapable      bool     `json:"isMfaCapable"`
	MethodsRegistered []string `json:"methodsRegistered"`
}

// RegistrationDetails calls fn for every entry of
// /reports/authenticationMethods/userRegistrationDetails (application
// permission AuditLog.Read.All), following @odata.nextLink.
func (c *Client) RegistrationDetails(ctx context.Context, fn func(Registration) error) error {
	return eachItem(ctx, c, c.endpoint("/v1.0/reports/authenticationMethods/userRegistrationDetails?$top=999"), fn)
}

// readRegistrations sets each snapshot user's MFA registration from the
// registration report. A missing permission is a warning (the users keep
// what was stored: "" never overwrites); other failures fail the sync.
func readRegistrations(ctx context.Context, cl *Client, tenant string, run *connect.Run, users []store.M365User) error {
	reg := map[string]bool{}
	err := cl.RegistrationDetails(ctx, func(r Registration) error { reg[r.ID] = r.IsMFARegistered; return nil })
	if IsForbidden(err) {
		run.Warn(missingPermission("MFA registration (authentication methods report)", "AuditLog.Read.All (or Reports.Read.All)"))
		return nil
	}
	if err != nil {
		return syncError(err, tenant, "read the MFA registration report", "AuditLog.Read.All")
	}
	for i := range users {
		if v, ok := reg[users[i].ObjectID]; ok {
			users[i].MFARegistered = fmt.Sprint(v)
		}
	}
	return nil
}
