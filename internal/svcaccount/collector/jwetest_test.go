package collector_test

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"strings"
	"testing"
)

var b64 = base64.RawURLEncoding

// handJWE builds a compact JWE step by step as the browser script does
// (service_account.js): a fresh CEK, AES-256-GCM over the password with
// the encoded protected header as AAD, the CEK wrapped with RSA-OAEP
// SHA-256. header is the protected header to use.
func handJWE(t *testing.T, pub *rsa.PublicKey, header map[string]any, plaintext []byte) string {
	t.Helper()
	h, _ := json.Marshal(header)
	encHeader := b64.EncodeToString(h)
	cek := make([]byte, 32)
	iv := make([]byte, 12)
	_, _ = rand.Read(cek)
	_, _ = rand.Read(iv)
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	sealed := gcm.Seal(nil, iv, plaintext, []byte(encHeader))
	wrapped, err := rsa.EncryptOAEP(sha256.New(), rand.Reader, pub, cek, nil)
	if err != nil {
		t.Fatal(err)
	}
	body, tag := sealed[:len(sealed)-16], sealed[len(sealed)-16:]
	return strings.Join([]string{encHeader, b64.EncodeToString(wrapped), b64.EncodeToString(iv), b64.EncodeToString(body), b64.EncodeToString(tag)}, ".")
}

// handDecrypt opens a compact JWE step by step (RFC 7516 §5.2), without
// go-jose, to check what the collector's Encrypt makes.
func handDecrypt(t *testing.T, priv *rsa.PrivateKey, compact string) (map[string]any, []byte) {
	t.Helper()
	parts := strings.Split(compact, ".")
	if len(parts) != 5 {
		t.Fatalf("%d parts", len(parts))
	}
	raw := make([][]byte, 5)
	for i, p := range parts {
		var err error
		if raw[i], err = b64.DecodeString(p); err != nil {
			t.Fatalf("part %d: %v", i, err)
		}
	}
	var header map[string]any
	if err := json.Unmarshal(raw[0], &header); err != nil {
		t.Fatal(err)
	}
	cek, err := rsa.DecryptOAEP(sha256.New(), nil, priv, raw[1], nil)
	if err != nil {
		t.Fatalf("unwrap CEK: %v", err)
	}
	block, _ := aes.NewCipher(cek)
	gcm, _ := cipher.NewGCM(block)
	plain, err := gcm.Open(nil, raw[2], append(raw[3], raw[4]...), []byte(parts[0]))
	if err != nil {
		t.Fatalf("AES-GCM: %v", err)
	}
	return header, plain
}

func header(kid string) map[string]any {
	return map[string]any{"alg": "RSA-OAEP-256", "enc": "A256GCM", "kid": kid}
}
