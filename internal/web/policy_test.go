package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestOneTimePasswordMustBeChanged(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		sys, err := f.svc.SystemPrincipal(ctx, f.orgs["A"].ID)
		if err != nil {
			t.Fatal(err)
		}
		added, err := f.svc.AddMember(ctx, sys, auth.NewMember{Email: "new@example.com", Roles: []string{"viewer"}, Mode: auth.AddWithPassword}, audit.Actor{})
		if err != nil {
			t.Fatal(err)
		}
		c := f.client("")
		resp, err := c.PostForm(f.srv.URL+"/signin/password", url.Values{"email": {"new@example.com"}, "password": {added.OneTimePassword}})
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if code, _ := f.do(c, "GET", "/spend", nil); code != http.StatusSeeOther {
			t.Fatalf("before changing the one-time password: %d, want redirect to /profile", code)
		}
		if code, body := f.do(c, "GET", "/profile", nil); code != http.StatusOK || !contains(body, "one-time password") {
			t.Fatalf("profile should explain why: %d", code)
		}
		form := url.Values{"current_password": {added.OneTimePassword}, "password": {"a brand new passphrase 7"}, "password_confirm": {"a brand new passphrase 7"}}
		if code, _ := f.do(c, "POST", "/profile/password", form); code != http.StatusSeeOther {
			t.Fatalf("change password: %d", code)
		}
		if code, _ := f.do(c, "GET", "/spend", nil); code != http.StatusOK {
			t.Fatalf("after the change the app opens: %d", code)
		}
	})
}

func TestOrgMFAPolicySendsToEnrolment(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ctx := context.Background()
		owner := f.client("owner-a@example.com")
		form := url.Values{"name": {"Org A"}, "mfa_required": {"on"}}
		if code, _ := f.do(owner, "POST", "/settings", form); code != http.StatusSeeOther {
			t.Fatalf("save settings: %d", code)
		}
		org, err := f.st.GetOrg(ctx, f.orgs["A"].ID)
		if err != nil || !org.MFARequired {
			t.Fatalf("policy not saved: %+v %v", org, err)
		}
		viewer := f.client("viewer-a@example.com")
		req, _ := http.NewRequest("GET", f.srv.URL+"/spend", nil)
		resp, err := viewer.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/profile/mfa/setup" {
			t.Fatalf("member without MFA: %d %s, want redirect to enrolment", resp.StatusCode, resp.Header.Get("Location"))
		}
		if code, body := f.do(viewer, "GET", "/profile/mfa/setup", nil); code != http.StatusOK || !contains(body, "data:image/png;base64,") {
			t.Fatalf("enrolment page: %d", code)
		}
	})
}

func contains(s, sub string) bool { return strings.Contains(s, sub) }
