package web

import (
	"strings"

	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/store"
)

// DelegationUsersPage lists, per Microsoft 365 connection, the directory
// users the signed-in member may administer, with their OUs.
type DelegationUsersPage struct {
	Layout
	FormErrors
	Q           string
	Connections []DelegationConnUsers
	// Created is the outcome of the create-user form.
	Created *DelegationResult
}

func (DelegationUsersPage) Template() string { return "m365_delegation_users" }

// DelegationConnUsers is one connection's administrable users (Users
// after the search; Total before it).
type DelegationConnUsers struct {
	ID, Name  string
	Total     int
	Users     []delegation.AdminUser
	CanCreate bool
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
	Groups       []store.M365Group // the connection's groups (group actions)
	UserGroups   []string          // names of the user's direct groups
	// NoExchange says why mailbox actions are unavailable ("" when the
	// connection has Exchange Online).
	NoExchange string
	// Refusal: the member may do nothing on this user, and why.
	Refusal string
	Done    *DelegationResult
}

// ProfileFields are the fields of the profile form (user.update).
func (DelegationUserPage) ProfileFields() []string { return profileFormFields }

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
	Enabled, Deleted                                  bool
	ManagerID, Manager                                string
	MFA                                               string // "true", "false", "" unknown
	Profile                                           map[string]string
}

// DelegationSKU is a licence product of the connection: its plans, and
// for the user page whether the user holds it and what the licence
// policies say about assigning it (Restricted plans stay disabled, or
// Refusal).
type DelegationSKU struct {
	ID, Name   string
	Plans      []DelegationPlan
	Held       bool
	Restricted []string
	Refusal    string
}

// IsRestricted says whether a plan is restricted for the user.
func (k DelegationSKU) IsRestricted(id string) bool {
	for _, r := range k.Restricted {
		if strings.EqualFold(r, id) {
			return true
		}
	}
	return false
}

// DelegationPlan is a service plan of a SKU.
type DelegationPlan struct{ ID, Name string }

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

// Has says whether a policy grants an action (the edit form's checkboxes).
func (DelegationManagePage) Has(p delegation.Policy, a delegation.Action) bool {
	for _, x := range p.Actions {
		if x == a {
			return true
		}
	}
	return false
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
	Operators  []string
	Requirable []string
	OUs        []delegation.OU // the connection's OUs (parent select)
	Licences   []LicenceRow
}

// LicenceRow is one SKU of the licence-policy form with the OU's policy.
type LicenceRow struct {
	N     int
	SKU   DelegationSKU
	Quota string // "" no limit
}

// ConditionRow is one row of the OU edit form.
type ConditionRow struct {
	N, Rule int
	delegation.Condition
	Values string // comma-separated
}

// ConditionRows are the OU's conditions, one a row numbered by rule,
// then two empty rows (at least maxConditionRows in all).
func (p DelegationOUPage) ConditionRows() []ConditionRow {
	var out []ConditionRow
	for i, r := range p.OU.Rules {
		for _, c := range r.Conditions {
			out = append(out, ConditionRow{N: len(out), Rule: i, Condition: c, Values: strings.Join(c.Values, ", ")})
		}
	}
	for n, end := len(out), max(len(out)+2, maxConditionRows); n < end; n++ {
		out = append(out, ConditionRow{N: n, Rule: len(p.OU.Rules)})
	}
	return out
}

// RuleNumbers are the rule numbers the edit form offers.
func (p DelegationOUPage) RuleNumbers() []int {
	out := make([]int, len(p.OU.Rules)+2)
	for i := range out {
		out[i] = i
	}
	return out
}

// IDLines writes object IDs one a line for a textarea.
func (DelegationOUPage) IDLines(ids []string) string { return strings.Join(ids, "\n") }

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
