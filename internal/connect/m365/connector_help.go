package m365

import (
	"strings"

	"github.com/canopyhq/canopy/internal/connect"
)

// Help pages (connect.RegisterHelp slugs) for the customer's side.
const (
	HelpConsent        = "m365-admin-consent"
	HelpPermissions    = "m365-graph-permissions"
	HelpServiceAccount = "m365-service-account"
	HelpConcealment    = "m365-report-concealment"
	// HelpConditionalAccess is the Azure connector's page on excluding
	// Canopy from conditional-access policies (the same Entra ID sign-in).
	HelpConditionalAccess = "azure-conditional-access"
)

// blockedByConditionalAccess reports whether an Entra ID answer says a
// conditional-access policy blocked the sign-in.
func blockedByConditionalAccess(msg string) bool {
	for _, code := range []string{"AADSTS53003", "AADSTS53000", "AADSTS53001"} {
		if strings.Contains(msg, code) {
			return true
		}
	}
	return false
}

// Permissions are the Microsoft Graph application permissions Canopy's
// app asks a tenant's admin to consent to, and why.
var Permissions = []struct{ Name, Why string }{
	{"User.Read.All", "read every user's profile and assigned licences"},
	{"Directory.Read.All", "read groups and their members"},
	{"Organization.Read.All", "read the subscribed SKUs (licences bought and assigned)"},
	{"Reports.Read.All", "read the Microsoft 365 usage reports"},
	{"ReportSettings.Read.All", "see whether usage reports conceal user names"},
}

func init() {
	for _, p := range helpPages() {
		connect.RegisterHelp(p)
	}
}

func permissionList() string {
	s := ""
	for _, p := range Permissions {
		s += p.Name + " (Application): " + p.Why + "\n"
	}
	return s
}

func helpPages() []connect.HelpPage {
	return []connect.HelpPage{{
		Slug: HelpConsent, Title: "Grant admin consent to Canopy in Microsoft 365",
		Summary: "Canopy reads your Microsoft 365 directory with its own app registration. A Global Administrator (or " +
			"Privileged Role Administrator) of your tenant consents once; if the consent is removed, syncs fail until it is granted again.",
		Steps: []string{
			"Sign in as a Global Administrator of the tenant and open the admin-consent link below (replace the tenant and Canopy's client ID, which your Canopy administrator gives you).",
			"Review the Microsoft Graph application permissions listed and select Accept.",
			"If the consent was removed: Microsoft Entra admin center > Enterprise applications > All applications shows no Canopy; open the link again.",
			"Back in Canopy, open the connection and select Sync now, then Run the doctor.",
		},
		Code: []connect.HelpCode{{Label: "Admin-consent link", Language: "text",
			Text: "https://login.microsoftonline.com/{tenant-id-or-domain}/v2.0/adminconsent?client_id={canopy-client-id}&scope=https://graph.microsoft.com/.default"}},
	}, {
		Slug: HelpPermissions, Title: "Microsoft Graph permissions for Canopy",
		Summary: "Canopy uses only application permissions that read. Each missing one turns off one feature; the connection doctor names which.",
		Steps: []string{
			"Microsoft Entra admin center > Enterprise applications > Canopy > Permissions shows what your tenant granted.",
			"Canopy's app registration asks for the permissions below; when one is missing, a Global Administrator grants admin consent again (see the admin-consent page) so that the tenant's grant matches.",
			"Directory.Read.All also covers groups; Organization.Read.All covers licences.",
		},
		Code: []connect.HelpCode{{Label: "Microsoft Graph application permissions", Language: "text", Text: permissionList()}},
	}, {
		Slug: HelpServiceAccount, Title: "Create the Microsoft 365 service account for Canopy",
		Summary: "A few reports are only available in a user's context. Canopy signs in as a dedicated service account that holds no licence and can only read.",
		Steps: []string{
			"Microsoft 365 admin center > Users > Active users > Add a user: name it e.g. canopy-reader@yourdomain.",
			"On Product licences, choose \"Create user without product licence\": the account needs none.",
			"Under Roles, choose Admin center access and assign only Global Reader.",
			"Exclude the account from multi-factor authentication and from conditional-access policies that require an interactive device or location (check with the \"What If\" tool): Canopy signs in with the password (the resource-owner password credentials grant), which cannot answer an MFA prompt.",
			"In Canopy, open the Microsoft 365 connection, section Service account, and enter the account and its password. Your browser encrypts the password with the collector's public key before sending it: Canopy's web server and database only ever hold the ciphertext.",
			"Select Sync now: the sync signs in as the account and the connection doctor then shows whether the password works. After a password change in Microsoft 365, enter the new one the same way.",
		},
		Code: []connect.HelpCode{{Label: "Role to assign", Language: "text", Text: "Global Reader (no licence)"}},
	}, {
		Slug: HelpConcealment, Title: "Show user names in Microsoft 365 usage reports",
		Summary: "Since 2021 Microsoft conceals user, group and site names in usage reports by default. Canopy then cannot match usage to users, so it cannot find unused licences.",
		Steps: []string{
			"Microsoft 365 admin center > Settings > Org settings > Services > Reports.",
			"Clear \"Display concealed user, group, and site names in all reports\" and save.",
			"The change applies to reports within a few minutes; the next Canopy sync no longer warns.",
		},
		Code: []connect.HelpCode{{Label: "The same with Microsoft Graph (needs ReportSettings.ReadWrite.All)", Language: "http",
			Text: "PATCH https://graph.microsoft.com/v1.0/admin/reportSettings\nContent-Type: application/json\n\n{\"displayConcealedNames\": false}"}},
	}}
}
