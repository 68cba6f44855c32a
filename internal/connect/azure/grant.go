package azureconn

import (
	"context"
	"crypto/sha1"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/authorization/armauthorization/v2"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/resources/armsubscriptions"
)

// Built-in Azure roles Canopy's service principal is given (the same
// GUIDs in every tenant).
const (
	RoleReader             = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
	RoleTagContributor     = "4a9ae827-6dc8-4573-8ac7-8239d42aa03f"
	RoleReservationsReader = "582fc458-8989-419f-a480-75249bc5db7e"
	capacityScope          = "/providers/Microsoft.Capacity"
)

var roleNames = map[string]string{RoleReader: "Reader", RoleTagContributor: "Tag Contributor", RoleReservationsReader: "Reservations Reader"}

// GrantOptions are the optional roles to give.
type GrantOptions struct {
	TagWrite     bool // Tag Contributor on each subscription
	Reservations bool // Reservations Reader at /providers/Microsoft.Capacity
}

// SubscriptionGrant is what GrantAccess did on one subscription.
type SubscriptionGrant struct {
	ID, Name, State string
	Granted         []string // role names now held (new or already there)
	Skipped         string   // why nothing was granted ("" when granted)
}

// GrantReport is GrantAccess's outcome per subscription, plus the
// tenant-wide Reservations Reader assignment when asked for.
type GrantReport struct {
	Subscriptions []SubscriptionGrant
	Reservations  *SubscriptionGrant // ID "/providers/Microsoft.Capacity"
}

// GrantedAny reports whether at least one subscription got Reader.
func (r GrantReport) GrantedAny() bool {
	for _, s := range r.Subscriptions {
		if len(s.Granted) > 0 {
			return true
		}
	}
	return false
}

// ErrNothingGranted: the user is Owner of no enabled subscription.
var ErrNothingGranted = errors.New("azure onboarding: the signed-in user is Owner of no enabled subscription, so no role could be given to Canopy")

// staticToken is the user's delegated token as a credential.
type staticToken DelegatedToken

func (t staticToken) GetToken(context.Context, policy.TokenRequestOptions) (azcore.AccessToken, error) {
	exp := t.ExpiresOn
	if exp.IsZero() {
		exp = time.Now().Add(time.Hour)
	}
	return azcore.AccessToken{Token: t.AccessToken, ExpiresOn: exp}, nil
}

// GrantAccess uses the consenting user's delegated token to give Canopy's
// service principal (its object ID in the tenant) Reader, and Tag
// Contributor with TagWrite, on every enabled subscription where the user
// may assign roles (Owner or User Access Administrator); with
// Reservations, Reservations Reader at /providers/Microsoft.Capacity.
// Existing assignments count as granted. Subscriptions where nothing could
// be done are listed with the reason.
func (cfg Config) GrantAccess(ctx context.Context, tok DelegatedToken, spObjectID string, opts GrantOptions) (GrantReport, error) {
	c := &Client{cfg: cfg}
	c.cfg.ARMEndpoint = strings.TrimSuffix(orDefault(cfg.ARMEndpoint, PublicARMEndpoint), "/")
	c.cfg.AuthorityHost = cfg.authority()
	c.cred = staticToken(tok)
	subs, err := c.userSubscriptions(ctx)
	if err != nil {
		return GrantReport{}, classify(err)
	}
	var rep GrantReport
	for _, s := range subs {
		rep.Subscriptions = append(rep.Subscriptions, c.grantOn(ctx, s, spObjectID, opts))
	}
	if opts.Reservations {
		g := c.assignAt(ctx, SubscriptionGrant{ID: capacityScope, Name: "Reservations (tenant)"}, capacityScope, spObjectID, RoleReservationsReader)
		rep.Reservations = &g
	}
	if !rep.GrantedAny() {
		return rep, ErrNothingGranted
	}
	return rep, nil
}

func orDefault(s, d string) string {
	if s == "" {
		return d
	}
	return s
}

func (c *Client) userSubscriptions(ctx context.Context) ([]Subscription, error) {
	sc, err := armsubscriptions.NewClient(c.credential(), c.armOptions())
	if err != nil {
		return nil, err
	}
	var out []Subscription
	for p := sc.NewListPager(nil); p.More(); {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, err
		}
		for _, s := range page.Value {
			out = append(out, subscriptionOf(s))
		}
	}
	return out, nil
}

// grantOn gives the roles on one subscription, or says why not.
func (c *Client) grantOn(ctx context.Context, s Subscription, sp string, opts GrantOptions) SubscriptionGrant {
	g := SubscriptionGrant{ID: s.ID, Name: s.Name, State: s.State}
	scope := "/subscriptions/" + s.ID
	if !strings.EqualFold(s.State, "Enabled") {
		g.Skipped = "the subscription is " + s.State + ": roles cannot be assigned until it is enabled again"
		return g
	}
	acts, err := c.permissions(ctx, scope)
	if err != nil {
		g.Skipped = "could not read your permissions: " + err.Error()
		return g
	}
	if !acts.allows("Microsoft.Authorization/roleAssignments/write") {
		g.Skipped = "you are not Owner (or User Access Administrator) of this subscription, so you cannot assign roles on it"
		return g
	}
	roles := []string{RoleReader}
	if opts.TagWrite {
		roles = append(roles, RoleTagContributor)
	}
	for _, role := range roles {
		if g = c.assignAt(ctx, g, scope, sp, role); g.Skipped != "" {
			return g
		}
	}
	return g
}

// assignAt creates the assignment (idempotently: a deterministic name, and
// RoleAssignmentExists counts as granted).
func (c *Client) assignAt(ctx context.Context, g SubscriptionGrant, scope, sp, role string) SubscriptionGrant {
	rc, err := armauthorization.NewRoleAssignmentsClient(subscriptionOfScope(scope), c.credential(), c.armOptions())
	if err == nil {
		_, err = rc.Create(ctx, scope, assignmentName(sp, role, scope), armauthorization.RoleAssignmentCreateParameters{
			Properties: &armauthorization.RoleAssignmentProperties{
				PrincipalID: to.Ptr(sp), PrincipalType: to.Ptr(armauthorization.PrincipalTypeServicePrincipal),
				RoleDefinitionID: to.Ptr(roleDefinitionID(scope, role)),
			}}, nil)
	}
	switch code := codeOf(err); {
	case err == nil, code == "RoleAssignmentExists":
		g.Granted = append(g.Granted, roleNames[role])
	case code == "AuthorizationFailed":
		g.Skipped = "you may not assign " + roleNames[role] + " at " + scope + " (Owner or User Access Administrator needed there)"
	default:
		g.Skipped = "assigning " + roleNames[role] + " failed: " + err.Error()
	}
	return g
}

func roleDefinitionID(scope, role string) string {
	if sub := subscriptionOfScope(scope); sub != "" {
		return "/subscriptions/" + sub + "/providers/Microsoft.Authorization/roleDefinitions/" + role
	}
	return "/providers/Microsoft.Authorization/roleDefinitions/" + role
}

func subscriptionOfScope(scope string) string {
	parts := strings.Split(strings.Trim(scope, "/"), "/")
	if len(parts) >= 2 && strings.EqualFold(parts[0], "subscriptions") {
		return parts[1]
	}
	return ""
}

// assignmentName is a GUID derived from what is assigned, so that a
// second onboarding finds the same assignment.
func assignmentName(sp, role, scope string) string {
	h := sha1.Sum([]byte(strings.ToLower(sp + "|" + role + "|" + scope)))
	h[6] = h[6]&0x0f | 0x50
	h[8] = h[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", h[0:4], h[4:6], h[6:8], h[8:10], h[10:16])
}
