package sso

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"math/big"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

// A SAML connection's SP keys. The one in use signs requests; during a
// rotation a next key is announced in the metadata before it signs
// anything, and after the switch the previous key's certificate stays
// published until an administrator removes it. The private keys travel
// together, sealed with the key vault in the connection's secret, as PEM
// blocks whose "Use" header says which is which (a single block without
// the header, as stored before rotation existed, is the key in use); the
// certificates are in the settings (sp_certificate, sp_next_certificate,
// sp_previous_certificate).

// Uses of an SP key.
const (
	SPKeyCurrent  = "current"
	SPKeyNext     = "next"
	SPKeyPrevious = "previous"
)

var spKeyUses = []string{SPKeyCurrent, SPKeyNext, SPKeyPrevious}

type spKey struct {
	key  *rsa.PrivateKey
	cert *x509.Certificate
}

// spKeySet holds a connection's SP keys by use; the current one is always
// there.
type spKeySet map[string]spKey

// others are the certificates published besides the current one: next,
// then previous.
func (set spKeySet) others() []*x509.Certificate {
	var out []*x509.Certificate
	for _, use := range []string{SPKeyNext, SPKeyPrevious} {
		if k, ok := set[use]; ok {
			out = append(out, k.cert)
		}
	}
	return out
}

// SPCertificate describes one of Canopy's SAML certificates of a
// connection.
type SPCertificate struct {
	Use      string    `json:"use"`    // current (signs), next (announced), previous (still published)
	SHA256   string    `json:"sha256"` // fingerprint of the certificate, hex with colons
	NotAfter time.Time `json:"not_after"`
}

func fingerprint(c *x509.Certificate) string {
	sum := sha256.Sum256(c.Raw)
	h := strings.ToUpper(hex.EncodeToString(sum[:]))
	var b strings.Builder
	for i := 0; i < len(h); i += 2 {
		if i > 0 {
			b.WriteByte(':')
		}
		b.WriteString(h[i : i+2])
	}
	return b.String()
}

// newSPKey makes an RSA 2048 key and a self-signed certificate for it,
// valid ten years.
func newSPKey(connectionID string) (spKey, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return spKey{}, err
	}
	now := time.Now().UTC()
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 120))
	if err != nil {
		return spKey{}, err
	}
	tmpl := &x509.Certificate{SerialNumber: serial, Subject: pkix.Name{CommonName: "urn:canopy:" + connectionID},
		NotBefore: now.Add(-time.Hour), NotAfter: now.AddDate(10, 0, 0), KeyUsage: x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return spKey{}, err
	}
	cert, err := x509.ParseCertificate(der)
	return spKey{key: key, cert: cert}, err
}

func certPEM(c *x509.Certificate) string {
	if c == nil {
		return ""
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: c.Raw}))
}

// certOf returns the settings' certificate of a use.
func (st *SAMLSettings) certOf(use string) *string {
	switch use {
	case SPKeyNext:
		return &st.SPNextCertificate
	case SPKeyPrevious:
		return &st.SPPreviousCertificate
	}
	return &st.SPCertificate
}

// openSPKeys opens a connection's sealed keys and pairs each with its
// certificate from the settings.
func (s *Service) openSPKeys(c store.SSOConnection, st SAMLSettings) (spKeySet, error) {
	bundle, err := keyvault.OpenString(s.Vault, c.SealedSecret, spKeyAAD(c.OrgID, c.ID))
	if err != nil {
		return nil, err
	}
	set := spKeySet{}
	rest := []byte(bundle)
	for {
		var b *pem.Block
		if b, rest = pem.Decode(rest); b == nil {
			break
		}
		use := b.Headers["Use"]
		if use == "" {
			use = SPKeyCurrent
		}
		k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
		if err != nil {
			return nil, err
		}
		rk, ok := k.(*rsa.PrivateKey)
		if !ok {
			return nil, errors.New("sso: the SAML signing key is not RSA")
		}
		cb, _ := pem.Decode([]byte(*st.certOf(use)))
		if cb == nil {
			return nil, errors.New("sso: the " + use + " SAML certificate is missing")
		}
		cert, err := x509.ParseCertificate(cb.Bytes)
		if err != nil {
			return nil, err
		}
		if !rk.PublicKey.Equal(cert.PublicKey) {
			return nil, errors.New("sso: the " + use + " SAML certificate does not match its key")
		}
		set[use] = spKey{key: rk, cert: cert}
	}
	if _, ok := set[SPKeyCurrent]; !ok {
		return nil, errors.New("sso: the SAML signing key is damaged")
	}
	return set, nil
}

// seal stores the set: the keys sealed in the connection's secret, the
// certificates in st.
func (s *Service) sealSPKeys(c *store.SSOConnection, st *SAMLSettings, set spKeySet) error {
	var bundle []byte
	for _, use := range spKeyUses {
		k, ok := set[use]
		*st.certOf(use) = certPEM(k.cert)
		if !ok {
			continue
		}
		der, err := x509.MarshalPKCS8PrivateKey(k.key)
		if err != nil {
			return err
		}
		bundle = append(bundle, pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Headers: map[string]string{"Use": use}, Bytes: der})...)
	}
	var err error
	c.SealedSecret, err = keyvault.SealString(s.Vault, string(bundle), spKeyAAD(c.OrgID, c.ID))
	return err
}

// ensureSPKey gives a SAML connection its signing key and certificate the
// first time, and keeps its keys afterwards (old holds the stored
// settings).
func (s *Service) ensureSPKey(c *store.SSOConnection, old json.RawMessage) error {
	var prev, st SAMLSettings
	_ = json.Unmarshal(old, &prev)
	if err := json.Unmarshal(c.Settings, &st); err != nil {
		return err
	}
	st.SPCertificate, st.SPNextCertificate, st.SPPreviousCertificate = prev.SPCertificate, prev.SPNextCertificate, prev.SPPreviousCertificate
	if c.SealedSecret == "" || st.SPCertificate == "" {
		k, err := newSPKey(c.ID)
		if err != nil {
			return err
		}
		if err := s.sealSPKeys(c, &st, spKeySet{SPKeyCurrent: k}); err != nil {
			return err
		}
	}
	var err error
	c.Settings, err = json.Marshal(st)
	return err
}

// spCertificates lists the connection's certificates for people and the
// API, in the order the metadata publishes them.
func spCertificates(st SAMLSettings) []SPCertificate {
	var out []SPCertificate
	for _, use := range spKeyUses {
		b, _ := pem.Decode([]byte(*st.certOf(use)))
		if b == nil {
			continue
		}
		if cert, err := x509.ParseCertificate(b.Bytes); err == nil {
			out = append(out, SPCertificate{Use: use, SHA256: fingerprint(cert), NotAfter: cert.NotAfter.UTC()})
		}
	}
	return out
}

// RotateSPKey starts a rotation of a SAML connection's signing key: a new
// key and certificate become the next ones, published in the metadata
// beside the current one (which still signs) so that the identity provider
// can learn it first.
func (s *Service) RotateSPKey(ctx context.Context, p *auth.Principal, who audit.Actor, id string) (Connection, error) {
	return s.changeSPKeys(ctx, p, who, id, "sso.sp_key_rotate", func(set spKeySet) error {
		if _, ok := set[SPKeyNext]; ok {
			return domain.Errorf(domain.CodeConflict, "A new certificate is already published and waiting: activate it first.")
		}
		k, err := newSPKey(id)
		set[SPKeyNext] = k
		return err
	})
}

// ActivateSPKey makes the next key the one that signs. The key it replaces
// becomes the previous one: its certificate stays in the metadata until
// RemovePreviousSPKey (an earlier previous key is dropped).
func (s *Service) ActivateSPKey(ctx context.Context, p *auth.Principal, who audit.Actor, id string) (Connection, error) {
	return s.changeSPKeys(ctx, p, who, id, "sso.sp_key_activate", func(set spKeySet) error {
		next, ok := set[SPKeyNext]
		if !ok {
			return domain.Errorf(domain.CodeConflict, "There is no new certificate to activate: rotate the certificate first.")
		}
		set[SPKeyPrevious], set[SPKeyCurrent] = set[SPKeyCurrent], next
		delete(set, SPKeyNext)
		return nil
	})
}

// RemovePreviousSPKey stops publishing the key a rotation replaced.
func (s *Service) RemovePreviousSPKey(ctx context.Context, p *auth.Principal, who audit.Actor, id string) (Connection, error) {
	return s.changeSPKeys(ctx, p, who, id, "sso.sp_key_remove_previous", func(set spKeySet) error {
		if _, ok := set[SPKeyPrevious]; !ok {
			return domain.Errorf(domain.CodeConflict, "There is no previous certificate to remove.")
		}
		delete(set, SPKeyPrevious)
		return nil
	})
}

// changeSPKeys applies change to a SAML connection's keys in one
// transaction and audits the certificates before and after.
func (s *Service) changeSPKeys(ctx context.Context, p *auth.Principal, who audit.Actor, id, action string,
	change func(spKeySet) error) (Connection, error) {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return Connection{}, err
	}
	var c store.SSOConnection
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.GetSSOConnection(ctx, p.Org.ID, id); err != nil {
			return err
		}
		if !isSAML(c.Kind) {
			return domain.Errorf(domain.CodeInvalid, "%s connections have no SAML certificate.", KindLabel(c.Kind))
		}
		st, err := samlSettings(c)
		if err != nil {
			return err
		}
		before := spCertificates(st)
		set, err := s.openSPKeys(c, st)
		if err != nil {
			return err
		}
		if err := change(set); err != nil {
			return err
		}
		if err := s.sealSPKeys(&c, &st, set); err != nil {
			return err
		}
		if c.Settings, err = json.Marshal(st); err != nil {
			return err
		}
		if err := tx.UpdateSSOConnection(ctx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: action, TargetType: "sso_connection",
			TargetID: c.ID, Details: map[string]any{"name": c.Name, "before": before, "after": spCertificates(st)}})
	})
	if err != nil {
		return Connection{}, err
	}
	return s.Connection(ctx, p, id)
}
