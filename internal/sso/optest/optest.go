// Package optest runs a real OpenID provider on loopback for tests: the
// op package of github.com/zitadel/oidc (discovery, JWKS, authorization
// code flow with PKCE S256, RS256 ID tokens, RP-initiated logout with
// id_token_hint and registered post_logout_redirect_uri) over a small
// in-memory storage of this package. One confidential client is
// registered; the person who signs in is the next one queued by the test.
//
// By default the provider's login step signs the queued person in at once
// (HTTP tests follow redirects only); with LoginForm set it shows a page
// with a "Sign in" button, as a browser test wants.
package optest

import (
	"crypto/rand"
	"crypto/rsa"
	"encoding/hex"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/oidc"
	"github.com/zitadel/oidc/v3/pkg/op"
)

// User is a person at the provider; the ID token carries these claims.
type User struct {
	Subject       string
	Email         string
	EmailVerified bool
	Name          string
	GivenName     string
	FamilyName    string
	Groups        []string
	// Extra claims for the ID token (such as sid).
	Extra map[string]any
}

// Provider is an OpenID provider on 127.0.0.1.
type Provider struct {
	URL          string // the issuer
	ClientID     string
	ClientSecret string
	// RedirectURIGlobs are the client's registered redirect URIs
	// (path.Match patterns); by default Canopy's callback on any loopback
	// port.
	RedirectURIGlobs []string
	// AllowedLogoutURIs are the registered post_logout_redirect_uris;
	// RP-initiated logout refuses any other.
	AllowedLogoutURIs []string
	// NoEndSession leaves end_session_endpoint out of discovery.
	NoEndSession bool
	// LoginForm shows a sign-in page instead of signing the queued
	// person in at once.
	LoginForm bool

	op      *op.Provider
	storage *storage
}

// New starts the provider; it stops at the end of the test.
func New(t testing.TB) *Provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{ClientID: "canopy-" + randomHex(4), ClientSecret: "secret-" + randomHex(16),
		RedirectURIGlobs: []string{"http://127.0.0.1:*/login/callback?connection=*"}}
	p.storage = &storage{p: p, key: key, keyID: randomHex(8), requests: map[string]*authRequest{},
		codes: map[string]string{}, users: map[string]User{}}
	srv := httptest.NewUnstartedServer(nil)
	p.URL = "http://" + srv.Listener.Addr().String()
	var crypto [32]byte
	_, _ = rand.Read(crypto[:])
	p.op, err = op.NewProvider(&op.Config{CryptoKey: crypto, CodeMethodS256: true, AuthMethodPost: true},
		p.storage, op.StaticIssuer(p.URL), op.WithAllowInsecure())
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/login", p.login)
	mux.Handle("/", p.op)
	srv.Config.Handler = p.discovery(mux)
	srv.Start()
	t.Cleanup(srv.Close)
	return p
}

// Issuer is the provider's issuer URL.
func (p *Provider) Issuer() string { return p.URL }

// AuthorizationEndpoint is where Canopy sends the browser to sign in.
func (p *Provider) AuthorizationEndpoint() string {
	return p.op.AuthorizationEndpoint().Absolute(p.URL)
}

// EndSessionURL is the RP-initiated logout endpoint.
func (p *Provider) EndSessionURL() string { return p.op.EndSessionEndpoint().Absolute(p.URL) }

// QueueUser makes u the next person to sign in (first queued, first
// signed in).
func (p *Provider) QueueUser(u User) {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	p.storage.queue = append(p.storage.queue, u)
}

// Ended lists the subjects whose sessions RP-initiated logout ended.
func (p *Provider) Ended() []string {
	p.storage.mu.Lock()
	defer p.storage.mu.Unlock()
	return append([]string(nil), p.storage.ended...)
}

// discovery drops end_session_endpoint while NoEndSession is set.
func (p *Provider) discovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != oidc.DiscoveryEndpoint || !p.NoEndSession {
			next.ServeHTTP(w, r)
			return
		}
		rec := httptest.NewRecorder()
		next.ServeHTTP(rec, r)
		var doc map[string]any
		if err := json.Unmarshal(rec.Body.Bytes(), &doc); err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		delete(doc, "end_session_endpoint")
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})
}

var loginPage = template.Must(template.New("login").Parse(`<!doctype html>
<html><head><title>Test OpenID provider</title></head><body>
<h1>Sign in to the test OpenID provider</h1>
<form method="post" action="/login">
<input type="hidden" name="authRequestID" value="{{.}}">
<button type="submit" id="op-signin">Sign in</button>
</form></body></html>`))

// login is the provider's sign-in step: the next queued person signs in
// for the authorization request, which then goes on to the code.
func (p *Provider) login(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	id := r.Form.Get("authRequestID")
	if r.Method == http.MethodGet && p.LoginForm {
		if _, err := p.storage.AuthRequestByID(r.Context(), id); err != nil {
			http.Error(w, "unknown authorization request", http.StatusBadRequest)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		_ = loginPage.Execute(w, id)
		return
	}
	if err := p.storage.signIn(id); err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	http.Redirect(w, r, op.AuthCallbackURL(p.op)(op.ContextWithIssuer(r.Context(), p.URL), id), http.StatusFound)
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// errNotFound answers lookups of unknown requests, codes and clients.
var errNotFound = errors.New("not found")

// tokenLifetime is how long ID and access tokens are valid.
const tokenLifetime = 5 * time.Minute
