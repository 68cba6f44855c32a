package collector

import (
	"context"
	"crypto/rsa"
	"fmt"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Rotation is what Rotate did.
type Rotation struct {
	OldKID, NewKID string // OldKID "" when there was no key yet
	Reencrypted    int
}

// Rotate makes a new collector key, re-encrypts every stored service
// account password to it (decrypting each with its own key, in this
// process only) and retires the old key, all in one transaction: a
// failure changes nothing. It is audited per organisation whose accounts
// were re-encrypted, and once for the installation.
func (k *Keys) Rotate(ctx context.Context, who audit.Actor) (Rotation, error) {
	priv, key, err := k.newKey()
	if err != nil {
		return Rotation{}, err
	}
	res := Rotation{NewKID: key.KID}
	err = k.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.ActiveCollectorKey(ctx)
		switch {
		case err == nil:
			res.OldKID = old.KID
			if err := tx.RetireCollectorKey(ctx, old.KID); err != nil {
				return err
			}
		case domain.ErrorCode(err) != domain.CodeNotFound:
			return err
		}
		if _, err := tx.CreateCollectorKey(ctx, key); err != nil {
			return err
		}
		perOrg, err := k.reencryptAll(ctx, tx, &priv.PublicKey, key.KID)
		if err != nil {
			return err
		}
		for org, n := range perOrg {
			res.Reencrypted += n
			if err := audit.Record(ctx, tx, who, audit.Entry{OrgID: org, Action: "m365.service_account.reencrypt",
				TargetType: "collector_key", TargetID: key.KID, Details: map[string]any{"accounts": n, "old_kid": res.OldKID}}); err != nil {
				return err
			}
		}
		return audit.Record(ctx, tx, who, audit.Entry{Action: "collector_key.rotate", TargetType: "collector_key", TargetID: key.KID,
			Details: map[string]any{"old_kid": res.OldKID, "reencrypted": res.Reencrypted}})
	})
	return res, err
}

// reencryptAll moves every account not yet on newKID to it.
func (k *Keys) reencryptAll(ctx context.Context, tx *store.Tx, pub *rsa.PublicKey, newKID string) (map[string]int, error) {
	accounts, err := tx.ListM365ServiceAccountsByKey(ctx, "")
	if err != nil {
		return nil, err
	}
	perOrg := map[string]int{}
	for _, a := range accounts {
		if a.KID == newKID {
			continue
		}
		jwe, err := k.reencrypt(ctx, tx, a.PasswordJWE, pub, newKID)
		if err != nil {
			return nil, fmt.Errorf("re-encrypt the service account of connection %s: %w", a.ConnectionID, err)
		}
		if err := tx.ReencryptM365ServiceAccount(ctx, a.OrgID, a.ConnectionID, a.KID, jwe, newKID); err != nil {
			return nil, err
		}
		perOrg[a.OrgID]++
	}
	return perOrg, nil
}

func (k *Keys) reencrypt(ctx context.Context, tx *store.Tx, jwe string, pub *rsa.PublicKey, kid string) (string, error) {
	plain, err := k.decrypt(ctx, tx, jwe)
	if err != nil {
		return "", err
	}
	defer clear(plain)
	return Encrypt(plain, pub, kid)
}

// Encrypt makes a compact JWE (RSA-OAEP-256, A256GCM, kid header) of
// plaintext to pub, as the browser does.
func Encrypt(plaintext []byte, pub *rsa.PublicKey, kid string) (string, error) {
	enc, err := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: pub, KeyID: kid}, nil)
	if err != nil {
		return "", err
	}
	obj, err := enc.Encrypt(plaintext)
	if err != nil {
		return "", err
	}
	return obj.CompactSerialize()
}
