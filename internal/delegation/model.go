// Package delegation is Delegation & Policy Control for Microsoft 365:
// virtual OUs that group a connection's directory users by attribute rules
// or by hand (nested, a parent containing its children's members),
// authorization policies (sets of administrative actions), delegations of
// Canopy members to OUs with a policy, licence policies (quota and
// restricted service plans per OU and SKU) and configuration policies
// (required attribute values per OU, with a compliance report).
// Authorize is the one decision every administrative action passes
// through before it is executed through Graph. The SQL lives in
// internal/store (m365_delegation.go); the directory snapshot it reads is
// internal/directory's.
package delegation

import (
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/store"
)

// OU is a virtual organisational unit of one Microsoft 365 connection.
type OU struct {
	ID              string          `json:"id"`
	ConnectionID    string          `json:"connection_id"`
	ParentID        string          `json:"parent_id"`
	Name            string          `json:"name"`
	Description     string          `json:"description"`
	Rules           []Rule          `json:"rules"`
	Include         []string        `json:"include"`
	Exclude         []string        `json:"exclude"`
	LicencePolicies []LicencePolicy `json:"licence_policies"`
	Required        []Requirement   `json:"required_attributes"`
	// AutoRemediate: deviations from Required are remediated through
	// Graph after every directory sync of the connection.
	AutoRemediate bool      `json:"auto_remediate"`
	CreatedAt     time.Time `json:"created_at"`
	UpdatedAt     time.Time `json:"updated_at"`
}

// OUInput creates an OU or replaces its settings. Include and Exclude are
// user object IDs added to, or taken out of, what the rules match. The
// connection cannot change after creation.
type OUInput struct {
	ConnectionID string   `json:"connection_id"`
	ParentID     string   `json:"parent_id"`
	Name         string   `json:"name"`
	Description  string   `json:"description"`
	Rules        []Rule   `json:"rules"`
	Include      []string `json:"include"`
	Exclude      []string `json:"exclude"`
}

// LicencePolicy limits one SKU within an OU: Quota is how many of the
// OU's members may hold it (nil: no limit), RestrictedPlans the service
// plan IDs the OU's members may not get (they are disabled on every
// assignment).
type LicencePolicy struct {
	SkuID           string   `json:"sku_id"`
	SkuPartNumber   string   `json:"sku_part_number"`
	Quota           *int64   `json:"quota"`
	RestrictedPlans []string `json:"restricted_plans"`
}

// Requirement is a configuration policy: every member of the OU should
// have Attribute set to Value.
type Requirement struct {
	Attribute string `json:"attribute"`
	Value     string `json:"value"`
}

// Policy is an authorization policy: the actions it grants.
type Policy struct {
	ID          string    `json:"id"`
	Name        string    `json:"name"`
	Description string    `json:"description"`
	Actions     []Action  `json:"actions"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedAt   time.Time `json:"updated_at"`
}

// PolicyInput creates a policy or replaces it.
type PolicyInput struct {
	Name        string   `json:"name"`
	Description string   `json:"description"`
	Actions     []Action `json:"actions"`
}

// Delegation makes a Canopy member a delegated administrator of an OU's
// users (and so of its child OUs' users) for a policy's actions.
type Delegation struct {
	ID         string    `json:"id"`
	UserID     string    `json:"user_id"`
	UserEmail  string    `json:"user_email"`
	OUID       string    `json:"ou_id"`
	OUName     string    `json:"ou_name"`
	PolicyID   string    `json:"policy_id"`
	PolicyName string    `json:"policy_name"`
	CreatedBy  string    `json:"created_by"`
	CreatedAt  time.Time `json:"created_at"`
}

// DelegationInput creates a delegation.
type DelegationInput struct {
	UserID   string `json:"user_id"`
	OUID     string `json:"ou_id"`
	PolicyID string `json:"policy_id"`
}

// ouOf reads a stored OU.
func ouOf(r store.M365OU) OU {
	o := OU{ID: r.ID, ConnectionID: r.ConnectionID, ParentID: r.ParentID, Name: r.Name, Description: r.Description,
		AutoRemediate: r.AutoRemediate, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	_ = json.Unmarshal(r.Rules, &o.Rules) // written by this package: valid
	_ = json.Unmarshal(r.IncludeIDs, &o.Include)
	_ = json.Unmarshal(r.ExcludeIDs, &o.Exclude)
	_ = json.Unmarshal(r.LicencePolicies, &o.LicencePolicies)
	_ = json.Unmarshal(r.RequiredAttributes, &o.Required)
	o.Rules = normaliseRules(o.Rules)
	o.Include, o.Exclude = nonNil(o.Include), nonNil(o.Exclude)
	if o.LicencePolicies == nil {
		o.LicencePolicies = []LicencePolicy{}
	}
	if o.Required == nil {
		o.Required = []Requirement{}
	}
	return o
}

// row turns an OU back into its stored form.
func (o OU) row(orgID string) store.M365OU {
	return store.M365OU{ID: o.ID, OrgID: orgID, ConnectionID: o.ConnectionID, ParentID: o.ParentID, Name: o.Name,
		Description: o.Description, Rules: mustJSON(o.Rules), IncludeIDs: mustJSON(o.Include),
		ExcludeIDs: mustJSON(o.Exclude), LicencePolicies: mustJSON(o.LicencePolicies),
		RequiredAttributes: mustJSON(o.Required), AutoRemediate: o.AutoRemediate, CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
}

func policyOf(r store.M365AdminPolicy) Policy {
	p := Policy{ID: r.ID, Name: r.Name, Description: r.Description, CreatedAt: r.CreatedAt, UpdatedAt: r.UpdatedAt}
	_ = json.Unmarshal(r.Actions, &p.Actions)
	if p.Actions == nil {
		p.Actions = []Action{}
	}
	return p
}

// mustJSON encodes values of this package's own types, which cannot fail.
func mustJSON(v any) []byte {
	b, _ := json.Marshal(v)
	return b
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}
