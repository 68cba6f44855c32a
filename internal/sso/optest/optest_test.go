package optest_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"golang.org/x/oauth2"

	"github.com/canopyhq/canopy/internal/sso/optest"
)

const callback = "http://127.0.0.1:1/login/callback?connection=c1"

// noRedirect is a browser that stops at each redirect.
var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// authorize runs the code flow up to Canopy's callback and returns its
// query (code and state, or an error).
func authorize(t *testing.T, p *optest.Provider, cfg *oauth2.Config, opts ...oauth2.AuthCodeOption) url.Values {
	t.Helper()
	to := cfg.AuthCodeURL("st-1", append(opts, oidc.Nonce("n-1"))...)
	for range 10 {
		resp, err := noRedirect.Get(to)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		loc, err := resp.Location()
		if err != nil {
			t.Fatalf("%s answered %d without a location", to, resp.StatusCode)
		}
		if !strings.HasPrefix(loc.String(), p.Issuer()+"/") {
			return loc.Query()
		}
		to = loc.String()
	}
	t.Fatal("too many redirects")
	return nil
}

func setup(t *testing.T) (*optest.Provider, *oauth2.Config, *oidc.IDTokenVerifier) {
	p := optest.New(t)
	prov, err := oidc.NewProvider(context.Background(), p.Issuer())
	if err != nil {
		t.Fatal(err)
	}
	cfg := &oauth2.Config{ClientID: p.ClientID, ClientSecret: p.ClientSecret, Endpoint: prov.Endpoint(),
		RedirectURL: callback, Scopes: []string{oidc.ScopeOpenID, "email", "profile", "groups"}}
	return p, cfg, prov.Verifier(&oidc.Config{ClientID: p.ClientID})
}

// The queued person signs in with PKCE; the ID token carries their claims
// and the nonce; the code works once; another verifier or secret is
// refused.
func TestCodeFlow(t *testing.T) {
	p, cfg, verifier := setup(t)
	ctx := context.Background()
	p.QueueUser(optest.User{Subject: "idp-ann", Email: "ann@corp.test", EmailVerified: true, Name: "Ann",
		Groups: []string{"finance"}, Extra: map[string]any{"sid": "s-1"}})
	v := oauth2.GenerateVerifier()
	q := authorize(t, p, cfg, oauth2.S256ChallengeOption(v))
	if q.Get("state") != "st-1" || q.Get("code") == "" {
		t.Fatalf("callback query %v", q)
	}
	if _, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption("wrong-"+v)); err == nil {
		t.Fatal("a wrong PKCE verifier was accepted")
	}
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := tok.Extra("id_token").(string)
	idt, err := verifier.Verify(ctx, raw)
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Email, Name, Sid string
		Groups           []string
	}
	if err := idt.Claims(&c); err != nil {
		t.Fatal(err)
	}
	if idt.Subject != "idp-ann" || idt.Nonce != "n-1" || c.Email != "ann@corp.test" || c.Name != "Ann" || c.Sid != "s-1" ||
		len(c.Groups) != 1 || c.Groups[0] != "finance" {
		t.Fatalf("ID token %s %s %+v", idt.Subject, idt.Nonce, c)
	}
	if _, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v)); err == nil {
		t.Fatal("the code worked twice")
	}

	p.QueueUser(optest.User{Subject: "idp-bob", Email: "bob@corp.test"})
	v = oauth2.GenerateVerifier()
	q = authorize(t, p, cfg, oauth2.S256ChallengeOption(v))
	bad := *cfg
	bad.ClientSecret = "not-the-secret"
	if _, err := bad.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v)); err == nil {
		t.Fatal("a wrong client secret was accepted")
	}
}

// A redirect URI that is not registered is refused, and nobody is asked
// to sign in without a queued person.
func TestRefusals(t *testing.T) {
	_, cfg, _ := setup(t)
	other := *cfg
	other.RedirectURL = "http://127.0.0.1:1/elsewhere"
	resp, err := noRedirect.Get(other.AuthCodeURL("st"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if loc, _ := resp.Location(); resp.StatusCode < 400 && (loc == nil || strings.HasPrefix(loc.String(), "http://127.0.0.1:1/")) {
		t.Fatalf("unregistered redirect URI: %d %v", resp.StatusCode, loc)
	}
	resp, err = noRedirect.Get(cfg.AuthCodeURL("st"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	loc, _ := resp.Location()
	resp, err = noRedirect.Get(loc.String())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusBadRequest {
		t.Fatalf("login without a queued person: %d", resp.StatusCode)
	}
}

// RP-initiated logout ends the session of the ID token's subject and
// returns to a registered post_logout_redirect_uri with the state; an
// unregistered one or a forged hint is refused and ends nothing.
func TestEndSession(t *testing.T) {
	p, cfg, _ := setup(t)
	ctx := context.Background()
	p.AllowedLogoutURIs = []string{"http://127.0.0.1:1/signed-out"}
	p.QueueUser(optest.User{Subject: "idp-ann", Email: "ann@corp.test"})
	v := oauth2.GenerateVerifier()
	q := authorize(t, p, cfg, oauth2.S256ChallengeOption(v))
	tok, err := cfg.Exchange(ctx, q.Get("code"), oauth2.VerifierOption(v))
	if err != nil {
		t.Fatal(err)
	}
	hint, _ := tok.Extra("id_token").(string)
	end := func(h, back string) *http.Response {
		resp, err := noRedirect.Get(p.EndSessionURL() + "?" + url.Values{"id_token_hint": {h}, "post_logout_redirect_uri": {back},
			"state": {"so-1"}, "client_id": {p.ClientID}}.Encode())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := end(hint, "http://127.0.0.1:1/evil"); resp.StatusCode == http.StatusFound && strings.Contains(resp.Header.Get("Location"), "evil") {
		t.Fatal("an unregistered post_logout_redirect_uri was followed")
	}
	parts := strings.Split(hint, ".")
	if resp := end(parts[0]+"."+parts[1]+".AAAA", "http://127.0.0.1:1/signed-out"); resp.StatusCode == http.StatusFound &&
		strings.HasPrefix(resp.Header.Get("Location"), "http://127.0.0.1:1/signed-out") {
		t.Fatal("a forged id_token_hint was accepted")
	}
	if got := p.Ended(); len(got) != 0 {
		t.Fatalf("refused logouts ended %v", got)
	}
	resp := end(hint, "http://127.0.0.1:1/signed-out")
	if loc := resp.Header.Get("Location"); resp.StatusCode != http.StatusFound || loc != "http://127.0.0.1:1/signed-out?state=so-1" {
		t.Fatalf("logout: %d to %q", resp.StatusCode, loc)
	}
	if got := p.Ended(); len(got) != 1 || got[0] != "idp-ann" {
		t.Fatalf("ended %v", got)
	}
}
