package app

import (
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/sandbox"
)

// A person adds the sandbox's AWS account through the form: the role is
// created (through the sandbox's Go API, as the customer would in IAM)
// with the external ID the form generated; Test connection shows the
// checks, Save creates the connection and its first sync runs. Then
// Microsoft 365 through admin consent: the sandbox's sign-in and consent
// pages, back to Canopy, connection created.
func TestAWSFormAndM365ConsentInTheBrowser(t *testing.T) {
	cloud, b := signedInWithSandbox(t, "/connections/m365/callback")

	d := cloud.Demo.AWS
	b.navigate("/connections")
	b.submit("#aws-connect-start")
	ext := b.eval(`document.querySelector('#aws-generated-external-id').value`)
	if trust := b.eval(`document.querySelector('#aws-trust-policy').innerText`); !strings.Contains(trust, ext) || !strings.Contains(trust, sandbox.DemoCanopyAWSAccount) {
		t.Fatalf("trust policy %q for %q", trust, ext)
	}
	cloud.AWS.AddRole(d.AccountID, "CanopyFromForm", d.CanopyAccountID, ext, d.ReadOnlyPolicies...)
	b.fill("#aws-name", "Contoso AWS (form)")
	b.fill("#aws-account_id", d.AccountID)
	b.fill("#aws-role", "CanopyFromForm")
	b.submit("#aws-test")
	b.waitAcross("the test result", `document.querySelectorAll('#aws-test-result tr[data-feature]').length > 0`)
	if costs := b.eval(`(document.querySelector('#aws-test-result tr[data-granted="true"]') || {innerText: ""}).innerText`); costs == "" {
		t.Fatalf("no working check: %s", b.eval(`document.querySelector('#aws-test-result').innerText`))
	}
	b.submit("#aws-save")
	b.waitAcross("the connection page", `location.pathname.startsWith('/connections/con_')`)
	b.waitAcross("the first sync to finish", `document.querySelector('#sync-progress[data-status="succeeded"], #sync-progress[data-status="partial"]')`)

	b.navigate("/connections")
	b.fill("#m365-name", "Contoso M365")
	b.fill("#m365-tenant", "contoso.onmicrosoft.com")
	b.submit("#m365-connect-submit")
	b.waitAcross("the sandbox's sign-in page", `!!document.querySelector('#i0116')`)
	b.fill("#i0116", cloud.Demo.Admin.UPN)
	b.fill("#i0118", sandbox.DemoPassword)
	b.submit("#idSIButton9")
	b.waitAcross("the consent page", `document.querySelectorAll('#permissions li').length > 0`)
	b.submit("#idSIButton9")
	b.waitAcross("the new connection's page", `location.pathname.startsWith('/connections/con_') || !!document.querySelector('#consent-error')`)
	if h1 := b.eval(`document.querySelector("h1").innerText`); h1 != "Contoso M365" {
		t.Fatalf("after consent: %q %s", h1, b.eval(`document.body.innerText`))
	}
}
