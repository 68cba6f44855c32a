// Package arm emulates Azure Resource Manager for the sandbox cloud:
// subscriptions, resource groups, resources with tags, tags at scope, role
// definitions and assignments (Azure RBAC, which also authorizes every
// request), the caller's permissions, and the management partner link.
//
// Other services of the ARM host (Cost Management, reservations, Advisor)
// are mounted on the same handler with Mount and authorize through
// Authorizer, so one set of role assignments governs them all.
package arm

import (
	"net/http"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// Subscription states as ARM reports them.
const (
	StateEnabled  = "Enabled"
	StateDisabled = "Disabled"
	StateWarned   = "Warned"
)

// Directory tells ARM which principals exist (Entra implements it).
type Directory interface {
	// PrincipalType returns "User", "ServicePrincipal" or "" (not found).
	PrincipalType(tenantID, objectID string) string
}

// Options configure a new ARM.
type Options struct {
	Seed   int64
	Clock  *sbx.Clock
	Issuer *sbx.Issuer
	// Directory checks role-assignment principals; nil accepts any.
	Directory Directory
	// PageSize is the number of items per page of list calls (default 100).
	PageSize int
}

// Subscription is an Azure subscription.
type Subscription struct {
	ID       string // the GUID
	TenantID string
	Name     string
	State    string
}

// ResourceGroup is a resource group.
type ResourceGroup struct {
	SubscriptionID string
	Name           string
	Location       string
	Tags           map[string]string
}

// Resource is one resource in a group.
type Resource struct {
	ID             string // /subscriptions/{sub}/resourceGroups/{rg}/providers/{type}/{name}
	SubscriptionID string
	ResourceGroup  string
	Name           string
	Type           string // e.g. Microsoft.Compute/virtualMachines
	Location       string
	Kind           string
	SKU            string
	Tags           map[string]string
}

// Assignment is a role assignment.
type Assignment struct {
	Name             string // a GUID
	Scope            string
	RoleDefinitionID string // the role's GUID
	PrincipalID      string
	PrincipalType    string
	CreatedOn        time.Time
	CreatedBy        string
}

type subscription struct {
	Subscription
	tags      map[string]string
	groups    []*ResourceGroup
	resources []*Resource
}

type mount struct {
	contains string
	h        http.Handler
}

// ARM is the emulated Resource Manager.
type ARM struct {
	seed     int64
	clock    *sbx.Clock
	issuer   *sbx.Issuer
	dir      Directory
	pageSize int

	mu          sync.Mutex
	subs        map[string]*subscription // by lower-case ID
	assignments []*Assignment
	partners    map[string]*partner // by tenant/object ID
	mounts      []mount
}

// New returns an ARM with no subscriptions.
func New(o Options) *ARM {
	if o.PageSize <= 0 {
		o.PageSize = 100
	}
	return &ARM{seed: o.Seed, clock: o.Clock, issuer: o.Issuer, dir: o.Directory, pageSize: o.PageSize,
		subs: map[string]*subscription{}, partners: map[string]*partner{}}
}

// SetDirectory sets the principal directory after construction.
func (a *ARM) SetDirectory(d Directory) {
	a.mu.Lock()
	a.dir = d
	a.mu.Unlock()
}

// AddSubscription creates a subscription in tenantID with a seeded set of
// resource groups and resources.
func (a *ARM) AddSubscription(tenantID, name, state string) Subscription {
	if state == "" {
		state = StateEnabled
	}
	s := &subscription{Subscription: Subscription{
		ID: sbx.UUID(a.seed, "subscription", tenantID, name), TenantID: tenantID, Name: name, State: state,
	}, tags: map[string]string{}}
	s.groups, s.resources = seedWorld(a.seed, s.ID)
	a.mu.Lock()
	a.subs[strings.ToLower(s.ID)] = s
	a.mu.Unlock()
	return s.Subscription
}

// SetState changes a subscription's state (Enabled, Disabled, Warned).
func (a *ARM) SetState(subID, state string) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if s := a.subs[strings.ToLower(subID)]; s != nil {
		s.State = state
	}
}

// Subscriptions lists every subscription, by name.
func (a *ARM) Subscriptions() []Subscription {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Subscription, 0, len(a.subs))
	for _, s := range a.subs {
		out = append(out, s.Subscription)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out
}

// Resources returns copies of a subscription's resources (for Cost
// Management's usage data).
func (a *ARM) Resources(subID string) []Resource {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.subs[strings.ToLower(subID)]
	if s == nil {
		return nil
	}
	out := make([]Resource, len(s.resources))
	for i, r := range s.resources {
		out[i] = *r
		out[i].Tags = copyTags(r.Tags)
	}
	return out
}

// ResourceGroups returns copies of a subscription's resource groups.
func (a *ARM) ResourceGroups(subID string) []ResourceGroup {
	a.mu.Lock()
	defer a.mu.Unlock()
	s := a.subs[strings.ToLower(subID)]
	if s == nil {
		return nil
	}
	out := make([]ResourceGroup, len(s.groups))
	for i, g := range s.groups {
		out[i] = *g
		out[i].Tags = copyTags(g.Tags)
	}
	return out
}

// Assign gives principalObjectID the role (a GUID or a full role
// definition ID) at scope, as an existing assignment of the world.
func (a *ARM) Assign(principalObjectID, roleDefinitionID, scope string) Assignment {
	as := &Assignment{
		Name:             sbx.UUID(a.seed, "assignment", principalObjectID, roleDefinitionID, strings.ToLower(scope)),
		Scope:            cleanScope(scope),
		RoleDefinitionID: roleGUID(roleDefinitionID),
		PrincipalID:      principalObjectID,
		PrincipalType:    "User",
		CreatedOn:        a.clock.Now(),
	}
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.dir != nil {
		if t := a.dir.PrincipalType(a.tenantOfScopeLocked(scope), principalObjectID); t != "" {
			as.PrincipalType = t
		}
	}
	a.assignments = append(a.assignments, as)
	return *as
}

// Assignments lists every role assignment.
func (a *ARM) Assignments() []Assignment {
	a.mu.Lock()
	defer a.mu.Unlock()
	out := make([]Assignment, len(a.assignments))
	for i, as := range a.assignments {
		out[i] = *as
	}
	return out
}

// Mount serves every request whose path contains pathContains
// (case-insensitive) with h, before ARM's own routes.
func (a *ARM) Mount(pathContains string, h http.Handler) {
	a.mu.Lock()
	a.mounts = append(a.mounts, mount{strings.ToLower(pathContains), h})
	a.mu.Unlock()
}

// Handler serves the ARM endpoints.
func (a *ARM) Handler() http.Handler { return http.HandlerFunc(a.route) }

// Authorizer returns the RBAC check for services mounted on the ARM host.
func (a *ARM) Authorizer() sbx.Authorizer { return authorizer{a} }

func copyTags(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[k] = v
	}
	return out
}

// tenantOfScopeLocked returns the tenant of the scope's subscription.
func (a *ARM) tenantOfScopeLocked(scope string) string {
	if s := a.subs[strings.ToLower(subscriptionOf(scope))]; s != nil {
		return s.TenantID
	}
	return ""
}
