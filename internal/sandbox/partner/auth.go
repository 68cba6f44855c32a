package partner

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// Audiences Partner Center accepts: its resource URI and its app ID.
var audiences = []string{"https://api.partnercenter.microsoft.com", "fa3d9a0c-3fb0-42cc-9193-47c7ecd2edbd"}

type ctxKey int

const accountKey ctxKey = 0

// ErrorWriter writes Partner Center's error format, for the sbx fault
// middleware.
func ErrorWriter(w http.ResponseWriter, status int, code, message string) {
	writeErrorBody(w, status, code, message, code)
}

// writeError writes {"code","description","errorName","data","source"}.
func writeError(w http.ResponseWriter, _ *http.Request, status int, code, description, errorName string) {
	writeErrorBody(w, status, code, description, errorName)
}

func writeErrorBody(w http.ResponseWriter, status int, code, description, errorName string) {
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer error="invalid_token"`)
	}
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"code": code, "description": description, "errorName": errorName, "data": []any{}, "source": "PartnerFD",
	})
}

func writeJSON(w http.ResponseWriter, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	_ = json.NewEncoder(w).Encode(v)
}

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// withTracking echoes MS-CorrelationId and MS-RequestId (or makes them)
// and sets MS-CV, as every Partner Center response has them.
func withTracking(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for _, h := range []string{"MS-CorrelationId", "MS-RequestId"} {
			v := r.Header.Get(h)
			if v == "" {
				v = newID()
			}
			w.Header().Set(h, v)
		}
		cv := r.Header.Get("MS-CV")
		if cv == "" {
			cv = newID()[:16] + ".0"
		}
		w.Header().Set("MS-CV", cv)
		next.ServeHTTP(w, r)
	})
}

// authed checks the bearer token (Partner Center audience, not expired,
// signed by the issuer) and that its tenant is a partner.
func (p *Partner) authed(h func(http.ResponseWriter, *http.Request, *account)) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		raw, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		if !ok || strings.TrimSpace(raw) == "" {
			writeError(w, r, http.StatusUnauthorized, "900401", "Authorization header is missing or is not a bearer token.", "Unauthorized")
			return
		}
		c, err := p.issuer.Verify(strings.TrimSpace(raw), audiences...)
		if err != nil {
			writeError(w, r, http.StatusUnauthorized, "900420", tokenProblem(err, c), "InvalidToken")
			return
		}
		a := p.account(c.String("tid"))
		if a == nil {
			writeError(w, r, http.StatusForbidden, "900403", "The tenant '"+c.String("tid")+"' is not a Partner Center partner tenant.", "Forbidden")
			return
		}
		h(w, r.WithContext(context.WithValue(r.Context(), accountKey, a)), a)
	}
}

func tokenProblem(err error, c sbx.Claims) string {
	switch {
	case errors.Is(err, sbx.ErrTokenExpired):
		return "Invalid Token: the token has expired."
	case errors.Is(err, sbx.ErrTokenAudience):
		return "The audience '" + c.String("aud") + "' in the token is invalid and is not supported in Partner Center API."
	case errors.Is(err, sbx.ErrTokenSignature):
		return "Invalid Token: the signature is invalid."
	}
	return "Invalid Token: the token is malformed."
}
