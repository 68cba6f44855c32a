package sso_test

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/sso/saml/samltest"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func samlSettingsOf(t *testing.T, c sso.Connection) sso.SAMLSettings {
	t.Helper()
	var st sso.SAMLSettings
	if err := json.Unmarshal(c.Settings, &st); err != nil {
		t.Fatal(err)
	}
	return st
}

// SAML and PingFederate connections: settings are checked field by field,
// Canopy's signing key is made once per connection and kept sealed, and
// the SP metadata is published for the identity provider to read.
func TestSAMLConnectionSettingsAndMetadata(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		idp := samltest.New(t, "ada@saml.test", "Ada", "Lovelace")
		_, otherCert := samltest.KeyPair(t, "other")
		bad := []struct {
			field, settings, secret string
		}{
			{"signature_algorithm", `{"metadata_url":"` + idp.URL + `/metadata","signature_algorithm":"md5"}`, ""},
			{"binding", `{"metadata_url":"` + idp.URL + `/metadata","binding":"artifact"}`, ""},
			{"metadata_url", `{"metadata_url":"` + idp.URL + `/metadata","metadata_xml":"<x/>"}`, ""},
			{"metadata_url", `{"metadata_url":"http://idp.example.com/md"}`, ""},
			{"metadata_xml", `{"metadata_xml":"<EntityDescriptor>"}`, ""},
			{"certificates", `{"sign_in_url":"https://idp.example.com/sso","certificates":"not pem"}`, ""},
			{"certificates", `{"sign_in_url":"https://idp.example.com/sso"}`, ""},
			{"sign_in_url", `{"certificates":` + jsonString(samltest.CertPEM(otherCert)) + `}`, ""},
			{"settings", `{"sso_url":"https://idp.example.com/sso"}`, ""},
			{"client_secret", `{"metadata_url":"` + idp.URL + `/metadata"}`, "s3cret"},
		}
		for _, b := range bad {
			_, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindSAML, Name: "x",
				Settings: json.RawMessage(b.settings), ClientSecret: b.secret})
			if domain.ErrorField(err) != b.field {
				t.Errorf("%s: err %v, want field %s", b.settings, err, b.field)
			}
		}

		c, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindSAML, Name: "Corp SAML",
			Domains: []string{"saml.test"}, Settings: json.RawMessage(`{"metadata_url":"` + idp.URL + `/metadata",
			"sp_certificate":"forged","allow_idp_initiated":true}`)})
		if err != nil {
			t.Fatal(err)
		}
		st := samlSettingsOf(t, c)
		if !strings.HasPrefix(st.SPCertificate, "-----BEGIN CERTIFICATE-----") || st.SignatureAlgorithm != sso.SAMLSigSHA256 ||
			st.Binding != sso.SAMLBindingRedirect {
			t.Fatalf("settings %+v", st)
		}
		if c.EntityID != "urn:canopy:"+c.ID || c.MetadataURL != "https://canopy.test/login/metadata?connection="+c.ID ||
			len(c.Warnings) != 1 || c.Warnings[0] != sso.WarnIdPInitiated {
			t.Fatalf("view %+v", c)
		}
		md, err := f.svc.SPMetadata(f.ctx, c.ID)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(md), `entityID="urn:canopy:`+c.ID+`"`) ||
			!strings.Contains(string(md), "https://canopy.test/login/callback?connection="+c.ID) {
			t.Fatalf("metadata %s", md)
		}
		idp.Register(t, md) // crewjam reads it

		// Changing the settings keeps the key; SHA-1 and POST can be chosen.
		c2, err := f.svc.UpdateConnection(f.ctx, f.admin, f.who, c.ID, sso.Input{Name: "Corp SAML", Domains: c.Domains,
			Settings: json.RawMessage(`{"metadata_url":"` + idp.URL + `/metadata","signature_algorithm":"rsa-sha1","binding":"post"}`)})
		if err != nil {
			t.Fatal(err)
		}
		st2 := samlSettingsOf(t, c2)
		if st2.SPCertificate != st.SPCertificate || st2.SignatureAlgorithm != sso.SAMLSigSHA1 || st2.Binding != sso.SAMLBindingPost ||
			len(c2.Warnings) != 0 {
			t.Fatalf("after update %+v %+v", st2, c2.Warnings)
		}
		// It can be enabled now that its identity provider is set.
		on := true
		if c3, err := f.svc.UpdateConnection(f.ctx, f.admin, f.who, c.ID, sso.Input{Name: "Corp SAML", Domains: c.Domains,
			Enabled: &on, Settings: c2.Settings}); err != nil || !c3.Enabled || samlSettingsOf(t, c3).SPCertificate != st.SPCertificate {
			t.Fatalf("enable: %v", err)
		}

		// PingFederate by hand: its base URL gives the default endpoints.
		pf, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindPingFederate, Name: "Ping",
			Settings: json.RawMessage(`{"pingfederate_url":"https://pf.example.com:9031/","idp_entity_id":"pf",
			"certificates":` + jsonString(idp.CertPEM()+samltest.CertPEM(otherCert)) + `}`)})
		if err != nil {
			t.Fatal(err)
		}
		if got := samlSettingsOf(t, pf).PingFederateURL; got != "https://pf.example.com:9031" {
			t.Fatalf("pingfederate_url %q", got)
		}
		pmd, err := f.svc.SPMetadata(f.ctx, pf.ID)
		if err != nil || !strings.Contains(string(pmd), "urn:canopy:"+pf.ID) {
			t.Fatalf("ping metadata: %v %s", err, pmd)
		}
		if samlSettingsOf(t, pf).SPCertificate == st.SPCertificate {
			t.Fatal("two connections share a signing key")
		}

		// Not published: OIDC connections, unknown IDs (a SAML connection
		// without an IdP has its metadata: TestSPMetadataBeforeIdP).
		for _, id := range []string{f.conn.ID, "sso_missing"} {
			if _, err := f.svc.SPMetadata(f.ctx, id); domain.ErrorCode(err) != domain.CodeNotFound {
				t.Errorf("metadata of %s: %v", id, err)
			}
		}
		// The NameID format asked for is one of the known ones.
		if _, err := f.svc.CreateConnection(f.ctx, f.admin, f.who, sso.Input{Kind: sso.KindSAML, Name: "x",
			Settings: json.RawMessage(`{"name_id_format":"kerberos"}`)}); domain.ErrorField(err) != "name_id_format" {
			t.Errorf("unknown NameID format: %v", err)
		}
	})
}

func jsonString(s string) string {
	b, _ := json.Marshal(s)
	return string(b)
}
