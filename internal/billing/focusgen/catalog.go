package focusgen

// The catalogue the generator draws from: a company with an AWS
// organisation, two Azure billing accounts (one billed in EUR, one in
// GBP) and Microsoft 365 licences. Names and shapes follow what the
// providers' FOCUS exports contain so importers and the explorer see
// realistic cardinalities (≈20 sub accounts, ≈45 services, 12 regions,
// thousands of resources).

const (
	provAWS   = "Amazon Web Services"
	provMS    = "Microsoft"
	kindAWS   = 0
	kindAzure = 1
	kindM365  = 2
)

type account struct {
	id, name, currency, provider, issuer string
	kind                                 int
	invoicePrefix                        string
	taxBasisPoints                       int64 // VAT or sales tax rate
	taxDesc, creditDesc                  string
	fx                                   int64 // price multiplier in basis points of the USD list price
	subs                                 []subAccount
}

type subAccount struct{ id, name string }

type region struct{ id, name string }

// service describes how one provider service is billed. Prices are per
// unit in 1e-8 of the USD list price; quantities are in hundredths.
type service struct {
	name, category string
	kind           int
	unit           string
	typ            string   // ARM type (Azure) or "service:resource-type" (AWS)
	abbr           string   // name prefix of its resources
	meters         []string // SKU meter names; each becomes one SKU
	priceLo        int64
	priceHi        int64
	qtyLo, qtyHi   int64
}

var accounts = []account{
	{id: "123456789012", name: "Contoso AWS Org", currency: "USD", provider: provAWS, issuer: provAWS, kind: kindAWS,
		invoicePrefix: "EUINGB26-", taxBasisPoints: 888, taxDesc: "Sales tax", creditDesc: "AWS Activate promotional credit", fx: 10000,
		subs: []subAccount{{"210987654321", "prod-web"}, {"310987654321", "prod-data"}, {"410987654321", "staging"},
			{"510987654321", "shared-services"}, {"610987654321", "security-audit"}, {"710987654321", "ml-platform"},
			{"810987654321", "sandbox"}, {"910987654321", "log-archive"}}},
	{id: "86115370", name: "Contoso Europe EA", currency: "EUR", provider: provMS, issuer: provMS, kind: kindAzure,
		invoicePrefix: "E0", taxBasisPoints: 2100, taxDesc: "VAT 21%", creditDesc: "Azure Prepayment credit applied", fx: 9200,
		subs: []subAccount{{"8a3f5c1e-2b7d-4e90-9c11-5d2a7b3e6f01", "eu-prod-platform"}, {"1c9e7a2b-3d4f-4a6b-8e0c-2f5d7a9b1c02", "eu-prod-data"},
			{"5e2d8b4a-6c1f-4b3e-9a7d-0c4e6f8a2b03", "eu-staging"}, {"9b7c3e1d-0a5f-4c2e-8d6b-1f3a5c7e9d04", "eu-dev"},
			{"3d6a9c2f-7e1b-4d8a-b5c0-6e2f4a8c0d05", "eu-shared-network"}, {"7f1b4d8e-2c6a-4e3f-a9d5-3b7e1c5f9a06", "eu-analytics"}}},
	{id: "71983264", name: "Contoso UK EA",
		currency: "GBP", provider: provMS, issuer: provMS, kind: kindAzure, invoicePrefix: "G0", taxBasisPoints: 2000,
		taxDesc: "VAT 20%", creditDesc: "Azure credit (service level agreement)", fx: 7900,
		subs: []subAccount{{"2a4c6e8f-1b3d-4f5a-9c7e-0d2f4a6c8e07", "uk-prod-apps"}, {"6c8e0a2b-4d6f-4a1c-8e3b-5f7a9c1e3a08", "uk-prod-sql"},
			{"0e2a4c6d-8f1b-4c3e-a5d7-9b1d3f5a7c09", "uk-test"}, {"4a6c8e0f-2b4d-4e6a-b8c1-3e5a7c9e1b10", "uk-identity"},
			{"8c0e2a4b-6d8f-4b2c-9e4a-7d9b1f3c5e11", "uk-sandbox"}}},
	{id: "5b7d9f1a-3c5e-4a7b-9d1f-4e6a8c0e2b4d:1a3c5e7f-9b1d-4f3a-8c5e-7b9d1f3a5c6e_2019-05-31", name: "Contoso Microsoft 365",
		currency: "USD", provider: provMS, issuer: provMS, kind: kindM365, invoicePrefix: "M0", taxBasisPoints: 888,
		taxDesc: "Sales tax", creditDesc: "Microsoft 365 service credit", fx: 10000,
		subs: []subAccount{{"c0ffee12-3456-4789-abcd-ef0123456789", "Contoso Ltd (tenant)"}}},
}

var regions = [kindM365][]region{
	kindAWS: {{"us-east-1", "US East (N. Virginia)"}, {"us-west-2", "US West (Oregon)"}, {"eu-west-1", "Europe (Ireland)"},
		{"eu-central-1", "Europe (Frankfurt)"}, {"eu-west-2", "Europe (London)"}, {"ap-southeast-2", "Asia Pacific (Sydney)"}},
	kindAzure: {{"westeurope", "West Europe"}, {"northeurope", "North Europe"}, {"uksouth", "UK South"},
		{"eastus", "East US"}, {"eastus2", "East US 2"}, {"swedencentral", "Sweden Central"}},
}

var services = []service{
	{"Virtual Machines", "Compute", kindAzure, "Hours", "Microsoft.Compute/virtualMachines", "vm", []string{"D4s v5", "E8s v5", "B2ms"}, 9_600_000, 120_000_000, 100, 2400},
	{"Azure Kubernetes Service", "Compute", kindAzure, "Hours", "Microsoft.ContainerService/managedClusters", "aks", []string{"Standard Uptime SLA"}, 10_000_000, 10_000_000, 2400, 2400},
	{"Azure App Service", "Web", kindAzure, "Hours", "Microsoft.Web/serverFarms", "asp", []string{"P1 v3", "S1"}, 7_300_000, 25_000_000, 2400, 2400},
	{"Azure Functions", "Compute", kindAzure, "GB Seconds", "Microsoft.Web/sites", "func", []string{"Execution Time"}, 1_600, 1_600, 10_000, 90_000_000},
	{"Storage", "Storage", kindAzure, "GB/Month", "Microsoft.Storage/storageAccounts", "st", []string{"Hot LRS Data Stored", "Cool GRS Data Stored"}, 184_000, 450_000, 100, 900_000},
	{"Azure SQL Database", "Databases", kindAzure, "Hours", "Microsoft.Sql/servers/databases", "sqldb", []string{"vCore General Purpose", "S2 DTUs"}, 12_000_000, 50_000_000, 2400, 2400},
	{"Azure Cosmos DB", "Databases", kindAzure, "100 RU/s", "Microsoft.DocumentDB/databaseAccounts", "cosmos", []string{"Autoscale RU/s"}, 800_000, 1_200_000, 400, 48_000},
	{"Azure Database for PostgreSQL", "Databases", kindAzure, "Hours", "Microsoft.DBforPostgreSQL/flexibleServers", "psql", []string{"D2ds v5 vCore"}, 17_800_000, 35_600_000, 2400, 2400},
	{"Azure Monitor", "Management and Governance", kindAzure, "GB", "Microsoft.Insights/components", "appi", []string{"Basic Logs Data Ingestion"}, 230_000_000, 230_000_000, 1, 5_000},
	{"Log Analytics", "Management and Governance", kindAzure, "GB", "Microsoft.OperationalInsights/workspaces", "log", []string{"Analytics Logs Data Ingestion"}, 276_000_000, 276_000_000, 10, 20_000},
	{"Key Vault", "Security", kindAzure, "10K Operations", "Microsoft.KeyVault/vaults", "kv", []string{"Standard Operations"}, 3_000_000, 3_000_000, 1, 50_000},
	{"Microsoft Defender for Cloud", "Security", kindAzure, "Hours", "Microsoft.Security/pricings", "mdc", []string{"Defender for Servers Plan 2"}, 2_000_000, 2_000_000, 2400, 2400},
	{"Virtual Network", "Networking", kindAzure, "GB", "Microsoft.Network/virtualNetworks", "vnet", []string{"Intra-Region Ingress"}, 1_000_000, 1_000_000, 100, 200_000},
	{"Load Balancer", "Networking", kindAzure, "Hours", "Microsoft.Network/loadBalancers", "lb", []string{"Standard Rule Hours"}, 2_500_000, 2_500_000, 2400, 2400},
	{"Azure Front Door", "Networking", kindAzure, "GB", "Microsoft.Cdn/profiles", "afd", []string{"Data Transfer Out"}, 8_300_000, 8_300_000, 100, 300_000},
	{"Bandwidth", "Networking", kindAzure, "GB", "Microsoft.Network/publicIPAddresses", "pip", []string{"Standard Data Transfer Out"}, 8_700_000, 8_700_000, 1, 100_000},
	{"Azure OpenAI", "AI and Machine Learning", kindAzure, "1K Tokens", "Microsoft.CognitiveServices/accounts", "oai", []string{"gpt-4o Input Tokens", "gpt-4o Output Tokens"}, 250_000, 1_000_000, 100, 9_000_000},
	{"Azure Machine Learning", "AI and Machine Learning", kindAzure, "Hours", "Microsoft.MachineLearningServices/workspaces", "mlw", []string{"NC6s v3 Compute"}, 306_000_000, 306_000_000, 100, 2400},
	{"Azure Data Factory", "Analytics", kindAzure, "1K Runs", "Microsoft.DataFactory/factories", "adf", []string{"Orchestration Activity Run"}, 100_000_000, 100_000_000, 1, 2_000},
	{"Azure Synapse Analytics", "Analytics", kindAzure, "Hours", "Microsoft.Synapse/workspaces", "syn", []string{"DW100c"}, 120_000_000, 120_000_000, 100, 2400},
	{"Backup", "Storage", kindAzure, "GB/Month", "Microsoft.RecoveryServices/vaults", "rsv", []string{"GRS Data Stored"}, 5_690_000, 5_690_000, 100, 500_000},
	{"Event Hubs", "Integration", kindAzure, "Hours", "Microsoft.EventHub/namespaces", "evh", []string{"Standard Throughput Unit"}, 3_000_000, 3_000_000, 2400, 2400},

	{"Amazon Elastic Compute Cloud", "Compute", kindAWS, "Hrs", "ec2:instance", "i-", []string{"m6i.large", "c7g.xlarge", "r6i.2xlarge", "t3.medium"}, 4_160_000, 50_400_000, 100, 2400},
	{"Amazon Simple Storage Service", "Storage", kindAWS, "GB-Mo", "s3:", "", []string{"TimedStorage-ByteHrs", "Requests-Tier1"}, 76_000, 2_300_000, 100, 2_000_000},
	{"Amazon Relational Database Service", "Databases", kindAWS, "Hrs", "rds:db", "db-", []string{"db.r6g.large PostgreSQL", "db.m6i.xlarge MySQL"}, 22_500_000, 48_000_000, 2400, 2400},
	{"Amazon DynamoDB", "Databases", kindAWS, "ReadRequestUnits", "dynamodb:table", "tbl-", []string{"PayPerRequestThroughput"}, 25, 25, 100_000, 900_000_000},
	{"AWS Lambda", "Compute", kindAWS, "Lambda-GB-Second", "lambda:function", "fn-", []string{"Lambda-GB-Second-ARM"}, 1_333, 1_667, 10_000, 50_000_000},
	{"Amazon Elastic Kubernetes Service", "Compute", kindAWS, "Hrs", "eks:cluster", "eks-", []string{"AmazonEKS-Hours:perCluster"}, 10_000_000, 10_000_000, 2400, 2400},
	{"Amazon CloudFront", "Networking", kindAWS, "GB", "cloudfront:distribution", "E", []string{"DataTransfer-Out-Bytes"}, 8_500_000, 8_500_000, 100, 900_000},
	{"Amazon Virtual Private Cloud", "Networking", kindAWS, "Hrs", "ec2:natgateway", "nat-", []string{"NatGateway-Hours"}, 4_500_000, 4_500_000, 2400, 2400},
	{"Elastic Load Balancing", "Networking", kindAWS, "LCU-Hrs", "elasticloadbalancing:loadbalancer/app", "alb-", []string{"LoadBalancerUsage"}, 800_000, 2_250_000, 100, 24_000},
	{"Amazon CloudWatch", "Management and Governance", kindAWS, "GB", "logs:log-group", "/aws/", []string{"DataProcessing-Bytes"}, 50_000_000, 50_000_000, 1, 10_000},
	{"AWS Key Management Service", "Security", kindAWS, "Requests", "kms:key", "", []string{"KMS-Requests"}, 300, 300, 1_000, 5_000_000},
	{"Amazon Redshift", "Analytics", kindAWS, "Hrs", "redshift:cluster", "rs-", []string{"ra3.xlplus Node"}, 108_600_000, 108_600_000, 2400, 2400},
	{"Amazon SageMaker", "AI and Machine Learning", kindAWS, "Hrs", "sagemaker:endpoint", "ep-", []string{"ml.g5.xlarge Hosting"}, 141_000_000, 141_000_000, 100, 2400},
	{"Amazon Bedrock", "AI and Machine Learning", kindAWS, "1K Input Tokens", "bedrock:foundation-model", "", []string{"Claude Input Tokens"}, 300_000, 1_500_000, 100, 5_000_000},
	{"Amazon Simple Queue Service", "Integration", kindAWS, "Requests", "sqs:", "q-", []string{"Requests-RBP"}, 40, 40, 10_000, 900_000_000},
	{"Amazon Elastic File System", "Storage", kindAWS, "GB-Mo", "elasticfilesystem:file-system", "fs-", []string{"TimedStorage-ByteHrs"}, 30_000_000, 30_000_000, 100, 200_000},
	{"AWS Backup", "Storage", kindAWS, "GB-Mo", "backup:recovery-point", "rp-", []string{"WarmStorage-ByteHrs"}, 5_000_000, 5_000_000, 100, 900_000},
}

// licences are Microsoft 365 products bought per seat; prices are per
// seat and month in 1e-8 USD.
var licences = []struct {
	name, category, sku string
	monthly             int64
	seatsLo, seatsHi    int64
}{
	{"Microsoft 365 E3", "Business Applications", "CFQ7TTC0LFLX:0002", 3_600_000_000, 200, 900},
	{"Microsoft 365 E5", "Business Applications", "CFQ7TTC0LFLZ:0002", 5_700_000_000, 20, 120},
	{"Microsoft Teams Premium", "Business Applications", "CFQ7TTC0RM8K:0001", 1_000_000_000, 10, 60},
	{"Power BI Pro", "Analytics", "CFQ7TTC0L3PB:0001", 1_400_000_000, 30, 200},
	{"Microsoft Entra ID P2", "Identity", "CFQ7TTC0LFK5:0001", 900_000_000, 50, 400},
	{"Visio Plan 2", "Business Applications", "CFQ7TTC0KXN9:0001", 1_500_000_000, 5, 40},
	{"Microsoft 365 Copilot", "AI and Machine Learning", "CFQ7TTC0MM8R:0001", 3_000_000_000, 10, 100},
}

var (
	tagEnvs  = []string{"prod", "prod", "prod", "staging", "dev", "test"}
	tagTeams = []string{"platform", "data", "payments", "identity", "search", "mobile", "ml", "finance-it"}
	tagApps  = []string{"checkout", "catalog", "ledger", "portal", "ingest", "reporting", "auth", "notify",
		"search-api", "recommender", "billing", "crm-sync", "warehouse", "mobile-bff", "status"}
)
