package saml

import (
	"context"
	"crypto/x509"
	"encoding/xml"
	"html"
	"io"
	"log"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	crewsaml "github.com/crewjam/saml"
	dsig "github.com/russellhaering/goxmldsig"
)

// testIdP is crewjam/saml's identity provider on a loopback server.
type testIdP struct {
	idp *crewsaml.IdentityProvider
	srv *httptest.Server

	mu        sync.Mutex
	spMeta    *crewsaml.EntityDescriptor
	session   *crewsaml.Session
	loggedOut []string
}

func (ti *testIdP) GetServiceProvider(_ *http.Request, id string) (*crewsaml.EntityDescriptor, error) {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if ti.spMeta == nil || ti.spMeta.EntityID != id {
		return nil, os.ErrNotExist
	}
	return ti.spMeta, nil
}

func (ti *testIdP) GetSession(_ http.ResponseWriter, _ *http.Request, _ *crewsaml.IdpAuthnRequest) *crewsaml.Session {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	s := *ti.session
	return &s
}

func (ti *testIdP) InvalidateSession(_ http.ResponseWriter, _ *http.Request, req *crewsaml.IdpLogoutRequest) error {
	ti.mu.Lock()
	defer ti.mu.Unlock()
	if req.Request.NameID != nil {
		ti.loggedOut = append(ti.loggedOut, req.Request.NameID.Value)
	}
	return nil
}

func newTestIdP(t *testing.T) *testIdP {
	t.Helper()
	ti := &testIdP{session: &crewsaml.Session{
		ID:             "idp-session-1",
		CreateTime:     testNow.Add(-time.Minute),
		ExpireTime:     testNow.Add(time.Hour),
		Index:          "idx-42",
		NameID:         "ada@example.com",
		NameIDFormat:   NameIDFormatEmail,
		UserEmail:      "ada@example.com",
		UserGivenName:  "Ada",
		UserSurname:    "Lovelace",
		UserCommonName: "Ada Lovelace",
		Groups:         []string{"finops", "admins"},
	}}
	mux := http.NewServeMux()
	ti.srv = httptest.NewServer(mux)
	t.Cleanup(ti.srv.Close)
	at := func(p string) url.URL {
		u, err := url.Parse(ti.srv.URL + p)
		if err != nil {
			t.Fatal(err)
		}
		return *u
	}
	ti.idp = &crewsaml.IdentityProvider{
		Key:                     idpKeys.key,
		Logger:                  log.New(testWriter{t}, "idp: ", 0),
		Certificate:             idpKeys.cert,
		ExtraCertificates:       []*x509.Certificate{idpKeys2.cert},
		MetadataURL:             at("/metadata"),
		SSOURL:                  at("/sso"),
		LogoutURL:               at("/slo"),
		LogoutBindings:          []string{crewsaml.HTTPRedirectBinding, crewsaml.HTTPPostBinding},
		ServiceProviderProvider: ti,
		SessionProvider:         ti,
		Clock:                   dsig.NewFakeClockAt(testNow),
		WantAuthnRequestsSigned: true,
		NameIDFormats:           []crewsaml.NameIDFormat{crewsaml.EmailAddressNameIDFormat},
	}
	mux.Handle("/", ti.idp.Handler())
	mux.HandleFunc("/idp-initiated", func(w http.ResponseWriter, r *http.Request) {
		ti.idp.ServeIDPInitiated(w, r, "urn:canopy:"+testConn, "")
	})
	return ti
}

// register makes the IdP know sp from its metadata document.
func (ti *testIdP) register(t *testing.T, sp *ServiceProvider) {
	t.Helper()
	md, err := sp.Metadata()
	if err != nil {
		t.Fatal(err)
	}
	var ed crewsaml.EntityDescriptor
	if err := xml.Unmarshal(md, &ed); err != nil {
		t.Fatalf("crewjam cannot read our metadata: %v\n%s", err, md)
	}
	ti.mu.Lock()
	ti.spMeta = &ed
	ti.mu.Unlock()
}

// spFor fetches the IdP metadata over loopback and builds an SP from it.
func (ti *testIdP) spFor(t *testing.T, mod func(*Config)) *ServiceProvider {
	t.Helper()
	settings, err := FetchIdPMetadata(context.Background(), nil, ti.srv.URL+"/metadata", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	sp := newSP(t, func(c *Config) {
		c.IdP = settings
		if mod != nil {
			mod(c)
		}
	})
	ti.register(t, sp)
	return sp
}

var formField = regexp.MustCompile(`name="(SAMLResponse|SAMLRequest|RelayState)" value="([^"]*)"`)

// formFields reads the hidden fields of the IdP's auto-submitting form.
func formFields(t *testing.T, res *http.Response) (action string, fields map[string]string) {
	t.Helper()
	body, err := io.ReadAll(res.Body)
	res.Body.Close()
	if err != nil {
		t.Fatal(err)
	}
	if res.StatusCode != http.StatusOK {
		t.Fatalf("IdP answered %d: %s", res.StatusCode, body)
	}
	fields = map[string]string{}
	for _, m := range formField.FindAllStringSubmatch(string(body), -1) {
		fields[m[1]] = html.UnescapeString(m[2])
	}
	if m := regexp.MustCompile(`action="([^"]*)"`).FindStringSubmatch(string(body)); m != nil {
		action = html.UnescapeString(m[1])
	}
	return action, fields
}

var noRedirect = &http.Client{
	Timeout:       10 * time.Second,
	CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
}

func TestFetchIdPMetadataFromCrewjam(t *testing.T) {
	ti := newTestIdP(t)
	s, err := FetchIdPMetadata(context.Background(), nil, ti.srv.URL+"/metadata", 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	if s.EntityID != ti.srv.URL+"/metadata" || s.SSORedirectURL != ti.srv.URL+"/sso" || s.SSOPostURL != ti.srv.URL+"/sso" {
		t.Fatalf("settings %+v", s)
	}
	if s.SLORedirectURL != ti.srv.URL+"/slo" || s.SLOPostURL != ti.srv.URL+"/slo" {
		t.Fatalf("SLO %q %q", s.SLORedirectURL, s.SLOPostURL)
	}
	// Both the current and the announced next certificate (rollover).
	if len(s.Certificates) != 2 || !s.Certificates[0].Equal(idpKeys.cert) || !s.Certificates[1].Equal(idpKeys2.cert) {
		t.Fatalf("%d certificates", len(s.Certificates))
	}
}

func TestSignInWithCrewjamIdP(t *testing.T) {
	for _, tc := range []struct{ name, binding, alg string }{
		{"redirect sha256", BindingHTTPRedirect, ""},
		{"redirect sha1", BindingHTTPRedirect, SigAlgRSASHA1},
		{"post sha256", BindingHTTPPost, ""},
		{"post sha1", BindingHTTPPost, SigAlgRSASHA1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ti := newTestIdP(t)
			sp := ti.spFor(t, func(c *Config) { c.SignatureAlgorithm = tc.alg })
			out, err := sp.AuthnRequest(tc.binding, "state-1")
			if err != nil {
				t.Fatal(err)
			}
			if out.ID == "" {
				t.Fatal("no request ID")
			}
			var res *http.Response
			if tc.binding == BindingHTTPRedirect {
				q, _ := url.Parse(out.RedirectURL)
				wantAlg := tc.alg
				if wantAlg == "" {
					wantAlg = SigAlgRSASHA256
				}
				if q.Query().Get("SigAlg") != wantAlg || q.Query().Get("Signature") == "" {
					t.Fatalf("redirect query %q", q.RawQuery)
				}
				res, err = noRedirect.Get(out.RedirectURL)
			} else {
				form := url.Values{}
				for k, v := range out.Fields {
					form.Set(k, v)
				}
				res, err = noRedirect.PostForm(out.PostURL, form)
			}
			if err != nil {
				t.Fatal(err)
			}
			action, fields := formFields(t, res)
			if action != sp.ACSURL() {
				t.Fatalf("IdP posts to %q, want %q", action, sp.ACSURL())
			}
			if fields["RelayState"] != "state-1" {
				t.Fatalf("RelayState %q", fields["RelayState"])
			}
			a, err := sp.ValidateResponse(context.Background(), fields["SAMLResponse"], out.ID)
			if err != nil {
				t.Fatal(err)
			}
			if a.NameID != "ada@example.com" || a.SessionIndex != "idx-42" || a.InResponseTo != out.ID {
				t.Fatalf("assertion %+v", a)
			}
			if !a.ResponseSigned || !a.AssertionSigned {
				t.Fatalf("crewjam signs both: %+v", a)
			}
			c := GenericClaims.Map(a)
			if c.Email != "ada@example.com" || c.EmailSource != "email" || c.GivenName != "Ada" || c.FamilyName != "Lovelace" || c.DisplayName != "Ada Lovelace" {
				t.Fatalf("claims %+v (attributes %v)", c, a.Attributes)
			}
			if strings.Join(c.Groups, ",") != "finops,admins" {
				t.Fatalf("groups %v", c.Groups)
			}
			// The same response again is a replay.
			_, err = sp.ValidateResponse(context.Background(), fields["SAMLResponse"], out.ID)
			wantReason(t, err, ReasonReplayed)
		})
	}
}

// The IdP checks our AuthnRequest signatures: one signed by another key is
// refused by crewjam.
func TestCrewjamRefusesAuthnRequestSignedByOtherKey(t *testing.T) {
	ti := newTestIdP(t)
	sp := ti.spFor(t, nil)
	impostor := newSP(t, func(c *Config) {
		c.IdP = sp.IdP()
		c.SigningKey, c.SigningCert = other.key, other.cert
	})
	out, err := impostor.AuthnRequest(BindingHTTPRedirect, "")
	if err != nil {
		t.Fatal(err)
	}
	res, err := noRedirect.Get(out.RedirectURL)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != http.StatusBadRequest {
		t.Fatalf("IdP answered %d to a request signed by another key", res.StatusCode)
	}
}

func TestCrewjamResponseChecks(t *testing.T) {
	ti := newTestIdP(t)
	sp := ti.spFor(t, nil)
	signIn := func(t *testing.T) (string, string) {
		out, err := sp.AuthnRequest(BindingHTTPRedirect, "")
		if err != nil {
			t.Fatal(err)
		}
		res, err := noRedirect.Get(out.RedirectURL)
		if err != nil {
			t.Fatal(err)
		}
		_, f := formFields(t, res)
		return f["SAMLResponse"], out.ID
	}
	t.Run("in_response_to", func(t *testing.T) {
		resp, _ := signIn(t)
		_, err := sp.ValidateResponse(context.Background(), resp, "_someone-else")
		wantReason(t, err, ReasonInResponseTo)
	})
	t.Run("other connection", func(t *testing.T) {
		resp, id := signIn(t)
		otherConn := newSP(t, func(c *Config) { c.Connection = "globex"; c.IdP = sp.IdP() })
		_, err := otherConn.ValidateResponse(context.Background(), resp, id)
		wantReason(t, err, ReasonRecipient)
	})
	t.Run("untrusted certificate", func(t *testing.T) {
		resp, id := signIn(t)
		s := sp.IdP()
		s.Certificates = []*x509.Certificate{other.cert}
		_, err := newSP(t, func(c *Config) { c.IdP = s }).ValidateResponse(context.Background(), resp, id)
		wantReason(t, err, ReasonSignatureInvalid)
	})
	t.Run("expired later", func(t *testing.T) {
		resp, id := signIn(t)
		late := newSP(t, func(c *Config) {
			c.IdP = sp.IdP()
			c.Now = func() time.Time { return testNow.Add(time.Hour) }
		})
		_, err := late.ValidateResponse(context.Background(), resp, id)
		wantReason(t, err, ReasonExpired)
	})
	t.Run("tampered", func(t *testing.T) {
		resp, id := signIn(t)
		raw, _ := sp.decode(resp)
		evil := strings.Replace(string(raw), "ada@example.com", "eve@example.com", -1)
		_, err := sp.ValidateResponse(context.Background(), encodeString(evil), id)
		wantReason(t, err, ReasonSignatureInvalid)
	})
}

func TestCrewjamIdPInitiated(t *testing.T) {
	ti := newTestIdP(t)
	sp := ti.spFor(t, nil)
	get := func() string {
		res, err := noRedirect.Get(ti.srv.URL + "/idp-initiated")
		if err != nil {
			t.Fatal(err)
		}
		_, f := formFields(t, res)
		return f["SAMLResponse"]
	}
	_, err := sp.ValidateResponse(context.Background(), get(), "")
	wantReason(t, err, ReasonUnsolicited)

	allowing := newSP(t, func(c *Config) { c.IdP = sp.IdP(); c.AllowIdPInitiated = true })
	a, err := allowing.ValidateResponse(context.Background(), get(), "")
	if err != nil {
		t.Fatal(err)
	}
	if !a.IdPInitiated || a.NameID != "ada@example.com" {
		t.Fatalf("%+v", a)
	}
}

// Single logout against crewjam: our signed LogoutRequest is accepted by the
// IdP, which answers with a signed LogoutResponse that we validate.
func TestSingleLogoutWithCrewjam(t *testing.T) {
	for _, binding := range []string{BindingHTTPRedirect, BindingHTTPPost} {
		t.Run(binding[strings.LastIndex(binding, "-")+1:], func(t *testing.T) {
			ti := newTestIdP(t)
			sp := ti.spFor(t, nil)
			out, err := sp.LogoutRequest(binding, "ada@example.com", NameIDFormatEmail, "idx-42", "rs")
			if err != nil {
				t.Fatal(err)
			}
			var res *http.Response
			if binding == BindingHTTPRedirect {
				res, err = noRedirect.Get(out.RedirectURL)
			} else {
				form := url.Values{}
				for k, v := range out.Fields {
					form.Set(k, v)
				}
				res, err = noRedirect.PostForm(out.PostURL, form)
			}
			if err != nil {
				t.Fatal(err)
			}
			if len(ti.loggedOut) != 1 || ti.loggedOut[0] != "ada@example.com" {
				body, _ := io.ReadAll(res.Body)
				t.Fatalf("IdP did not end the session (%d): %s", res.StatusCode, body)
			}
			// crewjam answers to our SLO endpoint, redirect binding first.
			var respBinding, value string
			if res.StatusCode == http.StatusFound {
				loc, _ := url.Parse(res.Header.Get("Location"))
				if !strings.HasPrefix(loc.String(), sp.SLOURL()) {
					t.Fatalf("LogoutResponse sent to %q", loc)
				}
				respBinding, value = BindingHTTPRedirect, loc.RawQuery
				res.Body.Close()
			} else {
				_, f := formFields(t, res)
				respBinding, value = BindingHTTPPost, f["SAMLResponse"]
			}
			if err := sp.ValidateLogoutResponse(respBinding, value, out.ID); err != nil {
				t.Fatal(err)
			}
			err = sp.ValidateLogoutResponse(respBinding, value, "_other")
			wantReason(t, err, ReasonInResponseTo)
		})
	}
}

// testWriter sends the IdP's log to the test log.
type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}
