package m365

import (
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/connect"
)

// Each Microsoft 365 help page is registered with its steps and the exact
// values to copy: the admin-consent link, every Graph permission Canopy
// asks for, and the service account's role without a licence.
func TestHelpPagesHoldTheValuesToCopy(t *testing.T) {
	want := map[string][]string{
		HelpConsent:        {"adminconsent?client_id=", "Global Administrator"},
		HelpPermissions:    {"User.Read.All", "Directory.Read.All", "Organization.Read.All", "Reports.Read.All"},
		HelpServiceAccount: {"Global Reader", "without product licence", "What If"},
		HelpConcealment:    {"displayConcealedNames", "Display concealed user, group, and site names"},
	}
	for slug, needles := range want {
		p, ok := connect.Help(slug)
		if !ok || len(p.Steps) == 0 {
			t.Fatalf("help page %s: %+v", slug, p)
		}
		text := p.Summary + strings.Join(p.Steps, "\n")
		for _, c := range p.Code {
			text += "\n" + c.Text
		}
		for _, n := range needles {
			if !strings.Contains(text, n) {
				t.Errorf("help page %s lacks %q", slug, n)
			}
		}
	}
}
