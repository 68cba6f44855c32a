package m365

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/Azure/azure-sdk-for-go/sdk/azidentity"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
)

// syncSteps are the progress steps of a sync.
const syncSteps = 8

// Sync implements connect.Connector: it reads the tenant's users, SKUs,
// groups and members and replaces the connection's directory snapshot in
// one transaction; then it reads the usage report (each user's last
// activity) and derives the licence recommendations; last it imports the
// five usage reports and the day's licence snapshot for analytics (see
// importUsage). Each step is all or
// nothing, so a retried sync simply reads again: no checkpoint is needed.
// The run's day window does not apply.
func (c Connector) Sync(ctx context.Context, conn connect.Connection, _ []byte, run *connect.Run) error {
	s, err := parseSettings(conn.Settings)
	if err != nil {
		return err
	}
	cl, err := c.client(run.Env(), s.TenantID)
	if err != nil {
		return err
	}
	snap, err := readTenant(ctx, cl, s.TenantID, run)
	if err != nil {
		recordSyncFailure(ctx, run, conn, err)
		return err
	}
	run.Progress(4, syncSteps, "Saving the directory")
	res, err := run.Store().ReplaceDirectory(ctx, conn.OrgID, conn.ID, snap, domain.Now())
	if err != nil {
		return fmt.Errorf("save the Microsoft 365 directory: %w", err)
	}
	run.AddRows(int64(res.Users + res.SKUs + res.Groups))
	run.Progress(5, syncSteps, "Usage report")
	if err := readActivity(ctx, cl, run, conn, snap.Users); err != nil {
		return err
	}
	run.Progress(6, syncSteps, "Licence recommendations")
	if _, _, err := recommend.RefreshLicences(ctx, run.Store(), conn.OrgID, conn.ID, s.TenantID, domain.Now()); err != nil {
		return fmt.Errorf("derive the licence recommendations: %w", err)
	}
	run.Progress(7, syncSteps, "Usage analytics (five usage reports)")
	if err := importUsage(ctx, cl, run, conn, snap); err != nil {
		return err
	}
	c.useServiceAccount(ctx, run, conn.OrgID, conn.ID, s.TenantID, licensedUsers(snap.Users))
	run.Progress(syncSteps, syncSteps, fmt.Sprintf("%d users, %d licences, %d groups (%d users no longer in the tenant)",
		res.Users, res.SKUs, res.Groups, res.UsersDeleted))
	return nil
}

// readTenant reads everything of the snapshot. Users are required; SKUs
// and groups are optional parts whose missing permission is a warning.
func readTenant(ctx context.Context, cl *Client, tenant string, run *connect.Run) (store.DirectorySnapshot, error) {
	var snap store.DirectorySnapshot
	run.Progress(0, syncSteps, "Users")
	err := cl.Users(ctx, func(u User) error {
		snap.Users = append(snap.Users, storeUser(u))
		if n := len(snap.Users); n%1000 == 0 {
			run.Progress(0, syncSteps, fmt.Sprintf("Users (%d so far)", n))
		}
		return nil
	})
	if err != nil {
		return snap, syncError(err, tenant, "read the users", "User.Read.All")
	}
	if err := readRegistrations(ctx, cl, tenant, run, snap.Users); err != nil {
		return snap, err
	}
	run.Progress(1, syncSteps, "Licences")
	skus, err := cl.SubscribedSKUs(ctx)
	switch {
	case IsForbidden(err):
		run.Warn(missingPermission("Licences (subscribed SKUs)", "Organization.Read.All"))
	case err != nil:
		return snap, syncError(err, tenant, "read the licences", "Organization.Read.All")
	default:
		snap.HasSKUs = true
	}
	for _, k := range skus {
		snap.SKUs = append(snap.SKUs, storeSKU(k))
	}
	run.Progress(2, syncSteps, "Groups")
	return snap, readGroups(ctx, cl, tenant, run, &snap)
}

// readGroups fills the snapshot's groups and direct members.
func readGroups(ctx context.Context, cl *Client, tenant string, run *connect.Run, snap *store.DirectorySnapshot) error {
	var groups []Group
	err := cl.Groups(ctx, func(g Group) error { groups = append(groups, g); return nil })
	if IsForbidden(err) {
		run.Warn(missingPermission("Groups", "Directory.Read.All (or Group.Read.All)"))
		return nil
	}
	if err != nil {
		return syncError(err, tenant, "read the groups", "Directory.Read.All")
	}
	run.Progress(3, syncSteps, "Group members")
	for _, g := range groups {
		snap.Groups = append(snap.Groups, storeGroup(g))
		err := cl.GroupMembers(ctx, g.ID, func(m Member) error {
			snap.Members = append(snap.Members, store.M365Member{GroupID: g.ID, MemberID: m.ID, MemberType: m.Type})
			return nil
		})
		if err != nil {
			return syncError(err, tenant, "read the members of group "+g.DisplayName, "Directory.Read.All")
		}
	}
	snap.HasGroups = true
	return nil
}

func missingPermission(part, permission string) string {
	return fmt.Sprintf("%s skipped: Canopy's app lacks the Microsoft Graph application permission %s in this tenant. "+
		"Fix: add it and grant admin consent again (see /help/%s).", part, permission, HelpPermissions)
}

// syncError turns a failure of a required read into the sync's error:
// throttling and server or network trouble are retried later (the sync
// resumes by reading again); a refused sign-in or token names the
// consent fix; a missing permission names the permission.
func syncError(err error, tenant, what, permission string) error {
	var te *TokenError
	var ge *Error
	switch {
	case errors.Is(err, context.Canceled), errors.Is(err, context.DeadlineExceeded):
		return err
	case errors.As(err, &te):
		return tokenError(te, tenant)
	case IsUnauthorized(err):
		return fmt.Errorf("Microsoft Graph refused Canopy's token for tenant %s (%w). Fix: an administrator of the tenant "+
			"grants admin consent to Canopy again (see /help/%s)", tenant, err, HelpConsent)
	case IsForbidden(err):
		return fmt.Errorf("Could not %s: Canopy's app lacks the Microsoft Graph application permission %s in tenant %s (%w). "+
			"Fix: add it and grant admin consent (see /help/%s)", what, permission, tenant, err, HelpPermissions)
	case IsThrottled(err), errors.As(err, &ge) && ge.Status >= 500:
		return connect.Retryable(fmt.Errorf("Could not %s: %w", what, err))
	case errors.As(err, &ge):
		return fmt.Errorf("Could not %s: %w", what, err)
	}
	return connect.Retryable(fmt.Errorf("Could not %s: %w", what, err))
}

// tokenError explains a failed sign-in of Canopy's app to the tenant. An
// answer of Entra ID (4xx: app not consented there, consent revoked,
// tenant unknown, wrong secret) is final; anything else is retried.
func tokenError(te *TokenError, tenant string) error {
	var af *azidentity.AuthenticationFailedError
	if !errors.As(te, &af) || af.RawResponse == nil || af.RawResponse.StatusCode >= http.StatusInternalServerError {
		return connect.Retryable(fmt.Errorf("Could not sign in to Microsoft Entra ID: %w", te))
	}
	msg := te.Error()
	switch {
	case blockedByConditionalAccess(msg):
		return fmt.Errorf("A conditional-access policy of Microsoft 365 tenant %s blocks Canopy's sign-in. Fix: exclude Canopy's "+
			"enterprise application from the policy and check with \"What If\" (see /help/%s). Entra ID said: %s",
			tenant, HelpConditionalAccess, firstLine(msg))
	case strings.Contains(msg, "AADSTS700016"), strings.Contains(msg, "AADSTS65001"):
		return refused(fmt.Errorf("Canopy's app has no admin consent in Microsoft 365 tenant %s (it was never granted or was revoked). "+
			"Fix: a Global Administrator of the tenant grants admin consent to Canopy again (see /help/%s). Entra ID said: %s",
			tenant, HelpConsent, firstLine(msg)))
	case strings.Contains(msg, "AADSTS90002"), strings.Contains(msg, "AADSTS900023"):
		return refused(fmt.Errorf("Microsoft Entra ID does not know tenant %q: check the connection's tenant ID. Entra ID said: %s", tenant, firstLine(msg)))
	case strings.Contains(msg, "AADSTS7000215"), strings.Contains(msg, "AADSTS7000222"):
		return fmt.Errorf("Microsoft Entra ID refused Canopy's own client secret (invalid or expired): the Canopy administrator "+
			"renews CANOPY_AZURE_CLIENT_SECRET. Entra ID said: %s", firstLine(msg))
	}
	return refused(fmt.Errorf("Microsoft Entra ID refused Canopy's sign-in to tenant %s. Fix: grant admin consent to Canopy again "+
		"(see /help/%s). Entra ID said: %s", tenant, HelpConsent, firstLine(msg)))
}

// refusedError is a final refusal of Canopy's sign-in to the tenant by
// Entra ID (no consent, consent revoked, unknown tenant): analytics show
// it as "not authorized".
type refusedError struct{ err error }

func (e *refusedError) Error() string { return e.err.Error() }
func (e *refusedError) Unwrap() error { return e.err }

func refused(err error) error { return &refusedError{err} }

// firstLine keeps an SDK error to its AADSTS line, without the request dump.
func firstLine(s string) string {
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, "AADSTS"); i >= 0 {
			return strings.TrimSpace(l[i:])
		}
	}
	s, _, _ = strings.Cut(s, "\n")
	return s
}
