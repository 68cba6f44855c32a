package auth

import "slices"

// Permission is one thing a member of an organisation may do. Keys are
// "<area>.<verb>": read to see, write to change data, manage to configure
// the area, plus a few verbs of their own (act, export, purchase).
type Permission string

// The permission catalog. Add new permissions here and in catalog below,
// then decide which built-in roles get them.
const (
	PermOrgRead             Permission = "org.read"
	PermOrgManage           Permission = "org.manage"
	PermOrgOwner            Permission = "org.owner"
	PermUsersRead           Permission = "users.read"
	PermUsersManage         Permission = "users.manage"
	PermRolesManage         Permission = "roles.manage"
	PermTokensManage        Permission = "tokens.manage"
	PermAuditRead           Permission = "audit.read"
	PermSettingsManage      Permission = "settings.manage"
	PermCostsRead           Permission = "costs.read"
	PermCostsExport         Permission = "costs.export"
	PermCostsImport         Permission = "costs.import"
	PermAllocationRead      Permission = "allocation.read"
	PermAllocationWrite     Permission = "allocation.write"
	PermBudgetsRead         Permission = "budgets.read"
	PermBudgetsWrite        Permission = "budgets.write"
	PermBudgetsApprove      Permission = "budgets.approve"
	PermAlertsRead          Permission = "alerts.read"
	PermAlertsWrite         Permission = "alerts.write"
	PermChargebacksRead     Permission = "chargebacks.read"
	PermChargebacksWrite    Permission = "chargebacks.write"
	PermRecommendationsRead Permission = "recommendations.read"
	PermRecommendationsAct  Permission = "recommendations.act"
	PermM365Read            Permission = "m365.read"
	PermM365Manage          Permission = "m365.manage"
	PermM365Delegate        Permission = "m365.delegate"
	PermMarketplaceRead     Permission = "marketplace.read"
	PermMarketplacePurchase Permission = "marketplace.purchase"
	PermMarketplaceManage   Permission = "marketplace.manage"
	PermConnectionsRead     Permission = "connections.read"
	PermConnectionsManage   Permission = "connections.manage"
	PermCurrencyManage      Permission = "currency.manage"
	PermTagsWrite           Permission = "tags.write"
)

// PermissionInfo describes a permission for role editors and docs.
type PermissionInfo struct {
	Key         Permission
	Description string
}

var catalog = []PermissionInfo{
	{PermOrgRead, "See the organisation's name, plan and members' names"},
	{PermOrgManage, "Rename the organisation and change its profile"},
	{PermOrgOwner, "Transfer ownership, assign the owner role and delete the organisation"},
	{PermUsersRead, "List users, their roles and sign-in status"},
	{PermUsersManage, "Invite, deactivate and remove users and assign their roles"},
	{PermRolesManage, "Assign roles to users (the owner role needs org.owner)"},
	{PermTokensManage, "Create and revoke API tokens for the organisation"},
	{PermAuditRead, "Read the audit log"},
	{PermSettingsManage, "Change security settings: SSO, MFA policy, sessions, email"},
	{PermCostsRead, "Explore cost and usage data"},
	{PermCostsExport, "Export cost data to CSV and schedule exports"},
	{PermCostsImport, "Import billing files"},
	{PermCurrencyManage, "Import and correct exchange rates and choose the reporting currency"},
	{PermAllocationRead, "See tags, cost groups and allocation rules"},
	{PermAllocationWrite, "Create and change allocation rules, groups and splits"},
	{PermBudgetsRead, "See budgets and their forecasts"},
	{PermBudgetsWrite, "Create and change budgets and their alerts"},
	{PermBudgetsApprove, "Accept or reject requests for a different budget amount"},
	{PermAlertsRead, "See the consumption alert inbox and alert rules"},
	{PermAlertsWrite, "Create and change alert rules, evaluate them, acknowledge and mute alerts"},
	{PermChargebacksRead, "See chargeback and showback statements"},
	{PermChargebacksWrite, "Prepare, adjust and publish chargebacks"},
	{PermRecommendationsRead, "See savings recommendations"},
	{PermRecommendationsAct, "Accept, dismiss or snooze recommendations"},
	{PermM365Read, "See Microsoft 365 licences, usage and users"},
	{PermM365Manage, "Change Microsoft 365 licence assignments and policies"},
	{PermM365Delegate, "Manage Microsoft 365 virtual OUs, authorization, licence and configuration policies and delegated administrators"},
	{PermMarketplaceRead, "Browse the marketplace catalog, orders and subscriptions"},
	{PermMarketplacePurchase, "Place marketplace orders and change subscriptions"},
	{PermMarketplaceManage, "Manage marketplace agreements, catalog and approvals"},
	{PermConnectionsRead, "See cloud connections and their sync status"},
	{PermConnectionsManage, "Add, change and remove cloud connections and credentials"},
	{PermTagsWrite, "Edit resource tags in Canopy, write them back to the cloud and resolve tag conflicts"},
}

// AllPermissions returns the catalog in a stable, grouped order.
func AllPermissions() []PermissionInfo { return slices.Clone(catalog) }

// Valid reports whether p is in the catalog.
func (p Permission) Valid() bool {
	return slices.ContainsFunc(catalog, func(i PermissionInfo) bool { return i.Key == p })
}

// PermissionSet is a set of permissions. The zero value is empty and
// usable.
type PermissionSet struct {
	m map[Permission]struct{}
}

// NewPermissionSet returns a set holding perms.
func NewPermissionSet(perms ...Permission) PermissionSet {
	s := PermissionSet{m: make(map[Permission]struct{}, len(perms))}
	for _, p := range perms {
		s.m[p] = struct{}{}
	}
	return s
}

// Has reports whether p is in the set.
func (s PermissionSet) Has(p Permission) bool {
	_, ok := s.m[p]
	return ok
}

// List returns the permissions in catalog order, unknown ones last sorted.
func (s PermissionSet) List() []Permission {
	out := make([]Permission, 0, len(s.m))
	for _, info := range catalog {
		if s.Has(info.Key) {
			out = append(out, info.Key)
		}
	}
	var unknown []Permission
	for p := range s.m {
		if !p.Valid() {
			unknown = append(unknown, p)
		}
	}
	slices.Sort(unknown)
	return append(out, unknown...)
}

// Scope is the part of an organisation a grant applies to. The zero value
// means the whole organisation; otherwise Kind names what ID refers to
// (the allocation feature defines kinds such as business units).
type Scope struct {
	Kind string
	ID   string
}

// ScopeCostGroup is the kind of a grant limited to a custom group (and
// the groups below it): such a member sees only that group's costs.
const ScopeCostGroup = "cost_group"

// OrgWide reports whether s is the whole organisation.
func (s Scope) OrgWide() bool { return s == Scope{} }

// Grant gives a member a role within a scope.
type Grant struct {
	Role  string
	Scope Scope
}

// OrgPermissions returns what grants allow across the whole organisation.
// Scoped grants are ignored: they must never unlock org-wide actions.
// Grants naming unknown roles add nothing.
func OrgPermissions(grants []Grant) PermissionSet {
	s := NewPermissionSet()
	for _, g := range grants {
		if !g.Scope.OrgWide() {
			continue
		}
		if r := findRole(g.Role); r != nil {
			for _, p := range r.Permissions {
				s.m[p] = struct{}{}
			}
		}
	}
	return s
}

// Allowed reports whether grants allow p on target. An org-wide grant
// allows any target; a scoped grant only an identical scope. Nested scopes
// (a cost centre inside a business unit) come with the allocation feature,
// which owns the hierarchy and will widen this check.
func Allowed(grants []Grant, p Permission, target Scope) bool {
	for _, g := range grants {
		if !g.Scope.OrgWide() && g.Scope != target {
			continue
		}
		if r := findRole(g.Role); r != nil && slices.Contains(r.Permissions, p) {
			return true
		}
	}
	return false
}

// CanAssignRole reports whether an actor with the given grants may give
// someone role. Only owners may create owners (org.owner); any other
// built-in role needs roles.manage, org-wide.
func CanAssignRole(actor []Grant, role string) bool {
	if findRole(role) == nil {
		return false
	}
	perms := OrgPermissions(actor)
	if role == RoleOwner {
		return perms.Has(PermOrgOwner)
	}
	return perms.Has(PermRolesManage)
}

// Built-in role keys.
const (
	RoleOwner       = "owner"
	RoleAdmin       = "admin"
	RoleFinOps      = "finops"
	RoleProcurement = "procurement"
	RoleBuyer       = "buyer"
	RoleViewer      = "viewer"
)

// Role is a named bundle of permissions.
type Role struct {
	Key         string
	Name        string
	Description string
	Permissions []Permission
}

// spendReads are the read permissions over spend data: what anyone
// looking at cost needs, and nothing about people, security or plumbing.
var spendReads = []Permission{
	PermOrgRead, PermCostsRead, PermAllocationRead, PermBudgetsRead, PermAlertsRead,
	PermChargebacksRead, PermRecommendationsRead, PermM365Read, PermMarketplaceRead,
}

var builtinRoles = []Role{
	{RoleOwner, "Owner", "Full control, including transferring ownership and deleting the organisation.",
		allPermissionsExcept()},
	{RoleAdmin, "Administrator", "Full control except ownership: users, roles, security settings, connections and all data.",
		allPermissionsExcept(PermOrgOwner)},
	{RoleFinOps, "FinOps analyst", "Reads all spend data and connection health, manages allocation, budgets and chargebacks, acts on recommendations and exports costs; may create personal API tokens. No access to users or settings.",
		append(slices.Clone(spendReads), PermConnectionsRead, PermCostsExport, PermCostsImport, PermTokensManage, PermCurrencyManage,
			PermAllocationWrite, PermBudgetsWrite, PermBudgetsApprove, PermAlertsWrite, PermChargebacksWrite, PermRecommendationsAct, PermTagsWrite)},
	{RoleProcurement, "Procurement", "Runs the marketplace: manages the catalog and vendors, buys, processes queried orders and issues invoices; sees costs and budgets to do so; may create personal API tokens.",
		[]Permission{PermOrgRead, PermMarketplaceRead, PermMarketplacePurchase, PermMarketplaceManage,
			PermCostsRead, PermBudgetsRead, PermAlertsRead, PermTokensManage}},
	{RoleBuyer, "Buyer", "Places and follows marketplace orders and sees agreements, subscriptions and invoices; may create personal API tokens. Cannot change the catalog or see costs.",
		[]Permission{PermOrgRead, PermMarketplaceRead, PermMarketplacePurchase, PermTokensManage}},
	{RoleViewer, "Viewer", "Reads spend areas (costs, allocation, budgets, chargebacks, recommendations, Microsoft 365, marketplace). Cannot change anything or export cost data (it can download chargeback statements and invoices), and sees no users, audit log or connections.",
		slices.Clone(spendReads)},
}

func allPermissionsExcept(excluded ...Permission) []Permission {
	var out []Permission
	for _, info := range catalog {
		if !slices.Contains(excluded, info.Key) {
			out = append(out, info.Key)
		}
	}
	return out
}

// Roles returns the built-in roles, most powerful first.
func Roles() []Role {
	out := make([]Role, len(builtinRoles))
	for i, r := range builtinRoles {
		out[i] = cloneRole(r)
	}
	return out
}

// RoleByKey returns the built-in role with the given key.
func RoleByKey(key string) (Role, bool) {
	if r := findRole(key); r != nil {
		return cloneRole(*r), true
	}
	return Role{}, false
}

// findRole looks a role up without copying, for per-request checks.
func findRole(key string) *Role {
	for i := range builtinRoles {
		if builtinRoles[i].Key == key {
			return &builtinRoles[i]
		}
	}
	return nil
}

// cloneRole copies the permission slice so callers cannot edit the
// built-in roles through it.
func cloneRole(r Role) Role {
	r.Permissions = slices.Clone(r.Permissions)
	return r
}
