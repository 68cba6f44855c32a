package auth

import (
	"encoding/json"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// A user of a domain with an enabled single sign-on connection cannot sign
// in with a password nor get or use a reset link; the refusal is audited.
// A disabled connection leaves passwords working.
func TestFederatedDomainHasNoPassword(t *testing.T) {
	runService(t, func(f *fixture) {
		t := f.t
		org := f.org("Fed")
		u := f.member(org, "ann@fed.test", RoleViewer)
		token := f.requestReset(u.Email) // asked before the domain was federated
		c := store.SSOConnection{OrgID: org.ID, ID: domain.NewID("sso_"), Kind: "oidc", Name: "Fed IdP",
			Settings: json.RawMessage(`{}`), Domains: []string{"fed.test"}}
		if _, err := f.st.CreateSSOConnection(f.ctx, c); err != nil {
			t.Fatal(err)
		}
		if _, err := f.svc.Authenticate(f.ctx, u.Email, goodPassword, anon("192.0.2.30")); err != nil {
			t.Fatalf("disabled connection must leave passwords working: %v", err)
		}
		c.Enabled = true
		if err := f.st.UpdateSSOConnection(f.ctx, c); err != nil {
			t.Fatal(err)
		}
		for _, email := range []string{"ANN@fed.test", "nobody@fed.test"} {
			if _, err := f.svc.Authenticate(f.ctx, email, goodPassword, anon("192.0.2.30")); err != ErrFederated {
				t.Fatalf("password sign-in of %s: %v", email, err)
			}
		}
		ev := f.audits("user.signin_failed")
		if len(ev) == 0 || !json.Valid([]byte(ev[len(ev)-1].Details)) {
			t.Fatal("refusal not audited")
		}
		var d struct{ Reason string }
		_ = json.Unmarshal([]byte(ev[len(ev)-1].Details), &d)
		if d.Reason != "federated domain: password sign-in refused" {
			t.Fatalf("audited reason %q", d.Reason)
		}
		if err := f.svc.RequestPasswordReset(f.ctx, u.Email, anon("192.0.2.30")); err != ErrFederated {
			t.Fatalf("reset request: %v", err)
		}
		if _, err := f.svc.ResetPassword(f.ctx, token, "another long harbour phrase", anon("192.0.2.30")); err != ErrFederated {
			t.Fatalf("reset with an earlier link: %v", err)
		}
		if got := f.user(u.ID); got.PasswordHash != u.PasswordHash {
			t.Fatal("password changed")
		}
	})
}
