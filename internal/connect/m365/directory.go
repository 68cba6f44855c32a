package m365

import (
	"context"
	"fmt"
	"net/url"
	"time"
)

// SKU is a subscribed SKU (a licence product the tenant bought) with its
// unit counts.
type SKU struct {
	ID               string        `json:"id"`
	SkuID            string        `json:"skuId"`
	SkuPartNumber    string        `json:"skuPartNumber"` // e.g. SPE_E3
	CapabilityStatus string        `json:"capabilityStatus"`
	AppliesTo        string        `json:"appliesTo"` // User or Company
	ConsumedUnits    int           `json:"consumedUnits"`
	PrepaidUnits     PrepaidUnits  `json:"prepaidUnits"`
	ServicePlans     []ServicePlan `json:"servicePlans"`
	SubscriptionIDs  []string      `json:"subscriptionIds"`
}

// PrepaidUnits are a SKU's licence counts by state: Enabled can be
// assigned; Warning are in their grace period after expiry; Suspended and
// LockedOut cannot be assigned.
type PrepaidUnits struct {
	Enabled   int `json:"enabled"`
	Suspended int `json:"suspended"`
	Warning   int `json:"warning"`
	LockedOut int `json:"lockedOut"`
}

// ServicePlan is one service included in a SKU.
type ServicePlan struct {
	ServicePlanID      string `json:"servicePlanId"`
	ServicePlanName    string `json:"servicePlanName"`
	ProvisioningStatus string `json:"provisioningStatus"`
	AppliesTo          string `json:"appliesTo"`
}

// SubscribedSKUs returns the tenant's SKUs (one unpaged collection).
func (c *Client) SubscribedSKUs(ctx context.Context) ([]SKU, error) {
	var out []SKU
	err := eachItem(ctx, c, c.endpoint("/v1.0/subscribedSkus"), func(s SKU) error {
		out = append(out, s)
		return nil
	})
	return out, err
}

// Organization is the tenant's organization object.
type Organization struct {
	ID                string           `json:"id"`
	DisplayName       string           `json:"displayName"`
	CountryLetterCode string           `json:"countryLetterCode"`
	TenantType        string           `json:"tenantType"`
	PreferredLanguage string           `json:"preferredLanguage"`
	CreatedDateTime   time.Time        `json:"createdDateTime"`
	VerifiedDomains   []VerifiedDomain `json:"verifiedDomains"`
}

// VerifiedDomain is a domain of the tenant.
type VerifiedDomain struct {
	Name      string `json:"name"`
	IsDefault bool   `json:"isDefault"`
	IsInitial bool   `json:"isInitial"`
	Type      string `json:"type"`
}

// Organization returns the tenant's organization (Graph lists exactly one).
func (c *Client) Organization(ctx context.Context) (Organization, error) {
	var p page[Organization]
	if err := c.getJSON(ctx, c.endpoint("/v1.0/organization"), &p); err != nil {
		return Organization{}, err
	}
	if len(p.Value) == 0 {
		return Organization{}, fmt.Errorf("graph: /organization returned no organization")
	}
	return p.Value[0], nil
}

// Group is a security group or Microsoft 365 group.
type Group struct {
	ID              string   `json:"id"`
	DisplayName     string   `json:"displayName"`
	Description     string   `json:"description"`
	Mail            string   `json:"mail"`
	MailEnabled     bool     `json:"mailEnabled"`
	SecurityEnabled bool     `json:"securityEnabled"`
	GroupTypes      []string `json:"groupTypes"` // contains "Unified" for Microsoft 365 groups
}

const groupSelect = "id,displayName,description,mail,mailEnabled,securityEnabled,groupTypes"

// Groups calls fn for every group, following @odata.nextLink.
func (c *Client) Groups(ctx context.Context, fn func(Group) error) error {
	q := "?$select=" + url.QueryEscape(groupSelect) + "&$top=999"
	return eachItem(ctx, c, c.endpoint("/v1.0/groups"+q), fn)
}

// Member is a direct member of a group: a user, group, device or service
// principal (Type is its @odata.type, e.g. "#microsoft.graph.user").
type Member struct {
	Type              string `json:"@odata.type"`
	ID                string `json:"id"`
	DisplayName       string `json:"displayName"`
	UserPrincipalName string `json:"userPrincipalName"`
}

// GroupMembers calls fn for every direct member of the group.
func (c *Client) GroupMembers(ctx context.Context, groupID string, fn func(Member) error) error {
	q := "?$select=" + url.QueryEscape("id,displayName,userPrincipalName") + "&$top=999"
	return eachItem(ctx, c, c.endpoint("/v1.0/groups/"+url.PathEscape(groupID)+"/members"+q), fn)
}
