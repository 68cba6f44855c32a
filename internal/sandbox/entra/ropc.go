package entra

import (
	"crypto/sha256"
	"crypto/subtle"
	"net/http"
	"strings"
)

// PasswordHash is how the sandbox keeps a password it was given only as a
// hash (AddUserWithPasswordHash): SHA-256 of the lower-case UPN, a zero
// byte and the password.
func PasswordHash(upn string, password []byte) [32]byte {
	h := sha256.New()
	h.Write([]byte(strings.ToLower(upn)))
	h.Write([]byte{0})
	h.Write(password)
	var out [32]byte
	copy(out[:], h.Sum(nil))
	return out
}

// AddUserWithPasswordHash creates a user (e.g. a service account) whose
// password the sandbox knows only as PasswordHash(upn, password), as
// Entra ID keeps only hashes: tests that search memory for a password
// need the sandbox not to hold it.
func (e *Entra) AddUserWithPasswordHash(tenantID, upn string, hash [32]byte) User {
	u := e.AddUser(tenantID, upn, "", false)
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.hashes == nil {
		e.hashes = map[string][32]byte{}
	}
	e.hashes[strings.ToLower(upn)] = hash
	return u
}

// passwordMatches compares a sign-in's password with the user's.
func (e *Entra) passwordMatches(u *User, password string) bool {
	if h, ok := e.hashes[strings.ToLower(u.UPN)]; ok {
		got := PasswordHash(u.UPN, []byte(password))
		return subtle.ConstantTimeCompare(got[:], h[:]) == 1
	}
	return u.Password != "" && subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) == 1
}

// passwordGrant serves grant_type=password, the resource-owner password
// credentials grant, for a confidential client: the user's password is
// checked (AADSTS50034 unknown user, AADSTS50126 wrong password) and a
// delegated token for the requested scope is issued.
func (e *Entra) passwordGrant(r *http.Request, t *Tenant, seg string) (tokenResult, *aadError) {
	f := r.PostForm
	username, password := f.Get("username"), f.Get("password")
	switch {
	case username == "":
		return nil, &aadError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'username'."}
	case password == "":
		return nil, &aadError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'password'."}
	case f.Get("scope") == "":
		return nil, &aadError{400, "invalid_request", 900144, "The request body must contain the following parameter: 'scope'."}
	}
	e.mu.Lock()
	u := e.users[strings.ToLower(username)]
	e.mu.Unlock()
	if u == nil || (t != nil && u.TenantID != t.ID) {
		return nil, &aadError{400, "invalid_grant", 50034, "The user account {EUII Hidden} does not exist in the directory. To sign into this application, the account must be added to the directory."}
	}
	tt := e.tenantByID(u.TenantID)
	app, _, fail := e.authClient(r, tt, seg)
	if fail != nil {
		return nil, fail
	}
	e.mu.Lock()
	ok := e.passwordMatches(u, password)
	e.mu.Unlock()
	if !ok {
		a := errBadPassword()
		return nil, &a
	}
	return e.userTokens(r, tt, app, strings.ToLower(u.UPN), f.Get("scope"), "")
}
