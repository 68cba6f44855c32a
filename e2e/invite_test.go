package e2e

import (
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/mail/mailtest"
)

func TestInvitedUserSetsPasswordAndSignsIn(t *testing.T) {
	t.Parallel()
	n := startNode(t, nodeConfig{})
	otp := n.addUser(t, "ada@acme.test", "Acme", "owner")
	admin := newTab(t, n.URL)
	admin.firstSignIn("ada@acme.test", otp)

	const email, name = "ines@acme.test", "Ines Invited"
	link := inviteByEmail(admin, n, email)
	guest := newTab(t, n.URL)
	pw := acceptInvitation(guest, link, email, name)
	guest.submit(`a.btn-primary[href="/signin"]`)
	guest.signIn(email, pw)
	if got := guest.textOf(".user-name"); got != name {
		t.Errorf("the signed-in invitee is shown as %q, want %q", got, name)
	}

	admin.open("/settings/users")
	row := evalJS[string](admin, `[...document.querySelectorAll("tbody tr")].map(r => r.innerText).find(t => t.includes(`+jsString(name)+`)) || ""`)
	if !strings.Contains(row, "FinOps analyst") || !strings.Contains(row, email) {
		t.Errorf("the users list does not show %s (%s) as a FinOps analyst; row: %q", name, email, row)
	}
	if st := guest.open(link); st != http.StatusGone {
		t.Errorf("used invitation link: status %d, want 410", st)
	}
	guest.mustSee("This invitation has expired or has already been used.")
}

// inviteByEmail adds a FinOps analyst by invitation on the users page and
// returns the link from the email that arrives.
func inviteByEmail(admin *tab, n *node, email string) string {
	admin.t.Helper()
	if st := admin.open("/settings/users"); st != http.StatusOK {
		admin.fatalf("GET /settings/users: status %d", st)
	}
	admin.fill("#add-email", email)
	admin.fill("#add-name", "Ines")
	admin.do("choose the FinOps role", evalVoid(`document.querySelector("#add-role").value = "finops"`))
	admin.click("#mode-invite")
	if st := admin.submit(`#add-user form button[type=submit]`); st != http.StatusOK {
		admin.fatalf("invite: status %d", st)
	}
	admin.mustSee("Invitation sent to " + email + ".")
	admin.shot("users-invited")

	msgs := n.Mail.WaitFor(admin.t, email, 1, mailTimeout)
	link := mailtest.FindLink(msgs[0].Text, n.URL+"/invite/")
	noteSecret(link)
	if link == "" {
		admin.t.Fatalf("the invitation has no %s/invite/ link:\n%s", n.URL, msgs[0].Text)
	}
	return link
}

// acceptInvitation opens the link, chooses a name and password and
// returns the password.
func acceptInvitation(guest *tab, link, email, name string) string {
	guest.t.Helper()
	if st := guest.open(link); st != http.StatusOK {
		guest.fatalf("open invitation: status %d", st)
	}
	guest.mustSee("Join Acme on Canopy", "to join Acme.")
	if got := evalJS[string](guest, `document.querySelector("#invite-email").value`); got != email {
		guest.t.Errorf("invitation page shows email %q, want %s", got, email)
	}
	guest.fill("#invite-name", name)
	pw := newPassword()
	typeNewPassword(guest, "invite", pw)
	guest.shot("accept-invite")
	if st := guest.submit(`form[action="/invite"] button[type=submit]`); st != http.StatusOK {
		guest.fatalf("accept invitation: status %d", st)
	}
	guest.mustSee("Your account is ready.")
	return pw
}
