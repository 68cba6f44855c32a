package graph

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// Audiences Graph accepts: the resource URI and the Graph app ID.
var audiences = []string{"https://graph.microsoft.com", "00000003-0000-0000-c000-000000000000"}

// Permissions, any one of which allows the endpoint (application roles
// and delegated scopes share these names).
var (
	permUsers         = []string{"User.Read.All", "User.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "User.ReadBasic.All"}
	permOrg           = []string{"Organization.Read.All", "Organization.ReadWrite.All", "Directory.Read.All", "Directory.ReadWrite.All", "LicenseAssignment.Read.All"}
	permGroups        = []string{"Group.Read.All", "Group.ReadWrite.All", "GroupMember.Read.All", "Directory.Read.All", "Directory.ReadWrite.All"}
	permReports       = []string{"Reports.Read.All"}
	permSettingsRead  = []string{"ReportSettings.Read.All", "ReportSettings.ReadWrite.All"}
	permSettingsWrite = []string{"ReportSettings.ReadWrite.All"}
	permSignIns       = []string{"AuditLog.Read.All"}
)

type ctxKey int

const (
	claimsKey ctxKey = iota
	requestIDKey
)

// ErrorWriter writes Graph's error format, for the sbx fault middleware.
func ErrorWriter(w http.ResponseWriter, status int, code, message string) {
	writeErrorID(w, status, code, message, newRequestID(), "")
}

// writeError writes {"error":{"code","message","innerError":{...}}} with
// the request's IDs.
func writeError(w http.ResponseWriter, r *http.Request, status int, code, message string) {
	id, _ := r.Context().Value(requestIDKey).(string)
	if id == "" {
		id = newRequestID()
	}
	writeErrorID(w, status, code, message, id, r.Header.Get("client-request-id"))
}

func writeErrorID(w http.ResponseWriter, status int, code, message, requestID, clientID string) {
	if clientID == "" {
		clientID = requestID
	}
	if status == http.StatusUnauthorized {
		w.Header().Set("WWW-Authenticate", `Bearer realm="", authorization_uri="https://login.microsoftonline.com/common/oauth2/authorize", client_id="00000003-0000-0000-c000-000000000000"`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{"error": map[string]any{
		"code": code, "message": message,
		"innerError": map[string]string{
			"date":              time.Now().UTC().Format("2006-01-02T15:04:05"),
			"request-id":        requestID,
			"client-request-id": clientID,
		},
	}})
}

func newRequestID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	h := hex.EncodeToString(b[:])
	return h[0:8] + "-" + h[8:12] + "-" + h[12:16] + "-" + h[16:20] + "-" + h[20:32]
}

// withRequestID gives every response the request-id and client-request-id
// headers Graph sends.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := newRequestID()
		client := r.Header.Get("client-request-id")
		if client == "" {
			client = id
		}
		w.Header().Set("request-id", id)
		w.Header().Set("client-request-id", client)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), requestIDKey, id)))
	})
}

// authenticated verifies the bearer token and that its tenant exists.
func (g *Graph) authenticated(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, status, code, msg := g.verify(r.Header.Get("Authorization"))
		if status != 0 {
			writeError(w, r, status, code, msg)
			return
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), claimsKey, c)))
	})
}

func (g *Graph) verify(header string) (sbx.Claims, int, string, string) {
	const invalid = "InvalidAuthenticationToken"
	raw, ok := strings.CutPrefix(header, "Bearer ")
	if !ok || strings.TrimSpace(raw) == "" {
		return nil, http.StatusUnauthorized, invalid, "Access token is empty."
	}
	c, err := g.issuer.Verify(strings.TrimSpace(raw), audiences...)
	switch {
	case errors.Is(err, sbx.ErrTokenMalformed):
		return nil, http.StatusUnauthorized, invalid, "CompactToken parsing failed with error code: 80049217"
	case errors.Is(err, sbx.ErrTokenSignature):
		return nil, http.StatusUnauthorized, invalid, "Access token validation failure."
	case errors.Is(err, sbx.ErrTokenExpired):
		return nil, http.StatusUnauthorized, invalid, "Access token has expired or is not yet valid."
	case errors.Is(err, sbx.ErrTokenAudience):
		return nil, http.StatusUnauthorized, invalid, "Access token validation failure. Invalid audience."
	case err != nil:
		return nil, http.StatusUnauthorized, invalid, "Access token validation failure."
	}
	if g.tenant(c.String("tid")) == nil {
		return nil, http.StatusUnauthorized, invalid, "Access token validation failure. Invalid tenant."
	}
	return c, 0, "", ""
}

func claimsOf(r *http.Request) sbx.Claims {
	c, _ := r.Context().Value(claimsKey).(sbx.Claims)
	return c
}

// hasAny reports whether the token grants one of perms: roles for app
// tokens, scp for delegated ones.
func hasAny(c sbx.Claims, perms []string) bool {
	granted := c.Strings("roles")
	if c.String("idtyp") != "app" {
		granted = append(granted, c.Strings("scp")...)
	}
	for _, g := range granted {
		for _, p := range perms {
			if strings.EqualFold(g, p) {
				return true
			}
		}
	}
	return false
}

// need wraps an endpoint with the version check and its permission check.
func (g *Graph) need(h func(http.ResponseWriter, *http.Request, *tenant), perms ...string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if v := r.PathValue("ver"); v != "v1.0" && v != "beta" {
			writeError(w, r, http.StatusBadRequest, "BadRequest", "Invalid version: "+v)
			return
		}
		c := claimsOf(r)
		if !hasAny(c, perms) {
			writeError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
			return
		}
		t := g.tenant(c.String("tid"))
		if t == nil {
			writeError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "Access token validation failure. Invalid tenant.")
			return
		}
		h(w, r, t)
	}
}

// budget counts an app's requests in one clock minute.
type budget struct {
	window time.Time
	used   int
}

// throttled answers 429 TooManyRequests with Retry-After once the app
// spent the tenant's per-minute budget; the budget refills at the next
// minute of the sandbox clock.
func (g *Graph) throttled(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if wait, over := g.spend(claimsOf(r)); over {
			w.Header().Set("Retry-After", fmt.Sprint(int((wait+time.Second-1)/time.Second)))
			writeError(w, r, http.StatusTooManyRequests, "TooManyRequests", "Too many requests. Please retry again later.")
			return
		}
		next.ServeHTTP(w, r)
	})
}

func (g *Graph) spend(c sbx.Claims) (time.Duration, bool) {
	now := g.clock.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	t := g.tenants[c.String("tid")]
	if t == nil || t.perMinute <= 0 {
		return 0, false
	}
	app := c.String("appid")
	if app == "" {
		app = c.String("azp")
	}
	key := t.ID + "/" + app
	b := g.throttle[key]
	window := now.Truncate(time.Minute)
	if b == nil || !b.window.Equal(window) {
		b = &budget{window: window}
		g.throttle[key] = b
	}
	if b.used >= t.perMinute {
		return window.Add(time.Minute).Sub(now), true
	}
	b.used++
	return 0, false
}

func lastSegment(p string) string {
	p = strings.TrimSuffix(p, "/")
	if i := strings.LastIndex(p, "/"); i >= 0 {
		return p[i+1:]
	}
	return p
}
