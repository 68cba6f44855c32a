package collector

import (
	"context"
	"crypto/rsa"

	"github.com/canopyhq/canopy/internal/store"
)

// OpenPrivateForTest opens a stored key's private half (tests only).
func OpenPrivateForTest(k *Keys, row store.CollectorKey) (*rsa.PrivateKey, error) {
	return k.privateKey(context.Background(), k.Store, row.KID)
}
