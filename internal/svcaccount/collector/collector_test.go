package collector_test

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
	"github.com/canopyhq/canopy/internal/svcaccount"
	"github.com/canopyhq/canopy/internal/svcaccount/collector"
)

func newKeys(t *testing.T, db *store.DB) *collector.Keys {
	t.Helper()
	master := make([]byte, keyvault.MasterKeySize)
	_, _ = rand.Read(master)
	kv, err := keyvault.NewLocal(master)
	if err != nil {
		t.Fatal(err)
	}
	return &collector.Keys{Store: store.New(db), Vault: kv, Bits: 2048}
}

// publicKey returns the active key's RSA public key and kid, as a browser
// reads them from the JWK.
func publicKey(t *testing.T, k *collector.Keys) (*rsa.PublicKey, string) {
	t.Helper()
	row, err := k.ActivePublic(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(row.PublicJWK, &jwk); err != nil {
		t.Fatal(err)
	}
	pub, ok := jwk.Key.(*rsa.PublicKey)
	if !ok || jwk.KeyID != row.KID || jwk.Algorithm != "RSA-OAEP-256" || !jwk.IsPublic() {
		t.Fatalf("JWK = %+v", jwk)
	}
	return pub, row.KID
}

// The first need makes one key; its private key is stored only sealed;
// every later need returns the same key.
func TestKeyMadeOnFirstNeedAndSealed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, k := context.Background(), newKeys(t, db)
		first, err := k.ActivePublic(ctx)
		if err != nil {
			t.Fatal(err)
		}
		again, _ := k.ActivePublic(ctx)
		if again.KID != first.KID || first.Status != store.CollectorKeyActive || !strings.HasPrefix(first.KID, "ck-") {
			t.Fatalf("keys %+v / %+v", first, again)
		}
		if strings.Contains(string(first.PublicJWK), `"d"`) || strings.Contains(string(first.PublicJWK), `"p"`) {
			t.Fatalf("public JWK holds private parts: %s", first.PublicJWK)
		}
		priv := privateKey(t, k, first.KID)
		der, _ := x509.MarshalPKCS8PrivateKey(priv)
		if sealed, _ := b64.DecodeString(first.PrivateSealed); bytes.Contains(sealed, der[len(der)-64:]) {
			t.Fatal("the stored private key is not sealed")
		}
		other := newKeys(t, db) // another master key cannot open it
		other.Store = k.Store
		pub, kid := publicKey(t, k)
		jwe := handJWE(t, pub, header(kid), []byte("pw"))
		if _, err := other.Decrypt(ctx, jwe); !errors.Is(err, keyvault.ErrWrongKey) {
			t.Fatalf("decrypt with another KeyVault: %v, want ErrWrongKey", err)
		}
	})
}

// What a browser makes (by hand, as service_account.js does) and what
// go-jose makes both decrypt; what the collector's Encrypt makes decrypts
// with go-jose and by hand.
func TestJWERoundTrips(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, k := context.Background(), newKeys(t, db)
		pub, kid := publicKey(t, k)
		for _, pw := range []string{"x", "Pässwörd €✓ with spaces & = + %", strings.Repeat("z", svcaccount.MaxPasswordBytes)} {
			byHand := handJWE(t, pub, header(kid), []byte(pw))
			if got, err := k.Decrypt(ctx, byHand); err != nil || string(got) != pw {
				t.Fatalf("collector decrypts the browser's JWE: %q %v", got, err)
			}
			if _, err := svcaccount.ValidateJWE(byHand, kid, 256); err != nil {
				t.Fatalf("the web server's check refuses the browser's JWE: %v", err)
			}
			enc, _ := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: pub, KeyID: kid}, nil)
			obj, _ := enc.Encrypt([]byte(pw))
			byJose, _ := obj.CompactSerialize()
			if got, err := k.Decrypt(ctx, byJose); err != nil || string(got) != pw {
				t.Fatalf("collector decrypts go-jose's JWE: %q %v", got, err)
			}
		}
		priv := privateKey(t, k, kid)
		mine, err := collector.Encrypt([]byte("secret-1"), pub, kid)
		if err != nil {
			t.Fatal(err)
		}
		h, plain := handDecrypt(t, priv, mine)
		if string(plain) != "secret-1" || h["alg"] != "RSA-OAEP-256" || h["enc"] != "A256GCM" || h["kid"] != kid {
			t.Fatalf("by hand: %v %q", h, plain)
		}
		obj, err := jose.ParseEncryptedCompact(handJWE(t, pub, header(kid), []byte("from-browser")), []jose.KeyAlgorithm{jose.RSA_OAEP_256}, []jose.ContentEncryption{jose.A256GCM})
		if err != nil {
			t.Fatal(err)
		}
		if got, err := obj.Decrypt(priv); err != nil || string(got) != "from-browser" {
			t.Fatalf("go-jose decrypts the browser's JWE: %q %v", got, err)
		}
	})
}

// privateKey opens a stored key's private half through the KeyVault.
func privateKey(t *testing.T, k *collector.Keys, kid string) *rsa.PrivateKey {
	t.Helper()
	row, err := k.Store.GetCollectorKey(context.Background(), kid)
	if err != nil {
		t.Fatal(err)
	}
	priv, err := collector.OpenPrivateForTest(k, row)
	if err != nil {
		t.Fatal(err)
	}
	return priv
}

// Everything but RSA-OAEP-256 + A256GCM with a known kid, intact and
// within the size limits, is refused by the collector and by the web
// server's structural check.
func TestRefusals(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, k := context.Background(), newKeys(t, db)
		pub, kid := publicKey(t, k)
		good := handJWE(t, pub, header(kid), []byte("good-password"))
		with := func(key string, v any) map[string]any { h := header(kid); h[key] = v; return h }
		rsa1, _ := jose.NewEncrypter(jose.A256GCM, jose.Recipient{Algorithm: jose.RSA_OAEP, Key: pub, KeyID: kid}, nil)
		sha1JWE := serialize(t, rsa1, "pw")
		a128, _ := jose.NewEncrypter(jose.A128GCM, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: pub, KeyID: kid}, nil)
		a128JWE := serialize(t, a128, "pw")
		cbc, _ := jose.NewEncrypter(jose.A256CBC_HS512, jose.Recipient{Algorithm: jose.RSA_OAEP_256, Key: pub, KeyID: kid}, nil)
		cbcJWE := serialize(t, cbc, "pw")
		cases := map[string]string{
			"alg RSA-OAEP (SHA-1)":     sha1JWE,
			"enc A128GCM":              a128JWE,
			"enc A256CBC-HS512":        cbcJWE,
			"alg dir in header":        handJWE(t, pub, with("alg", "dir"), []byte("pw")),
			"zip header":               handJWE(t, pub, with("zip", "DEF"), []byte("pw")),
			"unknown kid":              handJWE(t, pub, with("kid", "ck-unknown"), []byte("pw")),
			"no kid":                   handJWE(t, pub, map[string]any{"alg": "RSA-OAEP-256", "enc": "A256GCM"}, []byte("pw")),
			"oversize password":        handJWE(t, pub, header(kid), bytes.Repeat([]byte("a"), svcaccount.MaxPasswordBytes+1)),
			"tampered ciphertext":      flip(good, 3),
			"tampered tag":             flip(good, 4),
			"tampered iv":              flip(good, 2),
			"tampered encrypted key":   flip(good, 1),
			"four parts":               good[:strings.LastIndex(good, ".")],
			"six parts":                good + ".AAAA",
			"padding in base64":        good + "==",
			"oversize whole":           good + strings.Repeat("A", 5000),
			"header swapped for other": swapHeader(good, kid),
		}
		for name, jwe := range cases {
			if got, err := k.Decrypt(ctx, jwe); err == nil {
				t.Errorf("%s: collector decrypted it to %q", name, got)
			}
		}
		if _, err := k.Decrypt(ctx, cases["unknown kid"]); !errors.Is(err, collector.ErrUnknownKey) {
			t.Errorf("unknown kid: %v, want ErrUnknownKey", err)
		}
		for name, jwe := range cases {
			if strings.HasPrefix(name, "tampered") || name == "header swapped for other" {
				continue // the structure is intact: only decryption can tell
			}
			if _, err := svcaccount.ValidateJWE(jwe, kid, 256); domain.ErrorField(err) != "password_jwe" {
				t.Errorf("%s: web check: %v, want a password_jwe error", name, err)
			}
		}
		if got, err := k.Decrypt(ctx, good); err != nil || string(got) != "good-password" {
			t.Fatalf("the untouched JWE: %q %v", got, err)
		}
	})
}

func serialize(t *testing.T, e jose.Encrypter, pw string) string {
	t.Helper()
	obj, err := e.Encrypt([]byte(pw))
	if err != nil {
		t.Fatal(err)
	}
	s, _ := obj.CompactSerialize()
	return s
}

// flip changes one bit in the middle of part i (keeping valid base64url).
func flip(jwe string, i int) string {
	parts := strings.Split(jwe, ".")
	raw, _ := b64.DecodeString(parts[i])
	raw[len(raw)/2] ^= 0x01
	parts[i] = b64.EncodeToString(raw)
	return strings.Join(parts, ".")
}

// swapHeader replaces the protected header with an equivalent one (other
// member order): the AAD changes, so the tag no longer matches.
func swapHeader(jwe, kid string) string {
	parts := strings.Split(jwe, ".")
	parts[0] = b64.EncodeToString([]byte(`{"kid":"` + kid + `","enc":"A256GCM","alg":"RSA-OAEP-256"}`))
	return strings.Join(parts, ".")
}

// Rotation makes a new key, re-encrypts every organisation's stored
// password to it (each still decrypts to the same password), retires the
// old key, audits per organisation, and a JWE for the retired key is then
// refused by the web server's check.
func TestRotationReencryptsEveryCredential(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, k := context.Background(), newKeys(t, db)
		svc := &svcaccount.Service{Store: k.Store, Keys: k}
		pub, oldKID := publicKey(t, k)
		want := map[string]string{}
		var p1 *principal
		for i, org := range []string{"Alpha", "Beta"} {
			p := newPrincipal(t, k.Store, org)
			if i == 0 {
				p1 = p
			}
			for j := range 2 {
				conn := m365Conn(t, k.Store, p.p.Org.ID, org+string(rune('A'+j)))
				pw := "pw-" + org + "-" + conn
				if _, err := svc.Set(ctx, p.p, p.who, conn, svcaccount.Input{Username: "svc@" + strings.ToLower(org) + ".test", PasswordJWE: handJWE(t, pub, header(oldKID), []byte(pw))}); err != nil {
					t.Fatal(err)
				}
				want[conn] = pw
			}
		}
		res, err := k.Rotate(ctx, audit.Actor{Email: "cli"})
		if err != nil {
			t.Fatal(err)
		}
		if res.OldKID != oldKID || res.NewKID == oldKID || res.Reencrypted != 4 {
			t.Fatalf("rotation = %+v", res)
		}
		accounts, _ := k.Store.ListM365ServiceAccountsByKey(ctx, "")
		if len(accounts) != 4 {
			t.Fatalf("%d accounts", len(accounts))
		}
		for _, a := range accounts {
			got, err := k.Decrypt(ctx, a.PasswordJWE)
			if a.KID != res.NewKID || err != nil || string(got) != want[a.ConnectionID] {
				t.Errorf("account %s: kid %s, decrypts to %q (%v)", a.ConnectionID, a.KID, got, err)
			}
			var h map[string]any
			raw, _ := b64.DecodeString(strings.Split(a.PasswordJWE, ".")[0])
			_ = json.Unmarshal(raw, &h)
			if h["kid"] != res.NewKID {
				t.Errorf("JWE header kid = %v", h["kid"])
			}
		}
		old, _ := k.Store.GetCollectorKey(ctx, oldKID)
		active, _ := k.Store.ActiveCollectorKey(ctx)
		if old.Status != store.CollectorKeyRetired || old.RetiredAt == nil || active.KID != res.NewKID {
			t.Fatalf("old %+v, active %s", old, active.KID)
		}
		conn := m365Conn(t, k.Store, p1.p.Org.ID, "Late")
		_, err = svc.Set(ctx, p1.p, p1.who, conn, svcaccount.Input{Username: "svc@alpha.test", PasswordJWE: handJWE(t, pub, header(oldKID), []byte("late"))})
		if domain.ErrorField(err) != "password_jwe" {
			t.Fatalf("a JWE for the retired key: %v, want refused", err)
		}
		page, _ := k.Store.ListAudit(ctx, p1.p.Org.ID, store.AuditFilter{Limit: 50})
		events := page.Items
		if !hasAction(events, "m365.service_account.reencrypt") || !hasAction(events, "m365.service_account.set") {
			t.Fatalf("audit of org Alpha: %+v", events)
		}
		for _, e := range events {
			for _, pw := range want {
				if strings.Contains(e.Details, pw) {
					t.Fatalf("audit holds a password: %+v", e)
				}
			}
		}
		again, err := k.Rotate(ctx, audit.Actor{Email: "cli"})
		if err != nil || again.OldKID != res.NewKID || again.Reencrypted != 4 {
			t.Fatalf("second rotation: %+v %v", again, err)
		}
	})
}

func hasAction(events []domain.AuditEvent, action string) bool {
	for _, e := range events {
		if e.Action == action {
			return true
		}
	}
	return false
}
