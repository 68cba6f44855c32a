package azbilling

import "strings"

// dimension is a column Cost Management groups and filters by.
type dimension struct {
	name  string // as the response spells the column
	value func(l *line) string
}

// dimensions by lower-case name. Cost Management reports resource IDs and
// resource group names in lower case, and so does the emulation.
var dimensions = map[string]dimension{}

func init() {
	add := func(f func(l *line) string, names ...string) {
		for _, n := range names {
			dimensions[strings.ToLower(n)] = dimension{name: n, value: f}
		}
	}
	add(func(l *line) string { return strings.ToLower(l.ResourceGroup) }, "ResourceGroupName", "ResourceGroup")
	add(func(l *line) string { return strings.ToLower(l.ResourceID) }, "ResourceId")
	add(func(l *line) string { return strings.ToLower(l.ResourceType) }, "ResourceType")
	add(func(l *line) string { return strings.ToLower(l.Location) }, "ResourceLocation")
	add(func(l *line) string { return l.Meter.Service }, "ServiceName")
	add(func(l *line) string { return serviceFamily(l) }, "ServiceFamily")
	add(func(l *line) string { return l.Meter.Category }, "MeterCategory")
	add(func(l *line) string { return l.Meter.SubCategory }, "MeterSubCategory")
	add(func(l *line) string { return l.Meter.Name }, "Meter")
	add(func(l *line) string { return l.ChargeType }, "ChargeType")
	add(func(l *line) string { return l.PricingModel }, "PricingModel")
	add(func(l *line) string { return l.Sub.ID }, "SubscriptionId")
	add(func(l *line) string { return l.Sub.DisplayName }, "SubscriptionName")
	add(func(l *line) string { return strings.ToLower(l.ReservationID) }, "ReservationId")
	add(func(l *line) string { return l.ResName }, "ReservationName")
	add(func(l *line) string { return "Azure" }, "PublisherType")
	add(func(l *line) string { return frequency(l) }, "Frequency")
}

func serviceFamily(l *line) string {
	switch l.Meter.Category {
	case "Virtual Machines", "Azure Kubernetes Service", "Azure App Service":
		return "Compute"
	case "Storage":
		return "Storage"
	case "Bandwidth", "Virtual Network":
		return "Networking"
	case "SQL Database":
		return "Databases"
	}
	return "Other"
}

func frequency(l *line) string {
	if l.ChargeType == "Purchase" {
		return "OneTime"
	}
	return "UsageBased"
}

func lookupDimension(name string) (dimension, bool) {
	d, ok := dimensions[strings.ToLower(name)]
	return d, ok
}
