package arm

import (
	"regexp"
	"strings"
)

// Built-in role definition IDs (the same GUIDs in every Azure tenant).
const (
	RoleOwner                   = "8e3af657-a8ff-443c-a75c-2fe8c4bcb635"
	RoleContributor             = "b24988ac-6180-42a0-ab88-20f7382dd24c"
	RoleReader                  = "acdd72a7-3385-48ef-bd42-f606fba81ae7"
	RoleTagContributor          = "4a9ae827-6dc8-4573-8ac7-8239d42aa03f"
	RoleReservationsReader      = "582fc458-8989-419f-a480-75249bc5db7e"
	RoleUserAccessAdministrator = "18d7d88d-d35e-4fb5-a5c3-7773c20a72d9"
	RoleCostManagementReader    = "72fafb9e-0641-4937-9268-a91bfd8191a3"
)

// RoleDefinition is a built-in role with its real permissions.
type RoleDefinition struct {
	ID          string
	Name        string
	Description string
	Actions     []string
	NotActions  []string
}

// BuiltInRoles are the roles the sandbox knows, with Azure's actions.
var BuiltInRoles = []RoleDefinition{
	{RoleOwner, "Owner", "Grants full access to manage all resources, including the ability to assign roles in Azure RBAC.",
		[]string{"*"}, nil},
	{RoleContributor, "Contributor", "Grants full access to manage all resources, but does not allow you to assign roles in Azure RBAC, manage assignments in Azure Blueprints, or share image galleries.",
		[]string{"*"}, []string{"Microsoft.Authorization/*/Delete", "Microsoft.Authorization/*/Write", "Microsoft.Authorization/elevateAccess/Action",
			"Microsoft.Blueprint/blueprintAssignments/write", "Microsoft.Blueprint/blueprintAssignments/delete", "Microsoft.Compute/galleries/share/action",
			"Microsoft.Purview/consents/write", "Microsoft.Purview/consents/delete", "Microsoft.Resources/deploymentStacks/manageDenySetting/action",
			"Microsoft.Subscription/cancel/action", "Microsoft.Subscription/enable/action"}},
	{RoleReader, "Reader", "View all resources, but does not allow you to make any changes.",
		[]string{"*/read"}, nil},
	{RoleTagContributor, "Tag Contributor", "Lets you manage tags on entities, without providing access to the entities themselves.",
		[]string{"Microsoft.Authorization/*/read", "Microsoft.Resources/subscriptions/resourceGroups/read",
			"Microsoft.Resources/subscriptions/resourceGroups/resources/read", "Microsoft.Resources/subscriptions/resources/read",
			"Microsoft.Resources/deployments/*", "Microsoft.Insights/alertRules/*", "Microsoft.Support/*", "Microsoft.Resources/tags/*"}, nil},
	{RoleReservationsReader, "Reservations Reader", "Lets one read all the reservations in a tenant",
		[]string{"Microsoft.Capacity/*/read"}, nil},
	{RoleUserAccessAdministrator, "User Access Administrator", "Lets you manage user access to Azure resources.",
		[]string{"*/read", "Microsoft.Authorization/*", "Microsoft.Support/*"}, nil},
	{RoleCostManagementReader, "Cost Management Reader", "Can view cost data and configuration (e.g. budgets, exports)",
		[]string{"Microsoft.Consumption/*/read", "Microsoft.CostManagement/*/read", "Microsoft.Billing/billingPeriods/read",
			"Microsoft.Resources/subscriptions/read", "Microsoft.Resources/subscriptions/resourceGroups/read", "Microsoft.Support/*",
			"Microsoft.Advisor/configurations/read", "Microsoft.Advisor/recommendations/read", "Microsoft.Management/managementGroups/read",
			"Microsoft.Billing/billingProperty/read"}, nil},
}

// roleByID finds a built-in role by GUID.
func roleByID(id string) (RoleDefinition, bool) {
	id = roleGUID(id)
	for _, r := range BuiltInRoles {
		if strings.EqualFold(r.ID, id) {
			return r, true
		}
	}
	return RoleDefinition{}, false
}

// roleGUID takes the GUID from a full role definition ID.
func roleGUID(id string) string {
	if i := strings.LastIndex(id, "/"); i >= 0 {
		id = id[i+1:]
	}
	return strings.ToLower(id)
}

// permits reports whether the role allows action.
func (r RoleDefinition) permits(action string) bool {
	return matchAny(r.Actions, action) && !matchAny(r.NotActions, action)
}

func matchAny(patterns []string, action string) bool {
	for _, p := range patterns {
		if actionMatch(p, action) {
			return true
		}
	}
	return false
}

// actionMatch matches an RBAC action pattern; "*" spans any characters,
// "/" included, and the comparison ignores case.
func actionMatch(pattern, action string) bool {
	parts := strings.Split(pattern, "*")
	for i, p := range parts {
		parts[i] = regexp.QuoteMeta(p)
	}
	re, err := regexp.Compile("(?i)^" + strings.Join(parts, ".*") + "$")
	return err == nil && re.MatchString(action)
}

// cleanScope normalizes a scope: one leading slash, no trailing one, and
// "" for the root.
func cleanScope(s string) string {
	s = "/" + strings.Trim(s, "/")
	if s == "/" {
		return ""
	}
	return s
}

// within reports whether scope lies at or below parent.
func within(scope, parent string) bool {
	s, p := strings.ToLower(cleanScope(scope)), strings.ToLower(cleanScope(parent))
	return p == "" || s == p || strings.HasPrefix(s, p+"/")
}

// subscriptionOf returns the subscription GUID in a scope ("" if none).
func subscriptionOf(scope string) string {
	parts := strings.Split(strings.Trim(scope, "/"), "/")
	if len(parts) >= 2 && strings.EqualFold(parts[0], "subscriptions") {
		return parts[1]
	}
	return ""
}
