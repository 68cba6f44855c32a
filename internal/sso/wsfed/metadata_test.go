package wsfed_test

import (
	"context"
	"crypto/x509"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/sso/wsfed"
	"github.com/canopyhq/canopy/internal/sso/wsfed/wsfedtest"
)

func fetchRaw(t *testing.T, u string) []byte {
	t.Helper()
	res, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestMetadataFromSTS(t *testing.T) {
	sts := wsfedtest.New(t, email, "Ada", "Lovelace")
	raw, md, err := wsfed.FetchMetadata(context.Background(), nil, sts.MetadataURL(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !md.Signed || md.EntityID != sts.EntityID() || md.SignInURL != sts.SignInURL() || len(md.Certificates) != 1 ||
		!md.Certificates[0].Equal(sts.SigningCert()) {
		t.Fatalf("metadata %+v", md)
	}
	// Pinned certificate: the signature must verify with it.
	if _, err := wsfed.ParseMetadata(raw, []*x509.Certificate{sts.SigningCert()}); err != nil {
		t.Fatal(err)
	}
	_, other := wsfedtest.KeyPair(t, "other")
	if _, err := wsfed.ParseMetadata(raw, []*x509.Certificate{other}); wsfed.ReasonOf(err) != wsfed.ReasonSignatureInvalid {
		t.Fatalf("pinned other certificate: %v", err)
	}
	// Tampered: the passive endpoint changed after signing.
	bad := strings.Replace(string(raw), sts.SignInURL(), "https://evil.example/adfs/ls/", 1)
	if _, err := wsfed.ParseMetadata([]byte(bad), nil); wsfed.ReasonOf(err) != wsfed.ReasonSignatureInvalid {
		t.Fatalf("tampered metadata: %v", err)
	}
	// Rollover: the announced certificate is listed next to the current one.
	next := sts.Rollover(t)
	_, md, err = wsfed.FetchMetadata(context.Background(), nil, sts.MetadataURL(), 0, nil)
	if err != nil || len(md.Certificates) != 2 || !md.Certificates[1].Equal(next) {
		t.Fatalf("after rollover: %v %d", err, len(md.Certificates))
	}
}

const unsignedMetadata = `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata" entityID="http://adfs.example.com/adfs/services/trust">
<RoleDescriptor xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xmlns:fed="http://docs.oasis-open.org/wsfed/federation/200706" xsi:type="fed:SecurityTokenServiceType" protocolSupportEnumeration="http://docs.oasis-open.org/wsfed/federation/200706">
<KeyDescriptor use="encryption"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>ENC</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
<KeyDescriptor use="signing"><KeyInfo xmlns="http://www.w3.org/2000/09/xmldsig#"><X509Data><X509Certificate>CERT</X509Certificate></X509Data></KeyInfo></KeyDescriptor>
<fed:PassiveRequestorEndpoint><EndpointReference xmlns="http://www.w3.org/2005/08/addressing"><Address>https://adfs.example.com/adfs/ls/</Address></EndpointReference></fed:PassiveRequestorEndpoint>
</RoleDescriptor>
<IDPSSODescriptor protocolSupportEnumeration="urn:oasis:names:tc:SAML:2.0:protocol"/>
</EntityDescriptor>`

func TestParseMetadataShapes(t *testing.T) {
	_, cert := wsfedtest.KeyPair(t, "adfs")
	b64 := strings.Join(strings.Split(strings.TrimSpace(strings.SplitN(wsfedtest.CertPEM(cert), "\n", 2)[1]), "\n")[:], "")
	b64 = strings.TrimSuffix(b64, "-----END CERTIFICATE-----")
	good := strings.NewReplacer("CERT", b64, "ENC", "not base64!").Replace(unsignedMetadata)
	md, err := wsfed.ParseMetadata([]byte(good), nil)
	if err != nil {
		t.Fatal(err)
	}
	if md.Signed || md.SignInURL != "https://adfs.example.com/adfs/ls/" || md.EntityID != "http://adfs.example.com/adfs/services/trust" ||
		len(md.Certificates) != 1 {
		t.Fatalf("metadata %+v", md)
	}
	for name, c := range map[string]struct{ doc, reason string }{
		"no STS role":     {strings.Replace(good, "fed:SecurityTokenServiceType", "fed:ApplicationServiceType", 1), wsfed.ReasonMalformed},
		"no endpoint":     {strings.Replace(good, "https://adfs.example.com/adfs/ls/", "", 1), wsfed.ReasonMalformed},
		"no certificate":  {strings.Replace(good, `use="signing"`, `use="encryption"`, 1), wsfed.ReasonMalformed},
		"bad certificate": {strings.Replace(good, b64, "AAAA", 1), wsfed.ReasonMalformed},
		"wrong root":      {`<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>`, wsfed.ReasonMalformed},
		"DTD":             {`<!DOCTYPE x>` + good, wsfed.ReasonMalformed},
		"too large":       {good + strings.Repeat(" ", wsfed.MaxMetadataSize), wsfed.ReasonTooLarge},
	} {
		t.Run(name, func(t *testing.T) {
			if _, err := wsfed.ParseMetadata([]byte(c.doc), nil); wsfed.ReasonOf(err) != c.reason {
				t.Fatalf("got %v, want %s", err, c.reason)
			}
		})
	}
}

func TestFetchMetadataLimits(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/slow":
			<-r.Context().Done()
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	if _, _, err := wsfed.FetchMetadata(ctx, nil, srv.URL+"/missing", 0, nil); err == nil || !strings.Contains(err.Error(), "404") {
		t.Fatalf("404: %v", err)
	}
	if _, _, err := wsfed.FetchMetadata(ctx, nil, srv.URL+"/slow", 50*time.Millisecond, nil); err == nil {
		t.Fatal("no timeout")
	}
	if _, _, err := wsfed.FetchMetadata(ctx, nil, "file:///etc/passwd", 0, nil); err == nil {
		t.Fatal("file URL fetched")
	}
}

func TestSignInAndSignOutURLs(t *testing.T) {
	f := newFixture(t)
	u, err := url.Parse(f.rp.SignInURL(wsfed.SignInRequest{Context: "state-1", Username: email}))
	if err != nil {
		t.Fatal(err)
	}
	q := u.Query()
	if u.Host != "sts.example.test" || q.Get("wa") != "wsignin1.0" || q.Get("wtrealm") != realm ||
		q.Get("wreply") != "https://canopy.example.com/login/callback?connection=sso_test" || q.Get("wctx") != "state-1" ||
		q.Get("username") != email || q.Get("wct") == "" {
		t.Fatalf("sign-in URL %s", u)
	}
	u, _ = url.Parse(f.rp.SignOutURL("https://canopy.example.com/signin"))
	if q := u.Query(); q.Get("wa") != "wsignout1.0" || q.Get("wreply") != "https://canopy.example.com/signin" || q.Get("wtrealm") != realm {
		t.Fatalf("sign-out URL %s", u)
	}
	msg, ok := wsfed.ReadSignOut(url.Values{"wa": {"wsignoutcleanup1.0"}, "wreply": {"https://evil.example"}})
	if !ok || msg.Action != wsfed.ActionSignOutCleanup || msg.Reply != "https://evil.example" {
		t.Fatalf("cleanup %+v %v", msg, ok)
	}
	if _, ok := wsfed.ReadSignOut(url.Values{"wa": {"wsignin1.0"}}); ok {
		t.Fatal("sign-in taken for a sign-out")
	}
	if _, err := wsfed.ReadSignInResponse(url.Values{"wa": {"wsignin1.0"}}); wsfed.ReasonOf(err) != wsfed.ReasonMalformed {
		t.Fatalf("no wresult: %v", err)
	}
	if _, err := wsfed.ReadSignInResponse(url.Values{"wa": {"wsignout1.0"}, "wresult": {"x"}}); wsfed.ReasonOf(err) != wsfed.ReasonMalformed {
		t.Fatalf("wrong wa: %v", err)
	}
	if _, err := wsfed.ReadSignInResponse(url.Values{"wa": {"wsignin1.0"}, "wresultptr": {"https://x"}}); wsfed.ReasonOf(err) != wsfed.ReasonUnsupported {
		t.Fatalf("wresultptr: %v", err)
	}
}

func TestNewRefusesBadConfig(t *testing.T) {
	_, cert := wsfedtest.KeyPair(t, "sts")
	good := wsfed.Config{Connection: "c1", BaseURL: "https://canopy.example.com", Replay: &saml.MemoryReplayCache{},
		STS: wsfed.STSSettings{SignInURL: "https://sts.example/adfs/ls/", Certificates: []*x509.Certificate{cert}}}
	rp, err := wsfed.New(good)
	if err != nil || rp.Realm() != "urn:canopy:c1" {
		t.Fatalf("%v %v", rp, err)
	}
	for name, edit := range map[string]func(*wsfed.Config){
		"connection": func(c *wsfed.Config) { c.Connection = "a b" },
		"base URL":   func(c *wsfed.Config) { c.BaseURL = "canopy" },
		"skew":       func(c *wsfed.Config) { c.ClockSkew = time.Hour },
		"replay":     func(c *wsfed.Config) { c.Replay = nil },
		"sign-in":    func(c *wsfed.Config) { c.STS.SignInURL = "" },
		"http URL":   func(c *wsfed.Config) { c.STS.SignInURL = "ftp://x/" },
		"certs":      func(c *wsfed.Config) { c.STS.Certificates = nil },
	} {
		cfg := good
		edit(&cfg)
		if _, err := wsfed.New(cfg); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	if _, err := wsfed.ManualSTS("", "https://sts.example/adfs/ls/", "-----BEGIN RSA PRIVATE KEY-----\nAA==\n-----END RSA PRIVATE KEY-----"); err == nil {
		t.Fatal("a key taken for a certificate")
	}
	if s, err := wsfed.ManualSTS("", "https://sts.example/adfs/ls/", wsfedtest.CertPEM(cert)); err != nil || len(s.Certificates) != 1 {
		t.Fatalf("manual: %v", err)
	}
}

// TestSTSSignInOverHTTP runs the whole passive flow against wsfedtest:
// metadata, sign-in form, posted token, validated; rollover.
func TestSTSSignInOverHTTP(t *testing.T) {
	sts := wsfedtest.New(t, email, "Ada", "Lovelace", "finance")
	_, md, err := wsfed.FetchMetadata(context.Background(), nil, sts.MetadataURL(), 0, nil)
	if err != nil {
		t.Fatal(err)
	}
	rp, err := wsfed.New(wsfed.Config{Connection: "c1", BaseURL: "http://127.0.0.1:1", STS: md.STSSettings, Replay: &saml.MemoryReplayCache{}})
	if err != nil {
		t.Fatal(err)
	}
	signIn := func() (*wsfed.Assertion, error) {
		posted, err := wsfedtest.SignIn(http.DefaultClient, rp.SignInURL(wsfed.SignInRequest{Context: "st"}), email)
		if err != nil {
			t.Fatal(err)
		}
		if posted.Action != rp.ReplyURL() || posted.Fields.Get("wctx") != "st" {
			t.Fatalf("posted %+v", posted)
		}
		res, err := wsfed.ReadSignInResponse(posted.Fields)
		if err != nil {
			t.Fatal(err)
		}
		return rp.ValidateResponse(context.Background(), res.Result)
	}
	a, err := signIn()
	if err != nil || a.NameID != email || a.Attributes["http://schemas.xmlsoap.org/claims/Group"][0] != "finance" {
		t.Fatalf("%+v %v", a, err)
	}
	// The STS switches to a certificate the relying party does not know.
	sts.Rollover(t)
	sts.SwitchSigning()
	if _, err := signIn(); wsfed.ReasonOf(err) != wsfed.ReasonSignatureInvalid {
		t.Fatalf("new certificate before refresh: %v", err)
	}
}
