package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// In the demo, the owner creates an OU, edits it in place (new name, a
// second condition), gives it a licence policy with a quota of 0 for the
// first licence, and then tries to assign that licence to a member of
// the OU who lacks it: the user page says why before, and the
// assignment is refused with the quota's reason.
func TestOwnerEditsOUAndQuotaRefusesAssignment(t *testing.T) {
	t.Parallel()
	demo := startDemo(t, filepath.Join(t.TempDir(), "demo"))
	owner := newTab(t, demo.url)
	owner.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	owner.signIn(demo.email, demo.pwd)
	deadline := time.Now().Add(2 * time.Minute)
	for {
		if st := owner.open("/m365/delegation"); st != http.StatusOK {
			owner.fatalf("users I can administer: status %d", st)
		}
		if evalJS[bool](owner, `!!document.querySelector("tr[data-user]")`) {
			break
		}
		if time.Now().After(deadline) {
			owner.fatalf("the directory was not imported after 2 minutes")
		}
		time.Sleep(500 * time.Millisecond)
	}

	if st := owner.open("/m365/delegation/manage"); st != http.StatusOK {
		owner.fatalf("manage: status %d", st)
	}
	owner.fill("#ou-name", "Germany")
	owner.do("rule country = Germany", evalVoid(`document.querySelector("#ou-attr-0").value = "country"`))
	owner.fill("#ou-values-0", "Germany")
	if st := owner.submit(`#ou-form button[type=submit]`); st != http.StatusOK {
		owner.fatalf("add OU: status %d", st)
	}
	owner.mustSee("OU Germany created.")
	if st := owner.submit(`#dlg-ous a`); st != http.StatusOK {
		owner.fatalf("open the OU: status %d", st)
	}
	ouPath := owner.path()

	// Edit in place: rename, and AND a second condition into rule 0.
	owner.do("open the edit form", evalVoid(`document.querySelector("#ou-edit").open = true`))
	owner.fill("#ou-name", "Germany DE")
	owner.do("usageLocation = DE in rule 0", evalVoid(`(function(){
		document.querySelector("#ou-rule-1").value = "0";
		document.querySelector("#ou-attr-1").value = "usageLocation";
		document.querySelector("#ou-op-1").value = "equals"; })()`))
	owner.fill("#ou-values-1", "DE")
	owner.shot("delegation-ou-edit")
	if st := owner.submit("#ou-save"); st != http.StatusOK {
		owner.fatalf("save the OU: status %d", st)
	}
	owner.mustSee("OU Germany DE saved.", "country equals Germany and usageLocation equals DE")
	if owner.path() != ouPath {
		owner.fatalf("after saving: %s, want %s", owner.path(), ouPath)
	}

	// Quota 0 for the first licence.
	sku := evalJS[string](owner, `document.querySelector("#licence-form fieldset").dataset.sku`)
	skuName := evalJS[string](owner, `document.querySelector("#licence-form fieldset legend").innerText`)
	owner.fill("#lic-quota-0", "0")
	if st := owner.submit("#licence-save"); st != http.StatusOK {
		owner.fatalf("save licence policies: status %d", st)
	}
	owner.mustSee("Licence policies of OU Germany DE saved.")
	if v := evalJS[string](owner, `document.querySelector("#lic-quota-0").value`); v != "0" {
		owner.fatalf("quota shown as %q", v)
	}

	// A member of the OU without that licence.
	members := evalJS[[]string](owner, `[...document.querySelectorAll("#ou-members tr[data-user]")].map(r => r.dataset.user)`)
	conn := evalJS[string](owner, `new URL(document.querySelector(".eyebrow a").href).searchParams.get("connection")`)
	found := false
	for _, id := range members {
		if st := owner.open("/m365/delegation/" + conn + "/users/" + id); st != http.StatusOK {
			owner.fatalf("user %s: status %d", id, st)
		}
		sel := `details.assign-licence[data-sku=` + jsString(sku) + `]`
		if !evalJS[bool](owner, `!!document.querySelector(`+jsString(sel+" .licence-refusal")+`)`) {
			continue
		}
		found = true
		owner.do("open the licence", evalVoid(`document.querySelector(`+jsString(sel)+`).open = true`))
		if got := owner.textOf(sel + " .licence-refusal"); !strings.Contains(got, "Quota reached") || !strings.Contains(got, "OU Germany DE") {
			owner.fatalf("the page's warning %q", got)
		}
		owner.shot("delegation-quota-refusal")
		if st := owner.submit(sel + ` button[type=submit]`); st != http.StatusForbidden {
			owner.fatalf("assign %s: status %d, want 403", skuName, st)
		}
		if got := owner.textOf("#refusal-reason"); !strings.Contains(got, "Quota reached") || !strings.Contains(got, "of 0 "+skuName) {
			owner.fatalf("refusal %q", got)
		}
		break
	}
	if !found {
		owner.fatalf("no member of OU Germany DE lacks %s", skuName)
	}
}
