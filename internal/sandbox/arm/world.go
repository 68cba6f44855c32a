package arm

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
)

// Workloads a seeded subscription holds: a resource group each, with the
// resource types such a workload really has.
var workloads = []struct {
	name  string
	kinds []string
}{
	{"web", []string{"Microsoft.Web/serverFarms", "Microsoft.Web/sites", "Microsoft.Storage/storageAccounts", "Microsoft.KeyVault/vaults"}},
	{"data", []string{"Microsoft.Sql/servers", "Microsoft.Sql/servers/databases", "Microsoft.Storage/storageAccounts"}},
	{"compute", []string{"Microsoft.Compute/virtualMachines", "Microsoft.Compute/disks", "Microsoft.Network/networkInterfaces", "Microsoft.Network/virtualNetworks", "Microsoft.Network/publicIPAddresses"}},
	{"analytics", []string{"Microsoft.Compute/virtualMachines", "Microsoft.Compute/disks", "Microsoft.Network/networkInterfaces", "Microsoft.Storage/storageAccounts"}},
	{"shared", []string{"Microsoft.KeyVault/vaults", "Microsoft.Network/virtualNetworks", "Microsoft.Storage/storageAccounts"}},
}

var (
	locations   = []string{"westeurope", "northeurope", "eastus", "eastus2", "uksouth"}
	envs        = []string{"prod", "dev", "test"}
	costCenters = []string{"CC-1001", "CC-1002", "CC-2040", "CC-3100"}
	owners      = []string{"platform-team", "data-team", "web-team", "finance-it"}
)

// seedWorld builds a subscription's groups and resources from the seed and
// the subscription ID: 3 or 4 workloads, some of them untagged.
func seedWorld(seed int64, subID string) ([]*ResourceGroup, []*Resource) {
	sum := sha256.Sum256([]byte(fmt.Sprintf("%d/%s", seed, subID)))
	rng := rand.New(rand.NewPCG(binary.BigEndian.Uint64(sum[:8]), binary.BigEndian.Uint64(sum[8:16])))
	n := 3 + rng.IntN(2)
	start := rng.IntN(len(workloads))
	var groups []*ResourceGroup
	var resources []*Resource
	for i := 0; i < n; i++ {
		wl := workloads[(start+i)%len(workloads)]
		env := envs[rng.IntN(len(envs))]
		g := &ResourceGroup{SubscriptionID: subID, Name: "rg-" + wl.name + "-" + env,
			Location: locations[rng.IntN(len(locations))], Tags: map[string]string{}}
		if rng.IntN(4) > 0 {
			g.Tags = map[string]string{"env": env, "costcenter": costCenters[rng.IntN(len(costCenters))]}
		}
		groups = append(groups, g)
		suffix := fmt.Sprintf("%04x", rng.Uint32()&0xffff)
		for _, kind := range wl.kinds {
			resources = append(resources, newResource(rng, g, kind, wl.name, env, suffix))
		}
	}
	return groups, resources
}

func newResource(rng *rand.Rand, g *ResourceGroup, kind, app, env, suffix string) *Resource {
	name, sku, k := resourceName(kind, app, env, suffix)
	r := &Resource{SubscriptionID: g.SubscriptionID, ResourceGroup: g.Name, Name: name, Type: kind,
		Location: g.Location, Kind: k, SKU: sku, Tags: map[string]string{}}
	r.ID = groupID(*g) + "/providers/" + kind + "/" + name
	if kind == "Microsoft.Sql/servers/databases" {
		server, db, _ := strings.Cut(name, "/")
		r.ID = groupID(*g) + "/providers/Microsoft.Sql/servers/" + server + "/databases/" + db
	}
	if rng.IntN(5) > 0 {
		r.Tags = map[string]string{"env": env, "owner": owners[rng.IntN(len(owners))]}
		if rng.IntN(2) == 0 {
			r.Tags["costcenter"] = costCenters[rng.IntN(len(costCenters))]
		}
	}
	return r
}

// resourceName returns a name in Azure's naming conventions, the SKU
// ("name|tier") and the kind of a resource type.
func resourceName(kind, app, env, suffix string) (string, string, string) {
	switch kind {
	case "Microsoft.Compute/virtualMachines":
		return "vm-" + app + "-" + env + "-01", "", ""
	case "Microsoft.Compute/disks":
		return "vm-" + app + "-" + env + "-01_OsDisk_1_" + suffix, "Premium_LRS|Premium", ""
	case "Microsoft.Network/networkInterfaces":
		return "vm-" + app + "-" + env + "-01-nic", "", ""
	case "Microsoft.Network/virtualNetworks":
		return "vnet-" + app + "-" + env, "", ""
	case "Microsoft.Network/publicIPAddresses":
		return "pip-" + app + "-" + env, "Standard|Regional", ""
	case "Microsoft.Storage/storageAccounts":
		return "st" + app + env + suffix, "Standard_LRS|Standard", "StorageV2"
	case "Microsoft.Sql/servers":
		return "sql-" + app + "-" + env + "-" + suffix, "", "v12.0"
	case "Microsoft.Sql/servers/databases":
		return "sql-" + app + "-" + env + "-" + suffix + "/sqldb-" + app, "GP_S_Gen5_2|GeneralPurpose", "v12.0,user,vcore,serverless"
	case "Microsoft.Web/serverFarms":
		return "asp-" + app + "-" + env, "P1v3|PremiumV3", "linux"
	case "Microsoft.Web/sites":
		return "app-" + app + "-" + env + "-" + suffix, "", "app,linux"
	case "Microsoft.KeyVault/vaults":
		return "kv-" + app + "-" + env + "-" + suffix, "", ""
	}
	return app + "-" + env, "", ""
}
