package azureconn_test

import (
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
