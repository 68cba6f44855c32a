package m365

import (
	"encoding/json"

	"github.com/canopyhq/canopy/internal/store"
)

// storeUser converts a Graph user to its stored row (org, connection and
// times are the store's to set).
func storeUser(u User) store.M365User {
	lic := u.AssignedLicenses
	if lic == nil {
		lic = []AssignedLicense{}
	}
	for i := range lic {
		if lic[i].DisabledPlans == nil {
			lic[i].DisabledPlans = []string{}
		}
	}
	ext := u.OnPremisesExtensionAttributes
	if ext == nil {
		ext = ExtensionAttributes{}
	}
	var manager string
	if u.Manager != nil {
		manager = u.Manager.ID
	}
	return store.M365User{ObjectID: u.ID, ManagerID: manager, DisplayName: u.DisplayName, CompanyName: u.CompanyName,
		Department: u.Department, GivenName: u.GivenName, Surname: u.Surname, JobTitle: u.JobTitle, State: u.State,
		PostalCode: u.PostalCode, StreetAddress: u.StreetAddress, City: u.City, PreferredLanguage: u.PreferredLanguage,
		UsageLocation: u.UsageLocation, AssignedLicenses: mustJSON(lic), UserPrincipalName: u.UserPrincipalName,
		OfficeLocation: u.OfficeLocation, ExtensionAttributes: mustJSON(ext), Country: u.Country, UserType: u.UserType,
		AccountEnabled: u.AccountEnabled, Mail: u.Mail}
}

func storeSKU(k SKU) store.M365SKU {
	plans := k.ServicePlans
	if plans == nil {
		plans = []ServicePlan{}
	}
	return store.M365SKU{SkuID: k.SkuID, SkuPartNumber: k.SkuPartNumber, CapabilityStatus: k.CapabilityStatus,
		AppliesTo: k.AppliesTo, PrepaidEnabled: int64(k.PrepaidUnits.Enabled), PrepaidSuspended: int64(k.PrepaidUnits.Suspended),
		PrepaidWarning: int64(k.PrepaidUnits.Warning), PrepaidLockedOut: int64(k.PrepaidUnits.LockedOut),
		ConsumedUnits: int64(k.ConsumedUnits), ServicePlans: mustJSON(plans)}
}

func storeGroup(g Group) store.M365Group {
	types := g.GroupTypes
	if types == nil {
		types = []string{}
	}
	return store.M365Group{ObjectID: g.ID, DisplayName: g.DisplayName, Description: g.Description, Mail: g.Mail,
		MailEnabled: g.MailEnabled, SecurityEnabled: g.SecurityEnabled, GroupTypes: mustJSON(types)}
}

// mustJSON encodes values that always encode (slices, maps of strings).
func mustJSON(v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		panic("m365: " + err.Error())
	}
	return b
}
