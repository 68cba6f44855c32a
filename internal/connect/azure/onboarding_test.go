package azureconn_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
)

func grantFor(t *testing.T, rep azureconn.GrantReport, subID string) azureconn.SubscriptionGrant {
	t.Helper()
	for _, g := range rep.Subscriptions {
		if g.ID == subID {
			return g
		}
	}
	t.Fatalf("subscription %s not in the report %+v", subID, rep)
	return azureconn.SubscriptionGrant{}
}

// TestOnboardingGrantsWhereOwner: admin consent over HTTP, the Owner's
// delegated token, then Reader (and Tag Contributor) on Production only:
// Development (the admin is only Reader) and the disabled Legacy are
// skipped with their reasons; a second run changes nothing.
func TestOnboardingGrantsWhereOwner(t *testing.T) {
	e := newEnv(t)
	d := e.c.Demo
	rep := e.onboard(azureconn.GrantOptions{TagWrite: true, Reservations: true})
	if g := grantFor(t, rep, d.Production.ID); strings.Join(g.Granted, ",") != "Reader,Tag Contributor" || g.Skipped != "" {
		t.Fatalf("production: %+v", g)
	}
	if g := grantFor(t, rep, d.Development.ID); len(g.Granted) != 0 || !strings.Contains(g.Skipped, "not Owner") {
		t.Fatalf("development: %+v", g)
	}
	if g := grantFor(t, rep, d.Legacy.ID); len(g.Granted) != 0 || !strings.Contains(g.Skipped, "Disabled") {
		t.Fatalf("legacy: %+v", g)
	}
	if rep.Reservations == nil || rep.Reservations.Skipped == "" {
		t.Fatalf("an Owner of subscriptions cannot assign at /providers/Microsoft.Capacity: %+v", rep.Reservations)
	}
	sp := e.c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	again, err := e.cfg.GrantAccess(ctx, e.delegated(d.Admin.UPN), sp, azureconn.GrantOptions{TagWrite: true})
	if err != nil || strings.Join(grantFor(t, again, d.Production.ID).Granted, ",") != "Reader,Tag Contributor" {
		t.Fatalf("second grant: %v %+v", err, again)
	}
	n := 0
	for _, as := range e.c.ARM.Assignments() {
		if as.PrincipalID == sp {
			n++
			if as.Scope != "/subscriptions/"+d.Production.ID || as.PrincipalType != "ServicePrincipal" {
				t.Fatalf("unexpected assignment %+v", as)
			}
		}
	}
	if n != 2 {
		t.Fatalf("service principal has %d assignments, want 2 (Reader, Tag Contributor)", n)
	}
	subs, err := e.client(e.cfg).Subscriptions(ctx)
	if err != nil || len(subs) != 1 || subs[0].ID != d.Production.ID || subs[0].State != "Enabled" {
		t.Fatalf("service principal sees %+v, %v", subs, err)
	}
}

// TestConsentRefusedForNonAdmin: an ordinary user cannot grant admin
// consent (AADSTS90094), and is Owner of nothing, so GrantAccess grants
// nothing and says so.
func TestConsentRefusedForNonAdmin(t *testing.T) {
	e := newEnv(t)
	d := e.c.Demo
	if _, err := e.adminConsent(d.Member.UPN); err == nil || !strings.Contains(err.Error(), "AADSTS90094") {
		t.Fatalf("member's admin consent: %v", err)
	}
	if _, err := e.adminConsent(d.Admin.UPN); err != nil {
		t.Fatal(err)
	}
	sp := e.c.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	rep, err := e.cfg.GrantAccess(ctx, e.delegated(d.Member.UPN), sp, azureconn.GrantOptions{})
	if !errors.Is(err, azureconn.ErrNothingGranted) || rep.GrantedAny() {
		t.Fatalf("member's grant: %v %+v", err, rep)
	}
}

// TestTokenStates: expired, revoked and wrong-secret credentials come out
// as typed errors with a fix; an expired token mid-run is renewed.
func TestTokenStates(t *testing.T) {
	e := newEnv(t)
	d := e.c.Demo
	e.onboard(azureconn.GrantOptions{})
	user := e.delegated(d.Admin.UPN)

	e.c.Clock.Advance(2 * time.Hour) // every token issued so far has expired
	_, err := e.cfg.GrantAccess(ctx, user, "x", azureconn.GrantOptions{})
	wantState(t, err, azureconn.TokenExpired)

	cl := e.client(e.cfg)
	if _, err := cl.Subscriptions(ctx); err != nil {
		t.Fatal(err)
	}
	e.c.Clock.Advance(2 * time.Hour) // the run's cached token expires: renewed
	if _, err := cl.Subscriptions(ctx); err != nil {
		t.Fatalf("after expiry a new credential should work: %v", err)
	}

	bad := e.cfg
	bad.ClientSecret = "not-the-secret"
	_, err = e.client(bad).Subscriptions(ctx)
	wantState(t, err, azureconn.InvalidSecret)

	err = cl.Costs(ctx, d.Development.ID, monthStart(-1), monthStart(0), nil)
	wantState(t, err, azureconn.TokenIncomplete)

	e.c.Entra.RevokeConsent(d.Customer.ID, d.App.ClientID)
	e.c.Clock.Advance(2 * time.Hour)
	err = cl.Resources(ctx, d.Production.ID, azureconn.ReadWriteTags, func(azureconn.Resource) error { return nil })
	wantState(t, err, azureconn.TokenRevoked)
}

func wantState(t *testing.T, err error, st azureconn.TokenState) {
	t.Helper()
	var te *azureconn.TokenError
	if !errors.As(err, &te) || te.State != st || te.Fix == "" {
		t.Fatalf("want %s, got %v", st, err)
	}
}

// monthStart is the first day of the month n months from now (UTC).
func monthStart(n int) time.Time {
	now := time.Now().UTC()
	return time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, n, 0)
}
