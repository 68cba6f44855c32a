package azureconn_test

import (
	"strings"
	"testing"

	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
)

// TestHelpCoversEveryFix: each token state and each slug the doctor
// points at has one page with steps.
func TestHelpCoversEveryFix(t *testing.T) {
	pages := map[string]azureconn.HelpPage{}
	for _, p := range azureconn.Help() {
		if _, dup := pages[p.Slug]; dup || p.Title == "" || len(p.Steps) == 0 {
			t.Fatalf("page %q duplicated or empty", p.Slug)
		}
		pages[p.Slug] = p
	}
	for _, slug := range []string{azureconn.SlugOwnerRole, azureconn.SlugAppRegistration, azureconn.SlugConditionalAccess, azureconn.SlugRoles,
		string(azureconn.TokenIncomplete), string(azureconn.TokenExpired), string(azureconn.TokenRevoked), string(azureconn.InvalidSecret)} {
		if _, ok := pages[slug]; !ok {
			t.Fatalf("no help page %q", slug)
		}
	}
}

// TestHelpPagesHoldTheValuesToCopy: the customer-side pages name the exact
// role, permissions and checks (what the doctor's Fix links lead to).
func TestHelpPagesHoldTheValuesToCopy(t *testing.T) {
	want := map[string][]string{
		azureconn.SlugOwnerRole:         {"Owner", "User Access Administrator", "az role assignment list"},
		azureconn.SlugAppRegistration:   {"user_impersonation", "User.Read.All", "Directory.Read.All", "Organization.Read.All", "Reports.Read.All", "/connections/azure/callback"},
		azureconn.SlugConditionalAccess: {"What If", "AADSTS53003", "Exclude"},
		azureconn.SlugRoles:             {"Reader", "Tag Contributor", "Reservations Reader", "/providers/Microsoft.Capacity"},
	}
	for _, p := range azureconn.Help() {
		text := strings.Join(p.Steps, "\n")
		for _, c := range p.Code {
			text += "\n" + c.Text
		}
		for _, n := range want[p.Slug] {
			if !strings.Contains(text, n) {
				t.Errorf("help page %s lacks %q", p.Slug, n)
			}
		}
		delete(want, p.Slug)
	}
	if len(want) != 0 {
		t.Fatalf("pages missing: %v", want)
	}
}
