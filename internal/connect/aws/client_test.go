package awsconn

import (
	"fmt"
	"testing"
	"time"
)

func TestIdentityWithStaticKeys(t *testing.T) {
	e := newEnv(t)
	c, arn := e.userClient(t, allowAll...)
	id, err := c.Identity(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if id.AccountID != payer || id.ARN != arn {
		t.Fatalf("identity %+v", id)
	}
}

func TestAssumeRoleWithExternalID(t *testing.T) {
	e := newEnv(t)
	c, _, _ := e.roleClient(t, extID, allowAll...)
	id, err := c.Identity(ctx())
	if err != nil {
		t.Fatal(err)
	}
	if want := "arn:aws:sts::" + payer + ":assumed-role/CanopyReadOnly/" + sessionName; id.AccountID != payer || id.ARN != want {
		t.Fatalf("identity %+v, want %s", id, want)
	}
	// The session is cached: more calls do not assume the role again.
	for range 3 {
		if _, err := c.Identity(ctx()); err != nil {
			t.Fatal(err)
		}
	}
	if n := e.aws.Requests("AssumeRole"); n != 1 {
		t.Fatalf("AssumeRole called %d times; the credentials should be cached", n)
	}
}

func TestWrongExternalIDIsAccessDenied(t *testing.T) {
	e := newEnv(t)
	c, _, secret := e.roleClient(t, "not-the-external-id", allowAll...)
	_, err := c.Identity(ctx())
	ae := wantKind(t, err, ErrAccessDenied)
	if ae.Op != "AssumeRole" || ae.Code != "AccessDenied" {
		t.Fatalf("op %q code %q: %v", ae.Op, ae.Code, err)
	}
	noSecret(t, fmt.Sprintf("%v %+v %s", err, err, ae.Message), secret, "not-the-external-id")
	if checks := c.Probe(ctx(), RecOptions{CostExplorer: true}); checks[0].OK() || checks[0].FixSlug != HelpRoleTrust {
		t.Fatalf("probe %+v", checks[0])
	}
}

func TestBadKeysAreInvalidCredentials(t *testing.T) {
	e := newEnv(t)
	id, secret := e.aws.AddUser(payer, "canopy", allowAll...)
	wrong := secret[:len(secret)-4] + "AAAA"
	for name, cfg := range map[string]Config{
		"wrong secret": e.config(id, wrong),
		"unknown key":  e.config("AKIAUNKNOWNUNKNOWN00", secret),
	} {
		_, err := e.client(t, cfg).Identity(ctx())
		wantKind(t, err, ErrInvalidCredentials)
		noSecret(t, fmt.Sprintf("%v %+v", err, err), secret, wrong)
		if name == "wrong secret" {
			_, err = e.client(t, cfg).trustedAdvisor(ctx(), payer)
			wantKind(t, err, ErrInvalidCredentials)
		}
	}
}

func TestExpiredSessionIsExpired(t *testing.T) {
	e := newEnv(t)
	c, _, _ := e.roleClient(t, extID, allowAll...)
	if _, err := c.Identity(ctx()); err != nil {
		t.Fatal(err)
	}
	// The sandbox's clock moves past the session's end while the SDK's
	// cache (wall clock) still trusts it: AWS answers ExpiredToken.
	e.clock.Set(e.clock.Now().Add(2 * time.Hour))
	_, err := c.rightsizing(ctx())
	wantKind(t, err, ErrExpired)
}

func TestNewNeedsKeys(t *testing.T) {
	if _, err := New(ctx(), Config{AccessKeyID: "AKIA"}); err == nil {
		t.Fatal("New accepted a config without a secret")
	}
}
