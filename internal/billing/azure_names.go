package billing

import "strings"

// azureLastSegment is the resource name of an ARM ID: its most specific part
// (".../databases/db1" is "db1"), as the FOCUS conversion guidance does
// for MCA files, which have no ResourceName. Not an ARM ID: "".
func azureLastSegment(id string) string {
	i := strings.LastIndexByte(strings.TrimRight(id, "/"), '/')
	if i < 0 {
		return ""
	}
	return strings.TrimRight(id, "/")[i+1:]
}

// azureARMType is the resource type of an ARM ID, lower-cased, nested types
// joined: ".../providers/Microsoft.Sql/servers/s1/databases/db1" is
// "microsoft.sql/servers/databases". Not an ARM ID: "".
func azureARMType(id string) string {
	lower := strings.ToLower(id)
	i := strings.LastIndex(lower, "/providers/")
	if i < 0 {
		return ""
	}
	parts := strings.Split(strings.Trim(lower[i+len("/providers/"):], "/"), "/")
	if len(parts) < 2 {
		return ""
	}
	typ := parts[0]
	for j := 1; j < len(parts); j += 2 {
		typ += "/" + parts[j]
	}
	return typ
}

// azureRegionID follows the FOCUS conversion guidance: the location,
// lower-cased and without spaces ("East US" and "eastus" meet).
func azureRegionID(name string) string {
	return strings.ToLower(strings.ReplaceAll(name, " ", ""))
}

// azureServiceCategories maps the common Azure meter categories (and consumed
// services, for purchases and Marketplace rows that have no meter
// category) to FOCUS 1.2 ServiceCategory. Anything else is "Other": a
// category is never guessed.
var azureServiceCategories = map[string]string{
	"virtual machines": "Compute", "virtual machines licenses": "Compute", "azure app service": "Web",
	"functions": "Compute", "container instances": "Compute", "azure kubernetes service": "Compute",
	"cloud services": "Compute", "virtual machine scale sets": "Compute", "azure container apps": "Compute",
	"storage": "Storage", "backup": "Storage", "azure netapp files": "Storage",
	"bandwidth": "Networking", "virtual network": "Networking", "load balancer": "Networking",
	"azure dns": "Networking", "application gateway": "Networking", "vpn gateway": "Networking",
	"content delivery network": "Networking", "azure front door service": "Networking", "azure firewall": "Networking",
	"expressroute": "Networking", "network watcher": "Networking", "nat gateway": "Networking",
	"sql database": "Databases", "sql managed instance": "Databases", "azure cosmos db": "Databases",
	"azure database for postgresql": "Databases", "azure database for mysql": "Databases", "redis cache": "Databases",
	"azure monitor": "Management and Governance", "log analytics": "Management and Governance",
	"insight and analytics": "Management and Governance", "automation": "Management and Governance",
	"key vault": "Security", "microsoft defender for cloud": "Security", "sentinel": "Security",
	"azure synapse analytics": "Analytics", "azure databricks": "Analytics", "azure data factory v2": "Analytics",
	"hdinsight": "Analytics", "azure data explorer": "Analytics", "microsoft fabric": "Analytics",
	"cognitive services": "AI and Machine Learning", "azure machine learning": "AI and Machine Learning",
	"azure openai": "AI and Machine Learning", "foundry models": "AI and Machine Learning",
	"event hubs": "Integration", "service bus": "Integration", "logic apps": "Integration", "event grid": "Integration",
	"api management": "Integration", "container registry": "Developer Tools", "azure devops": "Developer Tools",
	"iot hub": "Internet of Things", "microsoft.compute": "Compute", "microsoft.storage": "Storage",
	"microsoft.network": "Networking", "microsoft.sql": "Databases", "microsoft.web": "Web",
}

func azureServiceCategory(service string) string {
	if c, ok := azureServiceCategories[strings.ToLower(service)]; ok {
		return c
	}
	return "Other"
}
