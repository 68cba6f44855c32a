package app

import (
	"bufio"
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/sandbox/entra"
)

// maskedSecret is a password the test process never holds in clear: only
// mask and masked (mask XOR password), both random-looking. Each
// character is unmasked on its own when it is typed or compared, so a
// search of this process's memory cannot find the test's own copy.
type maskedSecret struct {
	mask, masked []byte
}

const secretAlphabet = "ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz23456789"

func newMaskedSecret(n int) maskedSecret {
	s := maskedSecret{mask: make([]byte, n), masked: make([]byte, n)}
	_, _ = rand.Read(s.mask)
	idx := make([]byte, n)
	_, _ = rand.Read(idx)
	for i := range n {
		s.masked[i] = secretAlphabet[int(idx[i])%len(secretAlphabet)] ^ s.mask[i]
	}
	clear(idx)
	return s
}

func (s maskedSecret) len() int      { return len(s.mask) }
func (s maskedSecret) at(i int) byte { return s.masked[i] ^ s.mask[i] }

// hash is the polynomial hash (mod 2^64) of the password, computed a
// character at a time.
func (s maskedSecret) hash() uint64 {
	var h uint64
	for i := range s.len() {
		h = h*rollBase + uint64(s.at(i))
	}
	return h
}

const rollBase = 1099511628211

// foundIn reports whether data contains the password (Rabin-Karp: a
// rolling hash, each hit confirmed character by character).
func (s maskedSecret) foundIn(data []byte) bool {
	n := s.len()
	if len(data) < n {
		return false
	}
	want, pow := s.hash(), uint64(1)
	for range n - 1 {
		pow *= rollBase
	}
	var h uint64
	for i := range n {
		h = h*rollBase + uint64(data[i])
	}
	for j := 0; ; j++ {
		if h == want && s.equalAt(data, j) {
			return true
		}
		if j+n >= len(data) {
			return false
		}
		h = (h-uint64(data[j])*pow)*rollBase + uint64(data[j+n])
	}
}

func (s maskedSecret) equalAt(data []byte, j int) bool {
	for i := range s.len() {
		if data[j+i] != s.at(i) {
			return false
		}
	}
	return true
}

// sandboxHash is entra.PasswordHash(upn, password) fed a character at a
// time; the hasher's buffer (which held the characters) is overwritten.
func (s maskedSecret) sandboxHash(upn string) [32]byte {
	h := sha256.New()
	h.Write([]byte(strings.ToLower(upn)))
	h.Write([]byte{0})
	var one [1]byte
	for i := range s.len() {
		one[0] = s.at(i)
		h.Write(one[:])
	}
	var out [32]byte
	copy(out[:], h.Sum(nil))
	h.Reset()
	h.Write(make([]byte, sha256.BlockSize-1)) // lands in the buffer, over the characters
	one[0] = 0
	return out
}

// processMemoryHas scans every readable mapping of this process (as a
// core dump would hold it, freed heap included) for the secret.
func processMemoryHas(t *testing.T, s maskedSecret, control []byte) (secret, ctl bool) {
	t.Helper()
	maps, err := os.Open("/proc/self/maps")
	if err != nil {
		t.Skipf("no /proc/self/maps: %v", err)
	}
	defer maps.Close()
	mem, err := os.Open("/proc/self/mem")
	if err != nil {
		t.Fatalf("open /proc/self/mem: %v", err)
	}
	defer mem.Close()
	var ranges [][2]uint64
	sc := bufio.NewScanner(maps)
	for sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) < 2 || f[1][0] != 'r' || (len(f) >= 6 && strings.HasPrefix(f[5], "[v")) {
			continue // unreadable, [vvar], [vsyscall]
		}
		lo, hi, _ := strings.Cut(f[0], "-")
		a, _ := strconv.ParseUint(lo, 16, 64)
		b, _ := strconv.ParseUint(hi, 16, 64)
		ranges = append(ranges, [2]uint64{a, b})
	}
	buf := make([]byte, 4<<20)
	overlap := s.len() + len(control)
	for _, r := range ranges {
		var carry []byte
		for off := r[0]; off < r[1]; {
			n := min(uint64(len(buf)), r[1]-off)
			got, err := mem.ReadAt(buf[:n], int64(off))
			if got == 0 && err != nil && err != io.EOF {
				break // a guard page or the like
			}
			chunk := append(carry, buf[:got]...)
			secret = secret || s.foundIn(chunk)
			ctl = ctl || bytes.Contains(chunk, control)
			if len(chunk) > overlap {
				carry = append([]byte(nil), chunk[len(chunk)-overlap:]...)
			}
			off += uint64(got)
		}
	}
	clear(buf)
	return secret, ctl
}

// The search finds a secret where it is (whole, across any position) and
// nowhere else: the browser test's "not found" can be trusted.
func TestMaskedSecretSearch(t *testing.T) {
	s := newMaskedSecret(24)
	plain := make([]byte, s.len())
	for i := range plain {
		plain[i] = s.at(i)
	}
	for _, pad := range []int{0, 1, 63, 4097} {
		data := append(append(bytes.Repeat([]byte{'x'}, pad), plain...), 'y')
		if !s.foundIn(data) {
			t.Fatalf("not found after %d bytes", pad)
		}
		data[pad+5] ^= 1
		if s.foundIn(data) {
			t.Fatalf("found with one byte changed (pad %d)", pad)
		}
	}
	if s.foundIn(plain[:s.len()-1]) {
		t.Fatal("found a prefix")
	}
	if s.hash() == 0 || fmt.Sprint(s.sandboxHash("a@b.c")) == fmt.Sprint([32]byte{}) {
		t.Fatal("degenerate hash")
	}
	if got := entra.PasswordHash("A@b.c", plain); got != s.sandboxHash("a@B.c") {
		t.Fatal("sandboxHash differs from entra.PasswordHash's formula")
	}
	clear(plain)
}
