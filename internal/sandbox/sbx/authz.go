package sbx

import (
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"net/http"
)

// AuthError is a refused request: the HTTP status and the service's error
// code and message (ARM: 401 InvalidAuthenticationToken,
// 401 ExpiredAuthenticationToken, 403 AuthorizationFailed ...).
type AuthError struct {
	Status  int
	Code    string
	Message string
}

func (e *AuthError) Error() string { return e.Code + ": " + e.Message }

// Authorizer authenticates a request's bearer token and authorizes an Azure
// RBAC action at a scope. Package arm implements it from its role
// assignments; services on the ARM host that are not part of package arm
// (Cost Management, reservations, Advisor) call it instead of keeping roles
// of their own.
type Authorizer interface {
	// Check returns the token's claims when the caller may perform action
	// (e.g. "Microsoft.CostManagement/query/read") at scope (e.g.
	// "/subscriptions/{id}"), or the error to answer with.
	Check(r *http.Request, scope, action string) (Claims, *AuthError)
}

// WriteARMError writes an error in ARM's format:
// {"error":{"code":"...","message":"..."}}.
func WriteARMError(w http.ResponseWriter, status int, code, message string) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer authorization_uri="https://login.microsoftonline.com/common", error="invalid_token", error_description="`+code+`"`)
	}
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]string{"code": code, "message": message}})
}

// UUID returns a deterministic UUID (version 4 layout) for seed and parts,
// so that every service derives the same tenant, subscription and object
// IDs from the same seed.
func UUID(seed int64, parts ...string) string {
	h := sha256.New()
	fmt.Fprintf(h, "%d", seed)
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	b := h.Sum(nil)[:16]
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}
