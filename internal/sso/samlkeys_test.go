package sso_test

import (
	"crypto"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"encoding/xml"
	"html"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/saml/samltest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// samlConn creates an enabled SAML connection for saml.test trusting idp
// (from its metadata URL) and registers Canopy's SP metadata at the IdP.
func (f *fixture) samlConn(idp *samltest.IdP, extra sso.Input) sso.Connection {
	f.t.Helper()
	on := true
	in := extra
	in.Kind, in.Name, in.Enabled, in.Domains = sso.KindSAML, "Corp SAML", &on, []string{"saml.test"}
	in.Settings = mustJSON(f.t, sso.SAMLSettings{MetadataURL: idp.URL + "/metadata"})
	c, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, in)
	if err != nil {
		f.t.Fatal(err)
	}
	md, err := f.svc.SPMetadata(f.ctx, c.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	idp.Register(f.t, md)
	return c
}

var (
	samlFieldRE  = regexp.MustCompile(`name="(SAMLResponse|RelayState)" value="([^"]*)"`)
	samlActionRE = regexp.MustCompile(`<form method="post" action="([^"]*)"`)
)

// samlBegin starts a SAML sign-in and returns the redirect URL to the IdP
// and the state the browser keeps.
func (f *fixture) samlBegin(id string) (string, string) {
	f.t.Helper()
	c, err := f.st.GetSSOConnection(f.ctx, f.admin.Org.ID, id)
	if err != nil {
		f.t.Fatal(err)
	}
	out, state, err := f.svc.BeginSAML(f.ctx, c, "/costs", "", f.who)
	if err != nil {
		f.t.Fatal(err)
	}
	if out.RedirectURL == "" {
		f.t.Fatalf("no redirect URL: %+v", out)
	}
	return out.RedirectURL, state
}

// samlSignIn runs a whole SAML sign-in: the signed AuthnRequest goes to
// the IdP, whose posted response is completed in the browser that began.
func (f *fixture) samlSignIn(id string) (*sso.Result, error) {
	f.t.Helper()
	to, state := f.samlBegin(id)
	resp, err := http.Get(to)
	if err != nil {
		f.t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	fields := url.Values{}
	for _, m := range samlFieldRE.FindAllStringSubmatch(string(b), -1) {
		fields.Set(m[1], html.UnescapeString(m[2]))
	}
	if resp.StatusCode != http.StatusOK || fields.Get("SAMLResponse") == "" || samlActionRE.FindStringSubmatch(string(b)) == nil {
		f.t.Fatalf("IdP answered %d: %s", resp.StatusCode, b)
	}
	return f.svc.CompleteSAML(f.ctx, id, fields.Get("SAMLResponse"), fields.Get("RelayState"), state, f.who)
}

// signedBy reports whether a redirect-binding request's query signature
// verifies with cert (RSA-SHA256 over SAMLRequest, RelayState, SigAlg as
// sent).
func signedBy(t *testing.T, redirectURL string, cert *x509.Certificate) bool {
	t.Helper()
	u, err := url.Parse(redirectURL)
	if err != nil {
		t.Fatal(err)
	}
	raw := map[string]string{}
	for _, part := range strings.Split(u.RawQuery, "&") {
		k, _, _ := strings.Cut(part, "=")
		raw[k] = part
	}
	signed := raw["SAMLRequest"] + "&" + raw["RelayState"] + "&" + raw["SigAlg"]
	sig, err := base64.StdEncoding.DecodeString(u.Query().Get("Signature"))
	if err != nil || u.Query().Get("SigAlg") != "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256" {
		t.Fatalf("signature %q alg %q: %v", u.Query().Get("Signature"), u.Query().Get("SigAlg"), err)
	}
	sum := sha256.Sum256([]byte(signed))
	return rsa.VerifyPKCS1v15(cert.PublicKey.(*rsa.PublicKey), crypto.SHA256, sum[:], sig) == nil
}

// metadataCerts returns the signing certificates SP metadata publishes, in
// order.
func metadataCerts(t *testing.T, md []byte) []*x509.Certificate {
	t.Helper()
	var doc struct {
		Keys []struct {
			Use  string `xml:"use,attr"`
			Cert string `xml:"KeyInfo>X509Data>X509Certificate"`
		} `xml:"SPSSODescriptor>KeyDescriptor"`
	}
	if err := xml.Unmarshal(md, &doc); err != nil {
		t.Fatal(err)
	}
	var out []*x509.Certificate
	for _, k := range doc.Keys {
		der, err := base64.StdEncoding.DecodeString(strings.TrimSpace(k.Cert))
		if err != nil || k.Use != "signing" {
			t.Fatalf("key %+v: %v", k, err)
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, c)
	}
	return out
}

func parseCert(t *testing.T, s string) *x509.Certificate {
	t.Helper()
	b, _ := pem.Decode([]byte(s))
	if b == nil {
		t.Fatalf("no certificate in %q", s)
	}
	c, err := x509.ParseCertificate(b.Bytes)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func (f *fixture) spMetadataCerts(id string) []*x509.Certificate {
	f.t.Helper()
	md, err := f.svc.SPMetadata(f.ctx, id)
	if err != nil {
		f.t.Fatal(err)
	}
	return metadataCerts(f.t, md)
}

func sameCerts(got []*x509.Certificate, want ...*x509.Certificate) bool {
	if len(got) != len(want) {
		return false
	}
	for i := range got {
		if !got[i].Equal(want[i]) {
			return false
		}
	}
	return true
}

// The SP metadata is published as soon as a SAML connection exists, before
// its identity provider is set, with the connection's entity ID, endpoints
// and certificate; other kinds and unknown IDs have none.
func TestSPMetadataBeforeIdP(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		c, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindPingFederate, Name: "Ping later"})
		if err != nil {
			t.Fatal(err)
		}
		md, err := f.svc.SPMetadata(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, want := range []string{`entityID="urn:canopy:` + c.ID + `"`, "https://canopy.test/login/callback?connection=" + c.ID,
			"https://canopy.test/logout/callback?connection=" + c.ID} {
			if !strings.Contains(string(md), want) {
				t.Errorf("metadata lacks %s:\n%s", want, md)
			}
		}
		if certs := metadataCerts(t, md); !sameCerts(certs, parseCert(t, samlSettingsOf(t, c).SPCertificate)) {
			t.Fatalf("metadata certificates %d", len(certs))
		}
		for _, id := range []string{f.conn.ID, "sso_missing"} {
			if _, err := f.svc.SPMetadata(f.ctx, id); domain.ErrorCode(err) != domain.CodeNotFound {
				t.Errorf("metadata of %s: %v", id, err)
			}
		}
	})
}

// Rotating Canopy's SAML key: the next certificate is published beside the
// current one, which still signs; activation makes the new key sign and
// keeps the old certificate published until it is removed. The IdP that
// read the metadata while both were published accepts requests signed
// with the new key. Each step is audited; steps out of order are conflicts.
func TestSPKeyRotation(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		f.member("sam@saml.test", "viewer")
		idp := samltest.New(t, "sam@saml.test", "Sam", "Smith")
		c := f.samlConn(idp, sso.Input{})
		oldCert := parseCert(t, samlSettingsOf(t, c).SPCertificate)
		if to, _ := f.samlBegin(c.ID); !signedBy(t, to, oldCert) {
			t.Fatal("request not signed with the connection's key")
		}
		for _, step := range []func() (sso.Connection, error){
			func() (sso.Connection, error) { return f.svc.ActivateSPKey(f.ctx, f.admin, f.who, c.ID) },
			func() (sso.Connection, error) { return f.svc.RemovePreviousSPKey(f.ctx, f.admin, f.who, c.ID) },
		} {
			if _, err := step(); domain.ErrorCode(err) != domain.CodeConflict {
				t.Fatalf("out of order: %v", err)
			}
		}

		rotated, err := f.svc.RotateSPKey(f.ctx, f.admin, f.who, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		st := samlSettingsOf(t, rotated)
		newCert := parseCert(t, st.SPNextCertificate)
		if !parseCert(t, st.SPCertificate).Equal(oldCert) || newCert.Equal(oldCert) || len(rotated.SPCerts) != 2 ||
			rotated.SPCerts[0].Use != sso.SPKeyCurrent || rotated.SPCerts[1].Use != sso.SPKeyNext {
			t.Fatalf("after rotate: %+v", rotated.SPCerts)
		}
		if got := f.spMetadataCerts(c.ID); !sameCerts(got, oldCert, newCert) {
			t.Fatalf("metadata during rotation lists %d certificates", len(got))
		}
		to, _ := f.samlBegin(c.ID)
		if !signedBy(t, to, oldCert) || signedBy(t, to, newCert) {
			t.Fatal("before activation the current key must sign")
		}
		if _, err := f.svc.RotateSPKey(f.ctx, f.admin, f.who, c.ID); domain.ErrorCode(err) != domain.CodeConflict {
			t.Fatalf("second rotation: %v", err)
		}
		// The IdP refreshes Canopy's metadata while both are published.
		md, err := f.svc.SPMetadata(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		idp.Register(t, md)
		// Settings saved during the rotation keep every key.
		if _, err := f.svc.UpdateConnection(f.ctx, f.admin, f.who, c.ID, sso.Input{Name: "Corp SAML renamed", Domains: c.Domains,
			Settings: c.Settings}); err != nil {
			t.Fatal(err)
		}

		active, err := f.svc.ActivateSPKey(f.ctx, f.admin, f.who, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		st = samlSettingsOf(t, active)
		if !parseCert(t, st.SPCertificate).Equal(newCert) || !parseCert(t, st.SPPreviousCertificate).Equal(oldCert) ||
			st.SPNextCertificate != "" {
			t.Fatalf("after activation: %+v", active.SPCerts)
		}
		if got := f.spMetadataCerts(c.ID); !sameCerts(got, newCert, oldCert) {
			t.Fatalf("metadata after activation lists %d certificates", len(got))
		}
		to, _ = f.samlBegin(c.ID)
		if !signedBy(t, to, newCert) || signedBy(t, to, oldCert) {
			t.Fatal("after activation the new key must sign")
		}
		if res, err := f.samlSignIn(c.ID); err != nil || res.User.Email != "sam@saml.test" {
			t.Fatalf("sign-in with the new key: %v", err)
		}

		removed, err := f.svc.RemovePreviousSPKey(f.ctx, f.admin, f.who, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(removed.SPCerts) != 1 || samlSettingsOf(t, removed).SPPreviousCertificate != "" {
			t.Fatalf("after removal: %+v", removed.SPCerts)
		}
		if got := f.spMetadataCerts(c.ID); !sameCerts(got, newCert) {
			t.Fatalf("metadata after removal lists %d certificates", len(got))
		}
		if to, _ = f.samlBegin(c.ID); !signedBy(t, to, newCert) {
			t.Fatal("the new key stops signing after the old one is removed")
		}

		var actions []string
		_ = f.st.ScanAudit(f.ctx, func(ev domain.AuditEvent) error {
			if strings.HasPrefix(ev.Action, "sso.sp_key_") {
				var d struct{ After []sso.SPCertificate }
				if err := json.Unmarshal([]byte(ev.Details), &d); err != nil || len(d.After) == 0 {
					t.Errorf("%s details %s", ev.Action, ev.Details)
				}
				actions = append(actions, ev.Action)
			}
			return nil
		})
		if strings.Join(actions, " ") != "sso.sp_key_rotate sso.sp_key_activate sso.sp_key_remove_previous" {
			t.Fatalf("audited %v", actions)
		}

		// Only SAML connections, only with settings.manage, only in the
		// caller's organisation.
		if _, err := f.svc.RotateSPKey(f.ctx, f.admin, f.who, f.conn.ID); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("OIDC rotation: %v", err)
		}
		viewer := *f.admin
		viewer.Grants = []auth.Grant{{Role: auth.RoleViewer}}
		viewer.Perms = auth.OrgPermissions(viewer.Grants)
		if _, err := f.svc.RotateSPKey(f.ctx, &viewer, f.who, c.ID); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("without settings.manage: %v", err)
		}
		other := *f.admin
		other.Org.ID = "org_other"
		if _, err := f.svc.RotateSPKey(f.ctx, &other, f.who, c.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("other organisation: %v", err)
		}
	})
}
