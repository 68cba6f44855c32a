package e2e

import (
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// In the demo, the owner groups the Microsoft 365 tenant's users into two
// virtual OUs by country (Germany, France), makes a policy granting
// password resets and delegates the Germany OU to a new member. The member
// signs in, sees only German users, resets one's password and sees the new
// password once; a French user's page refuses with the reason.
func TestDelegatedAdminResetsPasswordOnlyInTheirOU(t *testing.T) {
	t.Parallel()
	demo := startDemo(t, filepath.Join(t.TempDir(), "demo"))
	owner := newTab(t, demo.url)
	owner.do("1024x768 window", chromedp.EmulateViewport(1024, 768))
	owner.signIn(demo.email, demo.pwd)

	// A new member with a one-time password.
	const email = "helpdesk@contoso.test"
	if st := owner.open("/settings/users"); st != http.StatusOK {
		owner.fatalf("users: status %d", st)
	}
	owner.fill("#add-email", email)
	owner.fill("#add-name", "Hilde Helpdesk")
	owner.do("choose the FinOps role", evalVoid(`document.querySelector("#add-role").value = "finops"`))
	owner.click("#mode-password")
	if st := owner.submit(`#add-user form button[type=submit]`); st != http.StatusOK {
		owner.fatalf("add user: status %d", st)
	}
	oneTime := owner.textOf("#created-password")
	noteSecret(oneTime)
	if oneTime == "" {
		owner.fatalf("no one-time password shown")
	}

	// The demo's first directory sync runs at start; the owner (an
	// administrator) may act on every user once it is in.
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
	for _, country := range []string{"Germany", "France"} {
		owner.fill("#ou-name", country)
		owner.do("rule country = "+country, evalVoid(`document.querySelector("#ou-attr-0").value = "country"`))
		owner.fill("#ou-values-0", country)
		if st := owner.submit(`#ou-form button[type=submit]`); st != http.StatusOK {
			owner.fatalf("add OU %s: status %d", country, st)
		}
		owner.mustSee("OU " + country + " created.")
	}
	owner.fill("#pol-name", "Helpdesk")
	owner.do("grant password resets", evalVoid(`document.getElementById("pol-act-user.reset_password").checked = true`))
	if st := owner.submit(`#policy-form button[type=submit]`); st != http.StatusOK {
		owner.fatalf("add policy: status %d", st)
	}
	owner.mustSee("Policy Helpdesk created.")
	owner.do("choose member, OU and policy", evalVoid(`(function(){
		const pick = (sel, text) => { const s = document.querySelector(sel);
			s.value = [...s.options].find(o => o.text === text).value; };
		pick("#dlg-user", `+jsString(email)+`); pick("#dlg-ou", "Germany"); pick("#dlg-policy", "Helpdesk"); })()`))
	owner.shot("delegation-manage")
	if st := owner.submit(`#delegation-form button[type=submit]`); st != http.StatusOK {
		owner.fatalf("add delegation: status %d", st)
	}
	owner.mustSee("Delegation of OU Germany to " + email + " created.")

	// A French user, as the administrator sees it.
	if st := owner.open("/m365/delegation"); st != http.StatusOK {
		owner.fatalf("users: status %d", st)
	}
	frHref := evalJS[string](owner, `[...document.querySelectorAll("tr[data-user]")].filter(r => r.cells[1].innerText.includes("France")).map(r => r.querySelector("a").getAttribute("href"))[0] || ""`)
	frID := evalJS[string](owner, `[...document.querySelectorAll("tr[data-user]")].filter(r => r.cells[1].innerText.includes("France")).map(r => r.dataset.user)[0] || ""`)
	if frHref == "" {
		owner.fatalf("no user in OU France")
	}

	member := newTab(t, demo.url)
	member.do("phone width", chromedp.EmulateViewport(390, 844))
	member.firstSignIn(email, oneTime)
	if st := member.open("/m365"); st != http.StatusOK {
		member.fatalf("Microsoft 365: status %d", st)
	}
	if st := member.submit("#m365-delegation-link"); st != http.StatusOK {
		member.fatalf("users I can administer: status %d", st)
	}
	rows := evalJS[[]string](member, `[...document.querySelectorAll("tr[data-user]")].map(r => r.cells[1].innerText)`)
	if len(rows) == 0 {
		member.fatalf("the delegated administrator sees no users")
	}
	for _, ous := range rows {
		if !strings.Contains(ous, "Germany") || strings.Contains(ous, "France") {
			member.fatalf("the delegated administrator sees a user in OUs %q", ous)
		}
	}
	if evalJS[bool](member, `[...document.querySelectorAll("tr[data-user]")].some(r => r.dataset.user === `+jsString(frID)+`)`) {
		member.fatalf("the French user %s is listed", frID)
	}
	member.shot("delegation-users-phone")
	if st := member.submit(`tr[data-user] a`); st != http.StatusOK {
		member.fatalf("open a German user: status %d", st)
	}
	userPath := member.path()
	member.mustSee("Germany")
	member.do("accept the confirmation", evalVoid(`window.confirm = () => true`))
	if st := member.submit("#act-reset-password"); st != http.StatusOK {
		member.fatalf("reset password: status %d", st)
	}
	if got := member.textOf("#action-result"); !strings.Contains(got, "user.reset_password: done") {
		member.fatalf("reset result %q", got)
	}
	pw := member.textOf("#new-password")
	noteSecret(pw)
	if len(pw) < 12 {
		member.fatalf("new password %q not shown", pw)
	}
	member.shot("delegation-reset-done")
	if st := member.open(userPath); st != http.StatusOK {
		member.fatalf("reopen the user: status %d", st)
	}
	if member.visible("#new-password") || strings.Contains(member.text(), pw) {
		member.fatalf("the new password is shown again")
	}

	if st := member.open(frHref); st != http.StatusForbidden {
		member.fatalf("French user page: status %d, want 403", st)
	}
	if got := member.textOf("#refusal-reason"); !strings.Contains(got, "you administer OU Germany") {
		member.fatalf("refusal reason %q", got)
	}
	member.mustNotSee("Reset password")
}
