package auth

import (
	"strings"
	"testing"

	"github.com/alexedwards/argon2id"

	"github.com/canopyhq/canopy/internal/domain"
)

// useFastParams makes hashing cheap for one test. Tests that call it must
// not run in parallel: the parameters are process-wide.
func useFastParams(t *testing.T) {
	t.Helper()
	t.Cleanup(SetPasswordParams(FastInsecurePasswordParams))
}

func TestDefaultPasswordParams(t *testing.T) {
	p := DefaultPasswordParams
	if p.Memory != 64*1024 || p.Iterations != 2 || p.Parallelism != 2 || p.SaltLength != 16 || p.KeyLength != 32 {
		t.Fatalf("DefaultPasswordParams = %+v", *p)
	}
	if PasswordParams() != DefaultPasswordParams {
		t.Fatal("current params are not the defaults outside tests")
	}
	// Hashing with them would cost this test ~0.2 s; the bounds check is
	// what could reject them, so check that directly.
	if err := checkParams(p); err != nil {
		t.Fatalf("DefaultPasswordParams fail our own bounds: %v", err)
	}
}

// BenchmarkHashPasswordDefault measures the login cost the defaults impose
// (go test -bench HashPasswordDefault ./internal/auth).
func BenchmarkHashPasswordDefault(b *testing.B) {
	for b.Loop() {
		if _, err := HashPasswordWith("correct horse battery staple", DefaultPasswordParams); err != nil {
			b.Fatal(err)
		}
	}
}

func TestHashAndCheckPassword(t *testing.T) {
	useFastParams(t)
	h, err := HashPassword("correct horse battery staple")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(h, "$argon2id$v=19$m=64,t=1,p=1$") {
		t.Fatalf("hash %q does not carry the current parameters", h)
	}
	h2, _ := HashPassword("correct horse battery staple")
	if h == h2 {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
	tests := []struct {
		name string
		pw   string
		want bool
	}{
		{"same", "correct horse battery staple", true},
		{"different case", "Correct horse battery staple", false},
		{"trailing space", "correct horse battery staple ", false},
		{"empty", "", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := CheckPassword(tc.pw, h)
			if err != nil || ok != tc.want || rehash {
				t.Fatalf("CheckPassword = %v, %v, %v; want %v, false, nil", ok, rehash, err, tc.want)
			}
		})
	}
}

func TestPasswordNFKC(t *testing.T) {
	useFastParams(t)
	tests := []struct{ name, stored, typed string }{
		{"composed vs decomposed accent", "caf\u00e9 au lait s'il vous pla\u00eet", "cafe\u0301 au lait s'il vous plai\u0302t"},
		{"full-width vs ASCII", "\uff21\uff22\uff23 hidden mountain lake", "ABC hidden mountain lake"},
		{"ligature vs letters", "the \ufb01nal countdown begins", "the final countdown begins"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := HashPassword(tc.stored)
			if err != nil {
				t.Fatal(err)
			}
			if ok, _, err := CheckPassword(tc.typed, h); !ok || err != nil {
				t.Fatalf("CheckPassword(%q) = %v, %v; want a match", tc.typed, ok, err)
			}
		})
	}
}

func TestCheckPasswordNeedsRehash(t *testing.T) {
	useFastParams(t)
	base := *FastInsecurePasswordParams
	tests := []struct {
		name   string
		change func(p *argon2id.Params)
		want   bool
	}{
		{"same params", func(*argon2id.Params) {}, false},
		{"less memory", func(p *argon2id.Params) { p.Memory = 32 }, true},
		{"more iterations", func(p *argon2id.Params) { p.Iterations = 2 }, true},
		{"more parallelism", func(p *argon2id.Params) { p.Parallelism = 2; p.Memory = 64 }, true},
		{"longer key", func(p *argon2id.Params) { p.KeyLength = 64 }, true},
		{"shorter salt", func(p *argon2id.Params) { p.SaltLength = 8 }, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := base
			tc.change(&p)
			h, err := HashPasswordWith("rehash me when params change", &p)
			if err != nil {
				t.Fatal(err)
			}
			ok, rehash, err := CheckPassword("rehash me when params change", h)
			if !ok || err != nil || rehash != tc.want {
				t.Fatalf("CheckPassword = %v, %v, %v; want true, %v, nil", ok, rehash, err, tc.want)
			}
			// A wrong password never asks for a rehash: there is nothing to
			// rehash with.
			if ok, rehash, _ := CheckPassword("wrong password entirely", h); ok || rehash {
				t.Fatalf("wrong password: ok=%v rehash=%v", ok, rehash)
			}
		})
	}
}

func TestSetPasswordParamsRestores(t *testing.T) {
	restore := SetPasswordParams(FastInsecurePasswordParams)
	if PasswordParams() != FastInsecurePasswordParams {
		t.Fatal("SetPasswordParams did not install the params")
	}
	h, err := HashPassword("made with cheap params here")
	if err != nil {
		t.Fatal(err)
	}
	restore()
	if PasswordParams() != DefaultPasswordParams {
		t.Fatal("restore did not bring the defaults back")
	}
	// With the defaults current, a cheap hash must ask to be upgraded.
	ok, rehash, err := CheckPassword("made with cheap params here", h)
	if !ok || !rehash || err != nil {
		t.Fatalf("CheckPassword = %v, %v, %v; want true, true, nil", ok, rehash, err)
	}
}

func TestCheckPasswordMalformedHash(t *testing.T) {
	tests := []struct{ name, hash string }{
		{"empty", ""},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy"},
		{"argon2i", "$argon2i$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$c29tZWtleXNvbWVrZXlzb21la2V5c29tZWtleQ"},
		{"zero parallelism", "$argon2id$v=19$m=64,t=1,p=0$c29tZXNhbHRzb21lc2FsdA$c29tZWtleXNvbWVrZXlzb21la2V5c29tZWtleQ"},
		{"zero iterations", "$argon2id$v=19$m=64,t=0,p=1$c29tZXNhbHRzb21lc2FsdA$c29tZWtleXNvbWVrZXlzb21la2V5c29tZWtleQ"},
		{"absurd memory", "$argon2id$v=19$m=4194304,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$c29tZWtleXNvbWVrZXlzb21la2V5c29tZWtleQ"},
		{"short key", "$argon2id$v=19$m=64,t=1,p=1$c29tZXNhbHRzb21lc2FsdA$c2hvcnQ"},
		{"bad base64", "$argon2id$v=19$m=64,t=1,p=1$!!!$!!!"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ok, rehash, err := CheckPassword("whatever password here", tc.hash)
			if err == nil || ok || rehash {
				t.Fatalf("CheckPassword = %v, %v, %v; want false, false, error", ok, rehash, err)
			}
		})
	}
}

func TestHashPasswordWithRejectsBadParams(t *testing.T) {
	for _, p := range []*argon2id.Params{
		nil,
		{Memory: 64, Iterations: 1, Parallelism: 0, SaltLength: 16, KeyLength: 32},
		{Memory: 4, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 32},
		{Memory: 64, Iterations: 1, Parallelism: 1, SaltLength: 16, KeyLength: 4},
	} {
		if _, err := HashPasswordWith("a perfectly fine password", p); err == nil {
			t.Errorf("HashPasswordWith(%+v) succeeded", p)
		}
	}
}

func TestValidateNewPassword(t *testing.T) {
	tests := []struct {
		name    string
		pw      string
		context []string
		wantMsg string // substring of the message; "" means valid
	}{
		{"passphrase", "correct horse battery staple", nil, ""},
		{"exactly minimum", "Xq7#mountain!Lk", nil, ""},
		{"unicode words", "Grüße aus Köln am Rhein", nil, ""},
		{"cjk", "我的密码是一个很长的句子哦哈哈", nil, ""},
		{"spaces allowed", "  tall   grass   waves  ", nil, ""},
		{"maximum length", strings.Repeat("Zebra crossing at 7! ", 12) + "Wind", nil, ""},
		{"short context word ignored", "bob builds a very tall house", []string{"bob@example.com"}, ""},
		{"empty", "", nil, "at least 15 characters long (it has 0)"},
		{"fourteen", "Xq7#mountainLk", nil, "at least 15 characters long (it has 14)"},
		{"counted after NFKC", "Ame\u0301lie's cafe\u0301", nil, "(it has 13)"},
		{"too long", strings.Repeat("x", 257), nil, "at most 256 characters long (it has 257)"},
		{"listed exactly", "1qaz2wsx3edc4rfv", nil, "common or breached"},
		{"listed, upper case", "PASSWORDPASSWORD", nil, "common or breached"},
		{"listed word padded", "Password1234567!", nil, "common or breached"},
		{"listed word leet and padded", "P@ssw0rd12345678", nil, "common or breached"},
		{"listed word padded front", "!!!!!!!sunshine!", nil, "common or breached"},
		{"one character", "aaaaaaaaaaaaaaaa", nil, "repetitive"},
		{"digits", "1234567890123456", nil, "repetitive"},
		{"alphabet", "abcdefghijklmnop", nil, "repetitive"},
		{"keyboard row", "qwertyuiopasdfgh", nil, "repetitive"},
		{"alphabet backwards", "zyxwvutsrqponmlk", nil, "repetitive"},
		{"short unit repeated", "abcabcabcabcabcabc", nil, "repetitive"},
		{"mixed unit repeated", "Ab1!Ab1!Ab1!Ab1!", nil, "repetitive"},
		{"few runs", "1234abcd5678efgh", nil, "repetitive"},
		{"product name", "my canopy password is great", nil, `must not contain "canopy"`},
		{"product name leet", "c4n0py rules the forest floor", nil, `must not contain "canopy"`},
		{"email local part", "Jane.Doe likes long walks", []string{"jane.doe@example.com"}, `must not contain "jane.doe"`},
		{"email part", "JANE likes long walks on sand", []string{"jane.doe@example.com"}, `must not contain "jane"`},
		{"plain context word", "welcome to acmecorp finance", []string{"AcmeCorp"}, `must not contain "acmecorp"`},
		{"invalid utf8", "valid prefix then \xff\xfe junk", nil, "not valid text"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := ValidateNewPassword(tc.pw, tc.context...)
			if tc.wantMsg == "" {
				if err != nil {
					t.Fatalf("ValidateNewPassword(%q) = %v; want nil", tc.pw, err)
				}
				return
			}
			if err == nil {
				t.Fatalf("ValidateNewPassword(%q) = nil; want %q", tc.pw, tc.wantMsg)
			}
			if domain.ErrorCode(err) != domain.CodeInvalid || domain.ErrorField(err) != "password" {
				t.Fatalf("error %#v: want code invalid, field password", err)
			}
			if msg := domain.ErrorMessage(err); !strings.Contains(msg, tc.wantMsg) {
				t.Fatalf("message %q does not contain %q", msg, tc.wantMsg)
			}
		})
	}
}

func TestValidateNewPasswordNeverEchoesPassword(t *testing.T) {
	for _, pw := range []string{"short-secret", "Password1234567!", "qwertyuiopasdfgh", strings.Repeat("s3cr3t", 50)} {
		if err := ValidateNewPassword(pw); err == nil || strings.Contains(err.Error(), pw) {
			t.Errorf("ValidateNewPassword(%q) = %v: want an error that does not repeat the password", pw, err)
		}
	}
}

func TestContextTerms(t *testing.T) {
	got := contextTerms([]string{"Mary-Ann.Smith+canopy@Example.com", "ab", "  Acme  "})
	want := []string{"canopy", "mary-ann.smith+canopy", "mary", "smith", "canopy", "acme"}
	if strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("contextTerms = %q; want %q", got, want)
	}
}
