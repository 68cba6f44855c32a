package web

import (
	"strings"

	"github.com/canopyhq/canopy/internal/delegation"
)

// DelegationUsersPage lists, per Microsoft 365 connection, the directory
// users the signed-in member may administer, with their OUs.
type DelegationUsersPage struct {
	Layout
	Q           string
	Connections []DelegationConnUsers
}

func (DelegationUsersPage) Template() string { return "m365_delegation_users" }

// DelegationConnUsers is one connection's administrable users (Users
// after the search; Total before it).
type DelegationConnUsers struct {
	ID, Name string
	Total    int
	Users    []delegation.AdminUser
}

// DelegationUserPage is one directory user with the actions the member
// may perform, and the result of the last one.
type DelegationUserPage struct {
	Layout
	FormErrors
	ConnectionID string
	User         DelegationUserView
	OUs          []delegation.Placement
	Actions      []delegation.Action
	SKUs         []DelegationSKU
	// Refusal: the member may do nothing on this user, and why.
	Refusal string
	Done    *DelegationResult
}

func (DelegationUserPage) Template() string { return "m365_delegation_user" }

// Can says whether the member may perform an action on the user.
func (p DelegationUserPage) Can(action string) bool {
	for _, a := range p.Actions {
		if string(a) == action {
			return true
		}
	}
	return false
}

// DelegationUserView is a directory user as the page shows it.
type DelegationUserView struct {
	ID, Name, UPN, Department, Country, UsageLocation string
	Enabled                                           bool
}

// DelegationSKU is a licence product in the SKU select.
type DelegationSKU struct{ ID, Name string }

// DelegationResult is what an action did.
type DelegationResult struct {
	Action string
	Result delegation.Result
}

// DelegationManagePage is the OUs, authorization policies and delegations
// of one connection (m365.delegate).
type DelegationManagePage struct {
	Layout
	FormErrors
	ConnectionID string
	Connections  []DelegationConn
	OUs          []delegation.OU
	Policies     []delegation.Policy
	Delegations  []delegation.Delegation
	Members      []DelegationMember
	Attributes   []string
	Operators    []string
	Actions      []delegation.ActionInfo
}

func (DelegationManagePage) Template() string { return "m365_delegation_manage" }

// ConditionRows numbers the OU form's condition rows.
func (DelegationManagePage) ConditionRows() []int {
	out := make([]int, maxConditionRows)
	for i := range out {
		out[i] = i
	}
	return out
}

// OUName names an OU of the page by ID.
func (p DelegationManagePage) OUName(id string) string {
	for _, o := range p.OUs {
		if o.ID == id {
			return o.Name
		}
	}
	return ""
}

// DelegationConn is a Microsoft 365 connection in the connection select.
type DelegationConn struct{ ID, Name string }

// DelegationMember is a member in the delegation form's select.
type DelegationMember struct{ ID, Email string }

// DelegationOUPage is one OU with its rules and current members.
type DelegationOUPage struct {
	Layout
	FormErrors
	OU         delegation.OU
	Members    []delegation.MemberView
	Attributes []string
}

// RequirementRows are the required-attribute form's rows: the OU's
// requirements, then two empty rows (at least maxConditionRows in all).
func (p DelegationOUPage) RequirementRows() []RequirementRow {
	out := make([]RequirementRow, max(len(p.OU.Required)+2, maxConditionRows))
	for i := range out {
		out[i].N = i
		if i < len(p.OU.Required) {
			out[i].Requirement = p.OU.Required[i]
		}
	}
	return out
}

// RequirementRow is one row of the required-attribute form.
type RequirementRow struct {
	N int
	delegation.Requirement
}

// DelegationCompliancePage is a connection's compliance report with the
// outcome of the last remediation.
type DelegationCompliancePage struct {
	Layout
	FormErrors
	ConnectionID string
	Connections  []DelegationConn
	Report       delegation.Report
	Remedies     []delegation.Remedy
}

func (DelegationCompliancePage) Template() string { return "m365_delegation_compliance" }

func (DelegationOUPage) Template() string { return "m365_delegation_ou" }

// RuleText describes an OU's rule for people.
func (DelegationOUPage) RuleText(r delegation.Rule) string {
	var parts []string
	for _, c := range r.Conditions {
		parts = append(parts, c.Attribute+" "+c.Operator+" "+strings.Join(c.Values, ", "))
	}
	return strings.Join(parts, " and ")
}
