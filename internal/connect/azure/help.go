package azureconn

// HelpPage is one page of the Azure connection help, as Go data that the
// web UI renders.
type HelpPage struct {
	Slug, Title string
	Steps       []string
	Code        []CodeBlock
}

// CodeBlock is a command or snippet shown on a help page.
type CodeBlock struct{ Lang, Text string }

// Help page slugs besides the token states (TokenState values are slugs
// too).
const (
	SlugOwnerRole         = "owner-role"
	SlugAppRegistration   = "app-registration"
	SlugConditionalAccess = "conditional-access"
	SlugRoles             = "service-principal-roles"
)

// Help returns the help pages: what the consenting user needs, the app
// registration, conditional access, the roles, and one per token state.
func Help() []HelpPage {
	return append([]HelpPage{ownerPage(), appPage(), caPage(), rolesPage()}, tokenPages()...)
}

func ownerPage() HelpPage {
	return HelpPage{Slug: SlugOwnerRole, Title: "The Owner role the consenting user needs",
		Steps: []string{
			"Canopy gives its service principal roles on your subscriptions while you are signed in; only a user who may assign roles can do that.",
			"In the Azure portal open Subscriptions, pick the subscription, then Access control (IAM) > Role assignments.",
			"Check that you hold Owner (or User Access Administrator) on the subscription itself or above it (a management group). Reader or Contributor is not enough.",
			"Subscriptions where you are not Owner, or that are disabled, are skipped and listed with the reason; connect again as an Owner of those to include them.",
			"Admin consent needs a Global Administrator (or Privileged Role / Cloud Application Administrator) of the tenant as well; it can be the same person.",
		},
		Code: []CodeBlock{{"shell", "az role assignment list --assignee <your-upn> --scope /subscriptions/<subscription-id> --include-inherited --query \"[].roleDefinitionName\""}},
	}
}

func appPage() HelpPage {
	return HelpPage{Slug: SlugAppRegistration, Title: "Canopy's app registration and its API permissions",
		Steps: []string{
			"Canopy connects as a multi-tenant app registration; when you run Canopy yourself, register it in your own tenant: Microsoft Entra ID > App registrations > New registration, 'Accounts in any organizational directory'.",
			"Add the redirect URI Canopy shows (Web platform), ending in /connections/azure/callback.",
			"Certificates & secrets > New client secret; copy its Value (not its Secret ID) into Canopy. Note the expiry date: Canopy warns before it.",
			"API permissions > Add a permission > Azure Service Management > Delegated > user_impersonation (used once, to assign roles as the consenting Owner).",
			"API permissions > Microsoft Graph > Application permissions: User.Read.All, Directory.Read.All, Organization.Read.All and Reports.Read.All (for Microsoft 365 licences and usage); keep the delegated User.Read.",
			"Grant admin consent for the tenant, or let each customer's Global Administrator consent through Canopy's Connect button.",
		},
		Code: []CodeBlock{{"shell", "az ad app permission add --id <app-id> --api 797f4846-ba00-4fd7-ba43-dac1f8f63013 --api-permissions 41094075-9dad-400e-a0bd-54e686782033=Scope\n" +
			"az ad app permission add --id <app-id> --api 00000003-0000-0000-c000-000000000000 --api-permissions df021288-bdef-4463-88db-98f22de89214=Role 7ab1d382-f21e-4acd-a863-ba3e13f7da61=Role 498476ce-e0fe-48b0-b801-37ba7e2685c6=Role 230c1aed-a721-4c5d-9cb4-a90514e508ef=Role\n" +
			"az ad app permission admin-consent --id <app-id>"}},
	}
}

func caPage() HelpPage {
	return HelpPage{Slug: SlugConditionalAccess, Title: "Exclude Canopy's service tenant from conditional access",
		Steps: []string{
			"Conditional-access policies that require MFA, a compliant device or a named location can block Canopy's sign-in from its servers (AADSTS53003 or AADSTS50076).",
			"Microsoft Entra ID > Security > Conditional Access > Policies: open each policy that targets 'All cloud apps' or workload identities.",
			"Under Target resources (or Workload identities) > Exclude, add Canopy's enterprise application; for guest/B2B rules exclude Canopy's service tenant as an external tenant.",
			"Use 'What If' with the service principal (Workload identity) or the consenting user and Canopy's app: the result must list no policy that applies with Block or with grant controls Canopy cannot meet.",
			"Save, then run the connection doctor again.",
		},
	}
}

func rolesPage() HelpPage {
	return HelpPage{Slug: SlugRoles, Title: "Roles of Canopy's service principal",
		Steps: []string{
			"Reader on each subscription: costs (Cost Management query), resources, tags and Advisor recommendations.",
			"Tag Contributor on each subscription: only when Canopy may write tags back (access level read-write-tags).",
			"Reservations Reader at /providers/Microsoft.Capacity (tenant-wide): reservations and their utilisation; a Reservations Administrator or an elevated Global Administrator assigns it.",
			"Connect again as an Owner, or assign the roles yourself to the enterprise application named Canopy.",
		},
		Code: []CodeBlock{{"shell", "az role assignment create --assignee-object-id <canopy-sp-object-id> --assignee-principal-type ServicePrincipal --role Reader --scope /subscriptions/<subscription-id>\n" +
			"az role assignment create --assignee-object-id <canopy-sp-object-id> --assignee-principal-type ServicePrincipal --role \"Tag Contributor\" --scope /subscriptions/<subscription-id>\n" +
			"az role assignment create --assignee-object-id <canopy-sp-object-id> --assignee-principal-type ServicePrincipal --role \"Reservations Reader\" --scope /providers/Microsoft.Capacity"}},
	}
}

func tokenPages() []HelpPage {
	return []HelpPage{
		{Slug: string(TokenIncomplete), Title: "Canopy's access is incomplete", Steps: []string{fixes[TokenIncomplete],
			"The connection doctor lists each feature with the role it needs; 'Grant admin consent' again after permissions were added to the app registration."}},
		{Slug: string(TokenExpired), Title: "The access token expired", Steps: []string{fixes[TokenExpired],
			"Canopy builds a new credential for every sync run; a persistent expiry usually means the server's clock is off by more than five minutes."}},
		{Slug: string(TokenRevoked), Title: "Canopy's consent was revoked", Steps: []string{fixes[TokenRevoked],
			"Entra answers AADSTS700016 (application not found in the directory) or AADSTS7000229 (missing service principal) until then.",
			"Enterprise applications > Canopy must exist again after consent; its role assignments on the subscriptions were removed with it, so an Owner must connect too."}},
		{Slug: string(InvalidSecret), Title: "The client secret is invalid", Steps: []string{fixes[InvalidSecret],
			"Entra answers AADSTS7000215 for a wrong secret and AADSTS7000222 for an expired one."},
			Code: []CodeBlock{{"shell", "az ad app credential reset --id <app-id> --append --display-name canopy --years 1"}}},
	}
}
