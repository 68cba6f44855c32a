// Package oidctest runs an OpenID provider on loopback for tests:
// oauth2-proxy/mockoidc (discovery, JWKS, code flow with PKCE) with
// RP-initiated logout added, which mockoidc lacks. Its discovery document
// names an end_session_endpoint, served on a second loopback server, that
// verifies the id_token_hint with the provider's key, records whose
// session ended and sends the browser to the post_logout_redirect_uri with
// the state.
package oidctest

import (
	"context"
	"crypto"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
	"github.com/oauth2-proxy/mockoidc"
)

// Provider is mockoidc with an end_session_endpoint.
type Provider struct {
	*mockoidc.MockOIDC
	EndSessionURL string
	// AllowedLogoutURIs are the registered post_logout_redirect_uris; empty
	// accepts any.
	AllowedLogoutURIs []string
	// NoEndSession leaves end_session_endpoint out of discovery.
	NoEndSession bool

	mu    sync.Mutex
	ended []string // subjects of the ID tokens whose sessions ended
}

// New starts the provider; it stops at the end of the test.
func New(t testing.TB) *Provider {
	t.Helper()
	m, err := mockoidc.NewServer(nil)
	if err != nil {
		t.Fatal(err)
	}
	p := &Provider{MockOIDC: m}
	end := httptest.NewServer(http.HandlerFunc(p.endSession))
	t.Cleanup(end.Close)
	p.EndSessionURL = end.URL + "/end_session"
	if err := m.AddMiddleware(p.discovery); err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	if err := m.Start(ln, nil); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = m.Shutdown() })
	return p
}

// discovery adds end_session_endpoint to mockoidc's discovery document.
func (p *Provider) discovery(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != mockoidc.DiscoveryEndpoint || p.NoEndSession {
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
		doc["end_session_endpoint"] = p.EndSessionURL
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(doc)
	})
}

// endSession is RP-initiated logout (OpenID Connect RP-Initiated Logout
// 1.0): the id_token_hint must be an ID token this provider issued to the
// client (expired ones are fine), the post_logout_redirect_uri registered.
func (p *Provider) endSession(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	keys := &oidc.StaticKeySet{PublicKeys: []crypto.PublicKey{p.Keypair.PublicKey}}
	v := oidc.NewVerifier(p.Issuer(), keys, &oidc.Config{ClientID: p.ClientID, SkipExpiryCheck: true})
	tok, err := v.Verify(context.Background(), q.Get("id_token_hint"))
	if err != nil {
		http.Error(w, "id_token_hint: "+err.Error(), http.StatusBadRequest)
		return
	}
	if q.Get("client_id") != "" && q.Get("client_id") != p.ClientID {
		http.Error(w, "client_id does not match", http.StatusBadRequest)
		return
	}
	back := q.Get("post_logout_redirect_uri")
	if back != "" && len(p.AllowedLogoutURIs) > 0 && !slices.Contains(p.AllowedLogoutURIs, back) {
		http.Error(w, "post_logout_redirect_uri is not registered", http.StatusBadRequest)
		return
	}
	p.mu.Lock()
	p.ended = append(p.ended, tok.Subject)
	p.mu.Unlock()
	if back == "" {
		_, _ = w.Write([]byte("Signed out at the provider"))
		return
	}
	u, err := url.Parse(back)
	if err != nil {
		http.Error(w, "post_logout_redirect_uri: "+err.Error(), http.StatusBadRequest)
		return
	}
	if st := q.Get("state"); st != "" {
		bq := u.Query()
		bq.Set("state", st)
		u.RawQuery = bq.Encode()
	}
	http.Redirect(w, r, u.String(), http.StatusFound)
}

// Ended lists the subjects whose sessions RP-initiated logout ended.
func (p *Provider) Ended() []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]string(nil), p.ended...)
}

// UserWith is a mockoidc user whose ID token carries extra claims (such as
// sid, for front-channel logout).
type UserWith struct {
	*mockoidc.MockUser
	Extra map[string]any
}

// Claims implements mockoidc.User.
func (u UserWith) Claims(scope []string, base *mockoidc.IDTokenClaims) (jwt.Claims, error) {
	c, err := u.MockUser.Claims(scope, base)
	if err != nil {
		return nil, err
	}
	b, err := json.Marshal(c)
	if err != nil {
		return nil, err
	}
	m := jwt.MapClaims{}
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, err
	}
	for k, v := range u.Extra {
		m[k] = v
	}
	return m, nil
}
