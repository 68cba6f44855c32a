package azbilling

import "strings"

// meter is one billed meter of a resource: what Cost Management reports
// under ServiceName, MeterCategory, MeterSubCategory and Meter, and the
// range of its daily cost (micro-units, before the day's variation).
type meter struct {
	Service, Category, SubCategory, Name string
	Min, Max                             int64
	Compute                              bool // a VM's compute hours, which a reservation can cover
}

// metersFor returns the meters a resource is billed on. Types that Azure
// does not bill (virtual networks, NICs, resource groups) have none.
func metersFor(r Resource) []meter {
	switch strings.ToLower(r.Type) {
	case "microsoft.compute/virtualmachines":
		return []meter{
			{"Virtual Machines", "Virtual Machines", vmSeries(r), vmMeterName(r), 2_000_000, 30_000_000, true},
			{"Bandwidth", "Bandwidth", "", "Standard Data Transfer Out", 10_000, 900_000, false},
		}
	case "microsoft.compute/disks":
		return []meter{{"Storage", "Storage", "Premium SSD Managed Disks", "P10 LRS Disk", 600_000, 700_000, false}}
	case "microsoft.storage/storageaccounts":
		return []meter{
			{"Storage", "Storage", "Tiered Block Blob", "Hot LRS Data Stored", 100_000, 5_000_000, false},
			{"Storage", "Storage", "Tiered Block Blob", "Hot Read Operations", 1_000, 200_000, false},
		}
	case "microsoft.sql/servers/databases":
		return []meter{{"SQL Database", "SQL Database", "General Purpose - Compute Gen5", "vCore", 4_000_000, 20_000_000, false}}
	case "microsoft.web/serverfarms":
		return []meter{{"Azure App Service", "Azure App Service", "Premium v3 Plan", "P1 v3 App", 3_000_000, 5_000_000, false}}
	case "microsoft.network/publicipaddresses":
		return []meter{{"Virtual Network", "Virtual Network", "IP Addresses", "Standard IPv4 Static Public IP", 120_000, 120_000, false}}
	case "microsoft.containerservice/managedclusters":
		return []meter{{"Azure Kubernetes Service", "Azure Kubernetes Service", "Standard", "Standard Uptime SLA", 2_400_000, 2_400_000, false}}
	case "microsoft.keyvault/vaults":
		return []meter{{"Key Vault", "Key Vault", "Standard", "Operations", 1_000, 60_000, false}}
	case "microsoft.network/virtualnetworks", "microsoft.network/networkinterfaces",
		"microsoft.network/networksecuritygroups", "microsoft.resources/resourcegroups":
		return nil
	}
	provider, _, _ := strings.Cut(r.Type, "/")
	name := strings.TrimPrefix(provider, "Microsoft.")
	return []meter{{name, name, "", name + " Usage", 100_000, 3_000_000, false}}
}

// vmSKU is the VM's size (the reservation SKU it can be covered by).
func vmSKU(r Resource) string {
	if r.SKU != "" {
		return r.SKU
	}
	return "Standard_D2s_v3"
}

// vmMeterName turns Standard_D2s_v3 into the meter name "D2s v3".
func vmMeterName(r Resource) string {
	return strings.ReplaceAll(strings.TrimPrefix(vmSKU(r), "Standard_"), "_", " ")
}

func vmSeries(r Resource) string {
	n := strings.ToLower(vmSKU(r))
	switch {
	case strings.Contains(n, "_d") && strings.HasSuffix(n, "_v3"):
		return "Dv3/DSv3 Series"
	case strings.Contains(n, "_d") && strings.HasSuffix(n, "_v5"):
		return "Dsv5 Series"
	case strings.Contains(n, "_e"):
		return "Ev3/ESv3 Series"
	case strings.Contains(n, "_b"):
		return "BS Series"
	}
	return "Virtual Machines Series"
}
