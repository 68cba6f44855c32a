package auth

import (
	"regexp"
	"testing"
)

func TestNewSecretToken(t *testing.T) {
	for _, prefix := range []string{TokenPrefixAPI, TokenPrefixReset, TokenPrefixInvitation} {
		t.Run(prefix, func(t *testing.T) {
			plain, hash := NewSecretToken(prefix)
			// 32 bytes = 256 bits = 52 base32 characters without padding.
			re := regexp.MustCompile(`^` + prefix + `[a-z2-7]{52}$`)
			if !re.MatchString(plain) {
				t.Fatalf("token %q does not match %s", plain, re)
			}
			if hash != HashSecretToken(plain) || len(hash) != 64 {
				t.Fatalf("hash %q is not HashSecretToken(plain)", hash)
			}
			other, otherHash := NewSecretToken(prefix)
			if other == plain || otherHash == hash {
				t.Fatal("two tokens are equal")
			}
		})
	}
	// The prefixes are part of the public token format; changing one breaks
	// every token already handed out.
	if TokenPrefixAPI != "cnp_" || TokenPrefixReset != "rst_" || TokenPrefixInvitation != "inv_" {
		t.Fatal("token prefixes changed")
	}
}

func TestHashSecretToken(t *testing.T) {
	// sha256 of the whole token, computed independently.
	const want = "92a3b46c0146f20c60722e482db14ee5214619fe57c57b8ad7b3b8a1e36439cc"
	if got := HashSecretToken("cnp_abcdefghijklmnopqrstuvwxyz234567"); got != want {
		t.Fatalf("HashSecretToken = %s; want %s", got, want)
	}
	if HashSecretToken("rst_abcdefghijklmnopqrstuvwxyz234567") == want {
		t.Fatal("the prefix does not take part in the hash")
	}
}

func TestTokenDisplayPrefix(t *testing.T) {
	tests := []struct{ in, want string }{
		{"cnp_abcdefgh2345", "abcdefgh"},
		{"rst_k7m2x9qp4hzt", "k7m2x9qp"},
		{"cnp_abc", "abc"},
		{"cnp_", ""},
		{"noprefixtoken", "noprefix"},
		{"", ""},
	}
	for _, tc := range tests {
		if got := TokenDisplayPrefix(tc.in); got != tc.want {
			t.Errorf("TokenDisplayPrefix(%q) = %q; want %q", tc.in, got, tc.want)
		}
	}
	plain, _ := NewSecretToken(TokenPrefixAPI)
	if got := TokenDisplayPrefix(plain); got != plain[4:12] {
		t.Fatalf("TokenDisplayPrefix(%q) = %q", plain, got)
	}
}
