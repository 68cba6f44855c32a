// Package allocation says who owns every cost: custom groups (business
// units, cost centres, projects) in a hierarchy, ordered effective-dated
// rules that place cost lines in groups, splits that divide a shared cost,
// Microsoft 365 licence cost by the users' directory attributes, and the
// versions of the rule set with their results per month and lineage.
package allocation

import (
	"time"
)

// Group kinds.
const (
	KindBusinessUnit = "business_unit"
	KindCostCenter   = "cost_center"
	KindProject      = "project"
)

// Kinds are the group kinds in the order the UI offers them.
var Kinds = []string{KindBusinessUnit, KindCostCenter, KindProject}

// Special result groups: lines no rule places, and the seats of licences
// bought but assigned to nobody (waste).
const (
	Unallocated        = ""
	UnassignedLicences = "~unassigned_licences"
)

// Group is a custom group. Owners are user IDs.
type Group struct {
	OrgID       string    `json:"-"`
	ID          string    `json:"id"`
	ParentID    string    `json:"parent_id,omitempty"`
	Name        string    `json:"name"`
	Kind        string    `json:"kind"`
	Description string    `json:"description,omitempty"`
	Owners      []string  `json:"owners"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// Condition fields. Tag conditions name the key in Key; user.* fields
// are the directory attributes of a Microsoft 365 licence's user and
// match only licence cost.
const (
	FieldProvider       = "provider"
	FieldBillingAccount = "billing_account"
	FieldSubAccount     = "sub_account"
	FieldResourceGroup  = "resource_group"
	FieldService        = "service"
	FieldCategory       = "service_category"
	FieldRegion         = "region"
	FieldResource       = "resource"
	FieldResourceName   = "resource_name"
	FieldSKU            = "sku"
	FieldChargeCategory = "charge_category"
	FieldTag            = "tag"
	FieldUserDepartment = "user.department"
	FieldUserCompany    = "user.company_name"
	FieldUserCountry    = "user.country"
	FieldUserOffice     = "user.office_location"
	FieldUserExtension  = "user.extension_attribute" // Key: 1–15
)

// Fields are the condition fields in the order the UI offers them.
var Fields = []string{FieldTag, FieldSubAccount, FieldResourceGroup, FieldService, FieldRegion, FieldResourceName,
	FieldResource, FieldProvider, FieldBillingAccount, FieldCategory, FieldSKU, FieldChargeCategory,
	FieldUserDepartment, FieldUserCompany, FieldUserCountry, FieldUserOffice, FieldUserExtension}

// Condition operators.
const (
	OpIn      = "in"      // equals one of Values (case-insensitive)
	OpNotIn   = "not_in"  // equals none of Values
	OpMatches = "matches" // matches one of Values as a pattern: * any run, ? one character (case-insensitive)
	OpExists  = "exists"  // the tag or attribute has a non-empty value
)

// Condition is one test of a rule; a rule's conditions must all hold.
type Condition struct {
	Field  string   `json:"field"`
	Key    string   `json:"key,omitempty"` // the tag key, or the extension attribute number
	Op     string   `json:"op"`
	Values []string `json:"values,omitempty"`
}

// Rule places the lines its conditions match, on the days it is valid
// ([ValidFrom, ValidTo), either open), in Group or through Split. The
// first matching rule wins. ID stays the same across versions.
type Rule struct {
	ID         string      `json:"id"`
	Name       string      `json:"name"`
	Conditions []Condition `json:"conditions"`
	Group      string      `json:"group,omitempty"`
	Split      string      `json:"split,omitempty"`
	ValidFrom  *time.Time  `json:"valid_from,omitempty"`
	ValidTo    *time.Time  `json:"valid_to,omitempty"`
}

// Split methods.
const (
	SplitFixed        = "fixed"        // Shares' percentages, adding up to 100
	SplitProportional = "proportional" // in proportion to each group's own spend that month
)

// Share is one group's part of a fixed split, in percent (exact decimal
// text, e.g. "33.3333").
type Share struct {
	Group   string `json:"group"`
	Percent string `json:"percent,omitempty"`
}

// Split divides a shared cost across groups.
type Split struct {
	ID     string  `json:"id"`
	Name   string  `json:"name"`
	Method string  `json:"method"`
	Shares []Share `json:"shares"`
}

// Ruleset is the whole rule set of one version.
type Ruleset struct {
	Rules  []Rule  `json:"rules"`
	Splits []Split `json:"splits"`
}

// Version is one saved rule set. ChangedFrom/To bound the days whose
// allocation the change can move (nil: open); months outside were not
// recomputed and read the earlier version's results.
type Version struct {
	OrgID       string     `json:"-"`
	Number      int        `json:"version"`
	Ruleset     Ruleset    `json:"ruleset"`
	Note        string     `json:"note,omitempty"`
	CreatedBy   string     `json:"created_by"`
	CreatedAt   time.Time  `json:"created_at"`
	Affects     bool       `json:"affects"` // false: nothing could move (e.g. only names changed)
	ChangedFrom *time.Time `json:"changed_from,omitempty"`
	ChangedTo   *time.Time `json:"changed_to,omitempty"`
}
