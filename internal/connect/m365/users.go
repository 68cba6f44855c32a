package m365

import (
	"context"
	"encoding/json"
	"net/url"
	"strings"
)

// userSelect is exactly what the daily import reads: Graph returns only a
// default handful of properties without $select.
var userSelect = []string{
	"id", "displayName", "companyName", "department", "givenName", "surname", "jobTitle", "state",
	"postalCode", "streetAddress", "city", "preferredLanguage", "usageLocation", "assignedLicenses",
	"userPrincipalName", "officeLocation", "onPremisesExtensionAttributes", "country", "userType",
	"accountEnabled", "mail",
}

// User is a directory user with the properties Canopy imports. Properties
// Graph sends as null are "".
type User struct {
	ID                            string              `json:"id"`
	DisplayName                   string              `json:"displayName"`
	CompanyName                   string              `json:"companyName"`
	Department                    string              `json:"department"`
	GivenName                     string              `json:"givenName"`
	Surname                       string              `json:"surname"`
	JobTitle                      string              `json:"jobTitle"`
	State                         string              `json:"state"`
	PostalCode                    string              `json:"postalCode"`
	StreetAddress                 string              `json:"streetAddress"`
	City                          string              `json:"city"`
	PreferredLanguage             string              `json:"preferredLanguage"`
	UsageLocation                 string              `json:"usageLocation"`
	AssignedLicenses              []AssignedLicense   `json:"assignedLicenses"`
	UserPrincipalName             string              `json:"userPrincipalName"`
	OfficeLocation                string              `json:"officeLocation"`
	OnPremisesExtensionAttributes ExtensionAttributes `json:"onPremisesExtensionAttributes"`
	Country                       string              `json:"country"`
	UserType                      string              `json:"userType"` // Member or Guest
	AccountEnabled                bool                `json:"accountEnabled"`
	Mail                          string              `json:"mail"`
	// Manager is read with $expand=manager($select=id); nil: none.
	Manager *struct {
		ID string `json:"id"`
	} `json:"manager"`
}

// userExpand reads each user's manager with the user.
const userExpand = "manager($select=id)"

// AssignedLicense is one licence of a user: the SKU and the service plans
// switched off in it.
type AssignedLicense struct {
	SkuID         string   `json:"skuId"`
	DisabledPlans []string `json:"disabledPlans"`
}

// ExtensionAttributes are a user's onPremisesExtensionAttributes by name
// ("extensionAttribute1" ... "extensionAttribute15"); unset ones are absent.
type ExtensionAttributes map[string]string

// UnmarshalJSON keeps the string values and drops Graph's nulls.
func (m *ExtensionAttributes) UnmarshalJSON(b []byte) error {
	var raw map[string]*string
	if err := json.Unmarshal(b, &raw); err != nil {
		return err
	}
	out := make(ExtensionAttributes, len(raw))
	for k, v := range raw {
		if v != nil && *v != "" {
			out[k] = *v
		}
	}
	*m = out
	return nil
}

// Users calls fn for every user of the tenant, 999 a page (Graph's
// maximum), following @odata.nextLink. On error the caller must discard
// the users received: the list is incomplete.
func (c *Client) Users(ctx context.Context, fn func(User) error) error {
	q := "?$select=" + url.QueryEscape(strings.Join(userSelect, ",")) + "&$expand=" + url.QueryEscape(userExpand) + "&$top=999"
	return eachItem(ctx, c, c.endpoint("/v1.0/users"+q), fn)
}
