package keyvault

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
)

func openTemp(t *testing.T) (*Local, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "keys", "master.key")
	kv, err := OpenLocal(path)
	if err != nil {
		t.Fatalf("OpenLocal: %v", err)
	}
	return kv, path
}

func TestRoundTrip(t *testing.T) {
	kv, _ := openTemp(t)
	for _, plaintext := range [][]byte{nil, []byte("s"), []byte("client-secret-ÄÖÜ-✓"), bytes.Repeat([]byte{0, 1, 2}, 10000)} {
		sealed, err := kv.Seal(plaintext, []byte("org_1/conn_2/secret"))
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if len(plaintext) >= 8 && bytes.Contains(sealed, plaintext) {
			t.Fatal("sealed output contains the plaintext")
		}
		got, err := kv.Open(sealed, []byte("org_1/conn_2/secret"))
		if err != nil {
			t.Fatalf("Open: %v", err)
		}
		if !bytes.Equal(got, plaintext) {
			t.Fatalf("round trip = %q, want %q", got, plaintext)
		}
	}
}

func TestSealUsesFreshDataKeyAndNonce(t *testing.T) {
	kv, _ := openTemp(t)
	a, _ := kv.Seal([]byte("same"), nil)
	b, _ := kv.Seal([]byte("same"), nil)
	if bytes.Equal(a, b) {
		t.Fatal("two seals of the same plaintext are identical")
	}
	h1, _, _ := parseHeader(a)
	h2, _, _ := parseHeader(b)
	if bytes.Equal(h1.wrappedKey, h2.wrappedKey) {
		t.Fatal("wrapped data keys repeat")
	}
	if h1.version != formatV1 || h1.keyID != kv.KeyID() {
		t.Fatalf("header = %d %q", h1.version, h1.keyID)
	}
}

func TestTamperDetection(t *testing.T) {
	kv, _ := openTemp(t)
	sealed, err := kv.Seal([]byte("top secret"), []byte("aad"))
	if err != nil {
		t.Fatal(err)
	}
	for i := range sealed {
		bad := bytes.Clone(sealed)
		bad[i] ^= 0x01
		if _, err := kv.Open(bad, []byte("aad")); err == nil {
			t.Fatalf("flipping byte %d went unnoticed", i)
		}
	}
	for n := range len(sealed) {
		if _, err := kv.Open(sealed[:n], []byte("aad")); err == nil {
			t.Fatalf("truncation to %d bytes went unnoticed", n)
		}
	}
	bad := bytes.Clone(sealed)
	bad[len(bad)-1] ^= 0x80
	if _, err := kv.Open(bad, []byte("aad")); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("tampered ciphertext: err = %v, want ErrAuthFailed", err)
	}
	bad = bytes.Clone(sealed)
	bad[0] = 9
	if _, err := kv.Open(bad, []byte("aad")); !errors.Is(err, ErrUnsupportedVersion) {
		t.Fatalf("bad version: err = %v, want ErrUnsupportedVersion", err)
	}
}

func TestWrongAAD(t *testing.T) {
	kv, _ := openTemp(t)
	sealed, _ := kv.Seal([]byte("secret"), []byte("org_1"))
	for _, aad := range []string{"org_2", "", "org_1 "} {
		if _, err := kv.Open(sealed, []byte(aad)); !errors.Is(err, ErrAuthFailed) {
			t.Fatalf("aad %q: err = %v, want ErrAuthFailed", aad, err)
		}
	}
}

func TestWrongKey(t *testing.T) {
	kv1, _ := openTemp(t)
	kv2, _ := openTemp(t)
	sealed, _ := kv1.Seal([]byte("secret"), nil)
	_, err := kv2.Open(sealed, nil)
	if !errors.Is(err, ErrWrongKey) {
		t.Fatalf("err = %v, want ErrWrongKey", err)
	}
}

func TestTwoInstancesOnSameFileInteroperate(t *testing.T) {
	kv1, path := openTemp(t)
	kv2, err := OpenLocal(path)
	if err != nil {
		t.Fatal(err)
	}
	if kv1.KeyID() != kv2.KeyID() {
		t.Fatalf("key ids differ: %s vs %s", kv1.KeyID(), kv2.KeyID())
	}
	sealed, _ := kv1.Seal([]byte("shared"), []byte("x"))
	got, err := kv2.Open(sealed, []byte("x"))
	if err != nil || string(got) != "shared" {
		t.Fatalf("Open by second instance = %q, %v", got, err)
	}
}

func TestKeyFilePermissions(t *testing.T) {
	if runtime.GOOS == "windows" {
		t.Skip("no unix permissions on windows")
	}
	_, path := openTemp(t)
	assertMode(t, path, 0o600)
	assertMode(t, filepath.Dir(path), 0o700)
	if err := os.Chmod(path, 0o640); err != nil {
		t.Fatal(err)
	}
	_, err := OpenLocal(path)
	if err == nil || !strings.Contains(err.Error(), "chmod 600") {
		t.Fatalf("group-readable key file: err = %v", err)
	}
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	info, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := info.Mode().Perm(); got != want {
		t.Fatalf("%s mode = %04o, want %04o", path, got, want)
	}
}

func TestKeyFileWrongSize(t *testing.T) {
	path := filepath.Join(t.TempDir(), "short.key")
	if err := os.WriteFile(path, []byte("too short"), 0o600); err != nil {
		t.Fatal(err)
	}
	_, err := OpenLocal(path)
	if err == nil || !strings.Contains(err.Error(), "holds 9 bytes, want 32") {
		t.Fatalf("err = %v", err)
	}
}

func TestStringHelpers(t *testing.T) {
	kv, _ := openTemp(t)
	sealed, err := SealString(kv, "p@ss wörd", "conn_1")
	if err != nil {
		t.Fatal(err)
	}
	if strings.ContainsAny(sealed, "+/=\n") {
		t.Fatalf("sealed string %q is not base64url", sealed)
	}
	got, err := OpenString(kv, sealed, "conn_1")
	if err != nil || got != "p@ss wörd" {
		t.Fatalf("OpenString = %q, %v", got, err)
	}
	if _, err := OpenString(kv, sealed, "conn_2"); !errors.Is(err, ErrAuthFailed) {
		t.Fatalf("wrong aad: err = %v", err)
	}
	if _, err := OpenString(kv, "not base64!", "conn_1"); !errors.Is(err, ErrMalformed) {
		t.Fatalf("bad base64: err = %v", err)
	}
}

func TestNewLocalRejectsBadKey(t *testing.T) {
	if _, err := NewLocal(make([]byte, 16)); err == nil {
		t.Fatal("NewLocal accepted a 16-byte key")
	}
}

func TestConcurrentCreateSharesOneKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "new", "master.key")
	ids := make(chan string, 8)
	for range 8 {
		go func() {
			kv, err := OpenLocal(path)
			if err != nil {
				ids <- "error: " + err.Error()
				return
			}
			ids <- kv.KeyID()
		}()
	}
	first := <-ids
	for range 7 {
		if id := <-ids; id != first {
			t.Fatalf("instances disagree on the key: %s vs %s", first, id)
		}
	}
}
