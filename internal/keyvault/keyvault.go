// Package keyvault encrypts secrets at rest with envelope encryption: every
// Seal draws a fresh data key, encrypts the plaintext under it with
// AES-256-GCM, and wraps the data key with a master key held by a
// KeyWrapper. Only the wrapping touches the master key, so a cloud KMS or
// Vault backend can replace the local key file without changing the sealed
// format or the callers.
package keyvault

import (
	"crypto/aes"
	"crypto/cipher"
	"encoding/base64"
	"errors"
	"fmt"

	"github.com/canopyhq/canopy/internal/domain"
)

// KeyVault seals and opens secrets. aad (additional authenticated data) is
// not stored in the output; Open must be given the same aad, which binds a
// sealed value to its context (e.g. the row and column it lives in) so it
// cannot be copied elsewhere.
type KeyVault interface {
	Seal(plaintext, aad []byte) ([]byte, error)
	Open(sealed, aad []byte) ([]byte, error)
}

// KeyWrapper protects data keys with a master key. KeyID names the master
// key; it is written into every sealed value so Open can tell "sealed under
// another key" apart from tampering. The aad given to Wrap/Unwrap binds the
// wrapped key to the envelope header.
type KeyWrapper interface {
	KeyID() string
	WrapKey(dataKey, aad []byte) ([]byte, error)
	UnwrapKey(wrapped, aad []byte) ([]byte, error)
}

// Errors returned by Open. They are wrapped with details; compare with
// errors.Is.
var (
	ErrMalformed          = errors.New("keyvault: sealed value is malformed or truncated")
	ErrUnsupportedVersion = errors.New("keyvault: unsupported sealed format version")
	ErrWrongKey           = errors.New("keyvault: sealed under a different master key")
	ErrAuthFailed         = errors.New("keyvault: authentication failed (tampered data or wrong aad)")
)

const dataKeySize = 32 // AES-256

// Envelope is a KeyVault built on any KeyWrapper.
type Envelope struct {
	wrapper KeyWrapper
}

// NewEnvelope returns a KeyVault that wraps its data keys with w.
func NewEnvelope(w KeyWrapper) *Envelope { return &Envelope{wrapper: w} }

// Seal encrypts plaintext under a fresh data key bound to aad.
func (e *Envelope) Seal(plaintext, aad []byte) ([]byte, error) {
	keyID := e.wrapper.KeyID()
	if len(keyID) == 0 || len(keyID) > 255 {
		return nil, fmt.Errorf("keyvault: key id must be 1..255 bytes, got %d", len(keyID))
	}
	dataKey := domain.RandomBytes(dataKeySize)
	defer clear(dataKey)
	wrapped, err := e.wrapper.WrapKey(dataKey, wrapAAD(keyID))
	if err != nil {
		return nil, fmt.Errorf("keyvault: wrap data key: %w", err)
	}
	h := header{version: formatV1, keyID: keyID, wrappedKey: wrapped}
	gcm, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	nonce := domain.RandomBytes(gcm.NonceSize())
	out := h.appendTo(nil)
	out = append(out, nonce...)
	return gcm.Seal(out, nonce, plaintext, dataAAD(out[:len(out)-len(nonce)], aad)), nil
}

// Open decrypts a value made by Seal. It fails with ErrWrongKey,
// ErrAuthFailed, ErrMalformed or ErrUnsupportedVersion (wrapped).
func (e *Envelope) Open(sealed, aad []byte) ([]byte, error) {
	h, rest, err := parseHeader(sealed)
	if err != nil {
		return nil, err
	}
	if want := e.wrapper.KeyID(); h.keyID != want {
		return nil, fmt.Errorf("%w: value has key %q, vault has key %q", ErrWrongKey, h.keyID, want)
	}
	dataKey, err := e.wrapper.UnwrapKey(h.wrappedKey, wrapAAD(h.keyID))
	if err != nil {
		return nil, fmt.Errorf("%w: unwrap data key: %v", ErrAuthFailed, err)
	}
	defer clear(dataKey)
	gcm, err := newGCM(dataKey)
	if err != nil {
		return nil, err
	}
	if len(rest) < gcm.NonceSize()+gcm.Overhead() {
		return nil, fmt.Errorf("%w: ciphertext too short", ErrMalformed)
	}
	headerBytes := sealed[:len(sealed)-len(rest)]
	nonce, ciphertext := rest[:gcm.NonceSize()], rest[gcm.NonceSize():]
	plaintext, err := gcm.Open(nil, nonce, ciphertext, dataAAD(headerBytes, aad))
	if err != nil {
		return nil, ErrAuthFailed
	}
	return plaintext, nil
}

// textEncoding keeps sealed strings safe in TEXT columns, URLs and JSON.
var textEncoding = base64.RawURLEncoding

// SealString seals a secret for storage in a TEXT column.
func SealString(kv KeyVault, plaintext, aad string) (string, error) {
	sealed, err := kv.Seal([]byte(plaintext), []byte(aad))
	if err != nil {
		return "", err
	}
	return textEncoding.EncodeToString(sealed), nil
}

// OpenString opens a value made by SealString.
func OpenString(kv KeyVault, sealed, aad string) (string, error) {
	raw, err := textEncoding.DecodeString(sealed)
	if err != nil {
		return "", fmt.Errorf("%w: not base64url: %v", ErrMalformed, err)
	}
	plaintext, err := kv.Open(raw, []byte(aad))
	if err != nil {
		return "", err
	}
	return string(plaintext), nil
}

func newGCM(key []byte) (cipher.AEAD, error) {
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("keyvault: %w", err)
	}
	return cipher.NewGCM(block)
}
