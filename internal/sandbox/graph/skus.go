package graph

import "fmt"

// SKU is a subscribed SKU of a tenant.
type SKU struct {
	SkuID            string
	SkuPartNumber    string
	CapabilityStatus string // Enabled, Warning, Suspended, Deleted, LockedOut
	AppliesTo        string
	Enabled          int // prepaidUnits
	Suspended        int
	Warning          int
	LockedOut        int
	Consumed         int // users with the SKU assigned
	ServicePlans     []ServicePlan
	SubscriptionIDs  []string
}

// ServicePlan is a plan included in a SKU.
type ServicePlan struct {
	ID   string
	Name string
}

// Real SKU and service-plan GUIDs (Microsoft's "Product names and service
// plan identifiers for licensing" list).
var catalog = []SKU{
	{SkuID: "05e9a617-0261-4cee-bb44-138d3ef5d965", SkuPartNumber: "SPE_E3", ServicePlans: []ServicePlan{
		{"efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"}, {"5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE"},
		{"43de0ff5-c92c-492b-9116-175376d08c38", "OFFICESUBSCRIPTION"}, {"57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"},
		{"41781fb2-bc02-4b7c-bd55-b576c07bb09d", "AAD_PREMIUM"}, {"c1ec4a95-1f05-45b3-a911-aa3fa01094f5", "INTUNE_A"}}},
	{SkuID: "06ebc4ee-1bb5-47dd-8120-11324bc54e06", SkuPartNumber: "SPE_E5", ServicePlans: []ServicePlan{
		{"efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"}, {"5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE"},
		{"43de0ff5-c92c-492b-9116-175376d08c38", "OFFICESUBSCRIPTION"}, {"57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"},
		{"4828c8ec-dc2e-4779-b502-87ac9ce28ab7", "MCOEV"}, {"70d33638-9c74-4d01-bfd3-562de28bd4ba", "BI_AZURE_P2"}}},
	{SkuID: "6fd2c87f-b296-42f0-b197-1e91e994b900", SkuPartNumber: "ENTERPRISEPACK", ServicePlans: []ServicePlan{
		{"efb87545-963c-4e0d-99df-69c6916d9eb0", "EXCHANGE_S_ENTERPRISE"}, {"5dbe027f-2339-4123-9542-606e4d348a72", "SHAREPOINTENTERPRISE"},
		{"43de0ff5-c92c-492b-9116-175376d08c38", "OFFICESUBSCRIPTION"}, {"57ff2da0-773e-42df-b2af-ffb7a2317929", "TEAMS1"},
		{"0feaeb32-d00e-4d66-bd5a-43b5b83db82c", "MCOSTANDARD"}}},
	{SkuID: "f8a1db68-be16-40ed-86d5-cb42ce701560", SkuPartNumber: "POWER_BI_PRO", ServicePlans: []ServicePlan{
		{"70d33638-9c74-4d01-bfd3-562de28bd4ba", "BI_AZURE_P2"}}},
	{SkuID: "c5928f49-12ba-48f7-ada3-0d743a3601d5", SkuPartNumber: "VISIOCLIENT", ServicePlans: []ServicePlan{
		{"663a804f-1c30-4ff0-9915-9db84f0d1cea", "VISIO_CLIENT_SUBSCRIPTION"}}},
	{SkuID: "09015f9f-377f-4538-bbb5-f75ceb09358a", SkuPartNumber: "PROJECTPREMIUM", ServicePlans: []ServicePlan{
		{"fafd7243-e5c1-4a3a-9e40-495efcb1d3c3", "PROJECT_CLIENT_SUBSCRIPTION"}}},
	{SkuID: "efccb6f7-5641-4e0e-bd10-b4976e1bf68e", SkuPartNumber: "EMS", ServicePlans: []ServicePlan{
		{"41781fb2-bc02-4b7c-bd55-b576c07bb09d", "AAD_PREMIUM"}, {"c1ec4a95-1f05-45b3-a911-aa3fa01094f5", "INTUNE_A"},
		{"bea4c11e-220a-4e6d-8eb8-8ea15d019f90", "RMS_S_ENTERPRISE"}}},
}

const (
	skuE3 = iota
	skuE5
	skuO365E3
	skuPowerBI
	skuVisio
	skuProject
	skuEMS
)

func skuCatalog(tenantID string) []SKU {
	out := make([]SKU, len(catalog))
	for i, s := range catalog {
		s.CapabilityStatus, s.AppliesTo = "Enabled", "User"
		s.ServicePlans = append([]ServicePlan(nil), s.ServicePlans...)
		s.SubscriptionIDs = []string{uuidFrom(rng(0, "graph-sku-sub", tenantID, s.SkuID))}
		out[i] = s
	}
	return out
}

// assignLicenses gives enabled members a suite (mostly Microsoft 365 E3,
// some E5 or Office 365 E3) and add-ons (a few E5 users hold a Power BI
// Pro their suite already includes), then sizes each SKU's prepaid
// units above its consumption. Guests and some disabled users get none.
func assignLicenses(seed int64, t *tenant) {
	for i := range t.users {
		u := &t.users[i]
		r := rng(seed, "graph-licenses", t.ID, u.ID)
		if u.UserType == "Guest" || (!u.AccountEnabled && r.IntN(2) == 0) || r.IntN(15) == 0 {
			continue
		}
		suite := skuE3
		switch n := r.IntN(10); {
		case n < 2:
			suite = skuE5
		case n < 4:
			suite = skuO365E3
		}
		lic := AssignedLicense{SkuID: catalog[suite].SkuID, DisabledPlans: []string{}}
		if r.IntN(6) == 0 { // some users have Teams switched off in their suite
			lic.DisabledPlans = []string{"57ff2da0-773e-42df-b2af-ffb7a2317929"}
		}
		u.AssignedLicenses = append(u.AssignedLicenses, lic)
		t.skus[suite].Consumed++
		for _, addOn := range []struct{ sku, oneIn int }{{skuPowerBI, 4}, {skuVisio, 12}, {skuProject, 20}, {skuEMS, 5}} {
			oneIn := addOn.oneIn
			if suite == skuE5 && addOn.sku == skuPowerBI {
				oneIn = 3 // E5 includes Power BI Pro; some kept the one bought before (an overlap)
			}
			if r.IntN(oneIn) != 0 {
				continue
			}
			u.AssignedLicenses = append(u.AssignedLicenses, AssignedLicense{SkuID: catalog[addOn.sku].SkuID, DisabledPlans: []string{}})
			t.skus[addOn.sku].Consumed++
		}
	}
	r := rng(seed, "graph-prepaid", t.ID)
	for i := range t.skus {
		s := &t.skus[i]
		s.Enabled = s.Consumed + r.IntN(s.Consumed/10+3)
	}
	// One SKU is in its grace period after a partial cancellation.
	t.skus[skuVisio].Warning = 2
	t.skus[skuVisio].CapabilityStatus = "Warning"
}

func skuJSON(s *SKU, tenantID, tenantName string) map[string]any {
	plans := make([]map[string]any, 0, len(s.ServicePlans))
	for _, p := range s.ServicePlans {
		plans = append(plans, map[string]any{"servicePlanId": p.ID, "servicePlanName": p.Name, "provisioningStatus": "Success", "appliesTo": "User"})
	}
	return map[string]any{
		"accountName": tenantName, "accountId": tenantID, "appliesTo": s.AppliesTo,
		"capabilityStatus": s.CapabilityStatus, "consumedUnits": s.Consumed,
		"id":    fmt.Sprintf("%s_%s", tenantID, s.SkuID),
		"skuId": s.SkuID, "skuPartNumber": s.SkuPartNumber, "subscriptionIds": s.SubscriptionIDs,
		"prepaidUnits": map[string]int{"enabled": s.Enabled, "suspended": s.Suspended, "warning": s.Warning, "lockedOut": s.LockedOut},
		"servicePlans": plans,
	}
}
