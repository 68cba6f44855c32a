package keyvault

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"

	"github.com/canopyhq/canopy/internal/domain"
)

// MasterKeySize is the size of a local master key file in bytes.
const MasterKeySize = 32

// Local is the default KeyVault: the master key lives in a file on the
// server's disk. It is safe for concurrent use.
type Local struct {
	*Envelope
}

// OpenLocal loads the master key at path, creating the file (mode 0600, in
// a directory created 0700) with a random key if it does not exist. It
// refuses a key file of the wrong size or one that group or others can
// access, because such a key no longer protects anything.
func OpenLocal(path string) (*Local, error) {
	key, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		if err := createKeyFile(path); err != nil {
			return nil, err
		}
		key, err = os.ReadFile(path)
	}
	if err != nil {
		return nil, fmt.Errorf("keyvault: read key file: %w", err)
	}
	defer clear(key)
	if err := checkKeyFileMode(path); err != nil {
		return nil, err
	}
	if len(key) != MasterKeySize {
		return nil, fmt.Errorf("keyvault: key file %s holds %d bytes, want %d", path, len(key), MasterKeySize)
	}
	return NewLocal(key)
}

// NewLocal returns a Local vault using masterKey (MasterKeySize bytes). The
// key is copied.
func NewLocal(masterKey []byte) (*Local, error) {
	if len(masterKey) != MasterKeySize {
		return nil, fmt.Errorf("keyvault: master key must be %d bytes, got %d", MasterKeySize, len(masterKey))
	}
	w := &localWrapper{key: append([]byte(nil), masterKey...), id: localKeyID(masterKey)}
	return &Local{Envelope: NewEnvelope(w)}, nil
}

// KeyID names the master key without revealing it.
func (l *Local) KeyID() string { return l.wrapper.KeyID() }

// createKeyFile writes a new random key to a temp file and hard-links it
// into place, so a concurrent process never reads a half-written key and
// two processes racing to create it end up sharing one key.
func createKeyFile(path string) error {
	dir := filepath.Dir(path)
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("keyvault: create key directory: %w", err)
	}
	tmp, err := os.CreateTemp(dir, ".keyvault-*")
	if err != nil {
		return fmt.Errorf("keyvault: create key file: %w", err)
	}
	defer os.Remove(tmp.Name())
	key := domain.RandomBytes(MasterKeySize)
	defer clear(key)
	// CreateTemp already uses 0600; Chmod makes that explicit and umask-proof.
	if err := writeAndSync(tmp, key); err != nil {
		return fmt.Errorf("keyvault: write key file: %w", err)
	}
	if err := os.Link(tmp.Name(), path); err != nil && !errors.Is(err, fs.ErrExist) {
		return fmt.Errorf("keyvault: install key file: %w", err)
	}
	return nil
}

func writeAndSync(f *os.File, key []byte) error {
	if err := f.Chmod(0o600); err != nil {
		f.Close()
		return err
	}
	if _, err := f.Write(key); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func checkKeyFileMode(path string) error {
	info, err := os.Stat(path)
	if err != nil {
		return fmt.Errorf("keyvault: stat key file: %w", err)
	}
	if !info.Mode().IsRegular() {
		return fmt.Errorf("keyvault: key file %s is not a regular file", path)
	}
	// Windows has no Unix permission bits; rely on the directory's ACLs there.
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return fmt.Errorf("keyvault: key file %s has permissions %04o; it must not be accessible by group or others (chmod 600 %s)",
			path, info.Mode().Perm(), path)
	}
	return nil
}

// localKeyID derives a stable, non-secret name for a master key.
func localKeyID(masterKey []byte) string {
	sum := sha256.Sum256(append([]byte("canopy-keyvault-key-id\x00"), masterKey...))
	return "local:" + hex.EncodeToString(sum[:8])
}

type localWrapper struct {
	key []byte
	id  string
}

func (w *localWrapper) KeyID() string { return w.id }

// WrapKey encrypts dataKey with AES-256-GCM under the master key; the
// output is nonce||ciphertext.
func (w *localWrapper) WrapKey(dataKey, aad []byte) ([]byte, error) {
	gcm, err := newGCM(w.key)
	if err != nil {
		return nil, err
	}
	nonce := domain.RandomBytes(gcm.NonceSize())
	return gcm.Seal(nonce, nonce, dataKey, aad), nil
}

func (w *localWrapper) UnwrapKey(wrapped, aad []byte) ([]byte, error) {
	gcm, err := newGCM(w.key)
	if err != nil {
		return nil, err
	}
	if len(wrapped) < gcm.NonceSize()+gcm.Overhead() {
		return nil, errors.New("wrapped key too short")
	}
	key, err := gcm.Open(nil, wrapped[:gcm.NonceSize()], wrapped[gcm.NonceSize():], aad)
	if err != nil {
		return nil, errors.New("wrapped key failed authentication")
	}
	if len(key) != dataKeySize {
		return nil, fmt.Errorf("wrapped key has %d bytes, want %d", len(key), dataKeySize)
	}
	return key, nil
}
