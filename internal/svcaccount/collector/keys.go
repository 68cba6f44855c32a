// Package collector is the private side of Microsoft 365 service accounts:
// it makes the collector's RSA key pair (the private key stored only
// sealed by the KeyVault), decrypts a service account's password JWE when
// the Microsoft 365 sync needs the account, and rotates the key,
// re-encrypting every stored password. Only the collector (the sync job)
// and the admin command import it; the web server and the API never do.
package collector

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"sync"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/svcaccount"
)

var b64 = base64.RawURLEncoding

// DefaultKeyBits is the size of a new collector key.
const DefaultKeyBits = 3072

// Keys makes, opens and rotates the collector's keys.
type Keys struct {
	Store *store.Store
	Vault keyvault.KeyVault
	// Bits is the RSA key size of new keys (0: DefaultKeyBits).
	Bits int

	mu sync.Mutex // one key generation at a time in this process
}

// privateAAD binds a sealed private key to its key ID.
func privateAAD(kid string) string { return "collector-key:" + kid }

// ActivePublic returns the active key, making the first one when there is
// none. The private key leaves this function only sealed.
func (k *Keys) ActivePublic(ctx context.Context) (store.CollectorKey, error) {
	key, err := k.Store.ActiveCollectorKey(ctx)
	if domain.ErrorCode(err) != domain.CodeNotFound {
		return key, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if key, err = k.Store.ActiveCollectorKey(ctx); domain.ErrorCode(err) != domain.CodeNotFound {
		return key, err
	}
	_, key, err = k.newKey()
	if err != nil {
		return key, err
	}
	key, err = k.Store.CreateCollectorKey(ctx, key)
	if errors.Is(err, store.ErrActiveKeyExists) { // another process was first
		return k.Store.ActiveCollectorKey(ctx)
	}
	return key, err
}

// newKey makes a key pair: the stored row (public JWK, sealed private
// key) and the private key for immediate use (rotation).
func (k *Keys) newKey() (*rsa.PrivateKey, store.CollectorKey, error) {
	bits := k.Bits
	if bits == 0 {
		bits = DefaultKeyBits
	}
	priv, err := rsa.GenerateKey(rand.Reader, bits)
	if err != nil {
		return nil, store.CollectorKey{}, fmt.Errorf("collector key: %w", err)
	}
	pub := jose.JSONWebKey{Key: &priv.PublicKey, Algorithm: svcaccount.KeyAlgorithm, Use: "enc"}
	thumb, err := pub.Thumbprint(crypto.SHA256)
	if err != nil {
		return nil, store.CollectorKey{}, fmt.Errorf("collector key thumbprint: %w", err)
	}
	pub.KeyID = "ck-" + b64.EncodeToString(thumb)[:22]
	jwk, err := pub.MarshalJSON()
	if err != nil {
		return nil, store.CollectorKey{}, fmt.Errorf("collector key JWK: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(priv)
	if err != nil {
		return nil, store.CollectorKey{}, fmt.Errorf("collector key: %w", err)
	}
	defer clear(der)
	sealed, err := k.Vault.Seal(der, []byte(privateAAD(pub.KeyID)))
	if err != nil {
		return nil, store.CollectorKey{}, fmt.Errorf("seal collector key: %w", err)
	}
	return priv, store.CollectorKey{KID: pub.KeyID, PublicJWK: jwk, PrivateSealed: b64.EncodeToString(sealed)}, nil
}

// keyReader is a Store or a Tx.
type keyReader interface {
	GetCollectorKey(ctx context.Context, kid string) (store.CollectorKey, error)
}

// privateKey opens the private key of kid (active or retired).
func (k *Keys) privateKey(ctx context.Context, q keyReader, kid string) (*rsa.PrivateKey, error) {
	row, err := q.GetCollectorKey(ctx, kid)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return nil, fmt.Errorf("%w: %q", ErrUnknownKey, kid)
	}
	if err != nil {
		return nil, err
	}
	sealed, err := b64.DecodeString(row.PrivateSealed)
	if err != nil {
		return nil, fmt.Errorf("collector key %s: sealed key is not base64url: %w", kid, err)
	}
	der, err := k.Vault.Open(sealed, []byte(privateAAD(kid)))
	if err != nil {
		return nil, fmt.Errorf("open collector key %s: %w", kid, err)
	}
	defer clear(der)
	parsed, err := x509.ParsePKCS8PrivateKey(der)
	if err != nil {
		return nil, fmt.Errorf("collector key %s: %w", kid, err)
	}
	priv, ok := parsed.(*rsa.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("collector key %s is not an RSA key", kid)
	}
	return priv, nil
}
