package collector

import (
	"context"
	"errors"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/canopyhq/canopy/internal/svcaccount"
)

// Errors of Decrypt; compare with errors.Is.
var (
	ErrUnknownKey = errors.New("collector: the JWE names a collector key this installation does not have")
	ErrRefused    = errors.New("collector: the JWE is refused")
)

// Decrypt opens a service account's password JWE with the private key its
// kid names. It refuses any alg but RSA-OAEP-256, any enc but A256GCM,
// extra header parameters (zip, crit ...), sizes outside the limits and
// anything whose authentication fails. The caller clears the result.
func (k *Keys) Decrypt(ctx context.Context, compact string) ([]byte, error) {
	return k.decrypt(ctx, k.Store, compact)
}

func (k *Keys) decrypt(ctx context.Context, q keyReader, compact string) ([]byte, error) {
	obj, err := jose.ParseEncryptedCompact(compact, []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	kid := obj.Header.KeyID
	priv, err := k.privateKey(ctx, q, kid)
	if err != nil {
		return nil, err
	}
	// The same structural rules as the web server applied when storing.
	if _, err := svcaccount.ValidateJWE(compact, kid, priv.Size()); err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	plain, err := obj.Decrypt(priv)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrRefused, err)
	}
	return plain, nil
}
