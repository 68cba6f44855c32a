package web

import (
	"context"
	"encoding/gob"
	"errors"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/alexedwards/scs/v2"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/imports"
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/shed"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/svcaccount"
)

// Session keys.
const (
	keyUserID     = "uid"         // signed in
	keyOrgID      = "oid"         // current organisation
	keyPendingUID = "pending_uid" // password checked, second factor due
	keyPendingAt  = "pending_at"
	keyNext       = "next"
	keyMFASecret  = "mfa_secret" // sealed TOTP secret during enrolment
	keyFlash      = "flash"
	keySeenAt     = "seen_at"
)

// pendingTTL bounds the time between password and second factor.
const pendingTTL = 5 * time.Minute

// Server serves the browser UI.
type Server struct {
	Auth  *auth.Service
	FX    *fx.Service    // nil: one over Auth.Store
	Spend *spend.Service // nil: one over Auth.Store
	// Heavy bounds the routes that scan cost data (Route.Heavy), shared
	// with the API; nil does not limit.
	Heavy   *shed.Limiter
	Imports *imports.Service
	// Connections serves the Connections pages (nil: those pages fail).
	Connections *connect.Service
	// Allocation serves the Allocation pages and the explorer's custom
	// groups (nil: one over Auth.Store).
	Allocation *allocation.Service
	// Recommendations serves the Recommendations pages (nil: one over
	// Auth.Store).
	Recommendations *recommend.Service
	Sessions        *scs.SessionManager
	R               *Renderer
	Log             *slog.Logger

	// Alerts serves the alert inbox and rules (nil: one over Auth.Store).
	Alerts *alerts.Service

	// TagSync serves tag write-back and the conflicts inbox (nil: one
	// over Auth.Store and Connections' jobs).
	TagSync *inventory.TagSync
	// Inventory serves the resource list (the app's, whose cost question goes
	// through the explorer's cache); nil builds a plain one per request.
	Inventory *inventory.Service
	// Chargebacks serves the Chargebacks pages (nil: one over Auth.Store
	// that sends no e-mail).
	Chargebacks *chargeback.Service
	// Budgets and Notify serve the Budgets pages and Settings → Webhooks
	// (nil: ones over Auth.Store that cannot queue notifications).
	Budgets *budgets.Service
	Notify  *notify.Service
	// Marketplace serves the Marketplace pages (nil: one over Auth.Store
	// whose orders are all fulfilled by hand).
	Marketplace *marketplace.Service
	// Delegation serves Microsoft 365 → Delegation (nil: one over
	// Auth.Store that cannot reach tenants). Share the API's: executions
	// of one connection are serialised per service.
	Delegation *delegation.Service
	// ServiceAccounts serves a Microsoft 365 connection's service account
	// (nil: one over Auth.Store without a collector key, whose form says
	// so). It holds only the collector's public key and never decrypts.
	ServiceAccounts *svcaccount.Service
}

// NewSessionManager returns the session manager over the database store:
// every process sharing the database shares sessions.
func NewSessionManager(s *store.Store, idle, lifetime time.Duration, secure bool) *scs.SessionManager {
	// scs encodes session values with gob, which must know concrete types
	// stored behind interface{}.
	gob.Register(time.Time{})
	sm := scs.New()
	sm.Store = s.Sessions()
	sm.IdleTimeout = idle
	sm.Lifetime = lifetime
	sm.Cookie.Name = "canopy_session"
	sm.Cookie.HttpOnly = true
	sm.Cookie.Secure = secure
	sm.Cookie.SameSite = http.SameSiteLaxMode
	sm.Cookie.Path = "/"
	return sm
}

type ctxKey int

const principalKey ctxKey = 1

func principalFrom(ctx context.Context) *auth.Principal {
	p, _ := ctx.Value(principalKey).(*auth.Principal)
	return p
}

// who is the anonymous actor of a request.
func who(r *http.Request) audit.Actor {
	return audit.Actor{IP: audit.ClientIP(r), UserAgent: r.UserAgent()}
}

// actor is the signed-in actor of a request.
func actor(r *http.Request) audit.Actor {
	return principalFrom(r.Context()).Actor(audit.ClientIP(r), r.UserAgent())
}

// layout builds the shared page frame for a signed-in request.
func (s *Server) layout(r *http.Request, active string) Layout {
	p := principalFrom(r.Context())
	l := Layout{Active: active, Can: map[string]bool{}}
	if p == nil {
		return l
	}
	l.CurrentUser = &UserView{ID: p.User.ID, Name: p.User.Name, Email: p.User.Email}
	l.CurrentOrg = &OrgView{ID: p.Org.ID, Name: p.Org.Name}
	for _, perm := range p.Perms.List() {
		l.Can[string(perm)] = true
	}
	if orgs, err := s.Auth.ListOrgs(r.Context(), p.User.ID); err == nil {
		for _, o := range orgs {
			l.Orgs = append(l.Orgs, OrgView{ID: o.ID, Name: o.Name})
		}
	}
	if msg, ok := s.Sessions.Pop(r.Context(), keyFlash).(string); ok && msg != "" {
		kind, text, _ := strings.Cut(msg, ":")
		l.Flash = &Flash{Kind: kind, Message: text}
	}
	return l
}

func (s *Server) flash(r *http.Request, kind, msg string) {
	s.Sessions.Put(r.Context(), keyFlash, kind+":"+msg)
}

// fail renders the error page for err with its status.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	status := domain.HTTPStatus(err)
	if status >= 500 && store.Unavailable(err) {
		// The database is restarting or unreachable: come back, as when shed.
		s.Log.WarnContext(r.Context(), "request: database unavailable", "path", r.URL.Path, "err", err)
		err = store.ErrDatabaseUnavailable
		status = domain.HTTPStatus(err)
	}
	busy := domain.ErrorCode(err) == domain.CodeUnavailable // shed: nothing failed
	if busy {
		w.Header().Set("Retry-After", shed.RetryAfterHeader())
	} else if status >= 500 {
		s.Log.ErrorContext(r.Context(), "request failed", "path", r.URL.Path, "err", err)
	}
	p := NewErrorPage(status)
	if busy || (status < 500 && status != http.StatusNotFound && status != http.StatusForbidden) {
		p.Message = domain.ErrorMessage(err)
	}
	if err == store.ErrDatabaseUnavailable {
		p.Title = "Canopy cannot reach its database"
	}
	title := p.Title
	p.Layout = s.layout(r, "")
	p.Title = title
	s.R.Render(w, status, p)
}

// safeNext keeps post-sign-in redirects on this site.
func safeNext(next string) string {
	u, err := url.Parse(next)
	if next == "" || err != nil || u.IsAbs() || u.Host != "" || !strings.HasPrefix(next, "/") ||
		strings.HasPrefix(next, "//") || strings.HasPrefix(next, "/\\") {
		return "/"
	}
	return next
}

func redirect(w http.ResponseWriter, r *http.Request, to string) {
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// parseForm limits and parses a form body.
func parseForm(w http.ResponseWriter, r *http.Request) error {
	r.Body = http.MaxBytesReader(w, r.Body, 64<<10)
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return &domain.Error{Code: domain.CodeTooLarge, Message: "The form is too large."}
		}
		return &domain.Error{Code: domain.CodeInvalid, Message: "The form could not be read."}
	}
	return nil
}

// renderBuilt renders the page build makes for a request, or the error
// page when it cannot be built.
func renderBuilt[P Page](s *Server, w http.ResponseWriter, r *http.Request, build func(*http.Request) (P, error)) {
	page, err := build(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}
