package m365analytics

import (
	"context"
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Why a chart or table has nothing (or, for names, nothing usable) to
// show.
const (
	// ReasonNotAuthorized: the tenant's admin consent is missing or was
	// revoked, or Reports.Read.All is not granted.
	ReasonNotAuthorized = "not_authorized"
	// ReasonNotCollected: the first import is pending or running.
	ReasonNotCollected = "not_collected"
	// ReasonNoActivity: imported, but nothing in the period.
	ReasonNoActivity = "no_activity"
	// ReasonNamesConcealed: the tenant's report setting conceals user
	// names; Canopy shows the hashed IDs the reports carry.
	ReasonNamesConcealed = "names_concealed"
)

// HelpConcealment and HelpConsent are the help pages (connect help
// slugs) that explain the fixes.
const (
	HelpConcealment = "m365-report-concealment"
	HelpConsent     = "m365-admin-consent"
)

// NoData says why a table is empty and how to fix it.
type NoData struct {
	Reason   string `json:"reason"`
	Message  string `json:"message"`
	FixURL   string `json:"fix_url,omitempty"`
	FixLabel string `json:"fix_label,omitempty"`
}

// Connection is a Microsoft 365 connection as the analytics name it.
type Connection struct {
	ID     string `json:"id"`
	Name   string `json:"name"`
	Tenant string `json:"tenant_id"`
}

// SyncInfo is the connection's sync in progress.
type SyncInfo struct {
	ID    string `json:"id"`
	State string `json:"state"`
	Phase string `json:"phase"`
	Done  int64  `json:"done"`
	Total int64  `json:"total"`
}

// Status is how the connection's usage import stands.
type Status struct {
	LastImportAt   *time.Time `json:"last_import_at"`
	LastAttemptAt  *time.Time `json:"last_attempt_at"`
	ReportDate     string     `json:"report_date"`
	Concealed      bool       `json:"names_concealed"`
	ErrorKind      string     `json:"error_kind,omitempty"`
	Error          string     `json:"error,omitempty"`
	ReauthorizeURL string     `json:"reauthorize_url"`
	Sync           *SyncInfo  `json:"sync,omitempty"`
}

// Service answers the analytics for people and API callers holding
// m365.read, always within their organisation.
type Service struct {
	Store *store.Store
	Costs costs.Querier
	Now   func() time.Time
}

// New returns the service over st.
func New(st *store.Store) *Service { return &Service{Store: st, Costs: st.Costs(), Now: domain.Now} }

func (s *Service) now() time.Time {
	if s.Now == nil {
		return domain.Now()
	}
	return s.Now()
}

// Connections lists the organisation's Microsoft 365 connections.
func (s *Service) Connections(ctx context.Context, p *auth.Principal) ([]Connection, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return nil, err
	}
	all, err := s.Store.ListConnections(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	var out []Connection
	for _, c := range all {
		if c.Kind == "m365" {
			out = append(out, connectionOf(c))
		}
	}
	return out, nil
}

func connectionOf(c store.Connection) Connection {
	var s struct {
		TenantID string `json:"tenant_id"`
	}
	_ = json.Unmarshal(c.Settings, &s) // validated when saved
	return Connection{ID: c.ID, Name: c.Name, Tenant: s.TenantID}
}

// scope is one request's view of a connection: its state and status.
type scope struct {
	p     *auth.Principal
	conn  store.Connection
	state *store.M365ReportState
	st    Status
}

// open checks the permission and loads the connection (of the principal's
// organisation, of kind m365) with its import state.
func (s *Service) open(ctx context.Context, p *auth.Principal, connectionID string) (*scope, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return nil, err
	}
	c, err := s.Store.GetConnection(ctx, p.Org.ID, connectionID)
	if err != nil {
		return nil, err
	}
	if c.Kind != "m365" {
		return nil, &domain.Error{Code: domain.CodeNotFound, Message: "No Microsoft 365 connection " + connectionID + "."}
	}
	sc := &scope{p: p, conn: c}
	if sc.state, err = s.Store.M365ReportState(ctx, p.Org.ID, c.ID); err != nil {
		return nil, err
	}
	sc.st.ReauthorizeURL = "/m365/analytics/reauthorize?connection=" + c.ID
	if st := sc.state; st != nil {
		at := st.LastAttemptAt
		sc.st.LastImportAt, sc.st.LastAttemptAt, sc.st.ReportDate = st.LastImportAt, &at, st.ReportDate
		sc.st.Concealed, sc.st.ErrorKind, sc.st.Error = st.Concealed, st.ErrorKind, st.LastError
	}
	y, err := s.Store.ActiveSync(ctx, p.Org.ID, c.ID)
	if err != nil {
		return nil, err
	}
	if y != nil {
		sc.st.Sync = &SyncInfo{ID: y.ID, State: y.State, Phase: y.Phase, Done: y.ProgressDone, Total: y.ProgressTotal}
	}
	return sc, nil
}

// Status returns how a connection's import stands.
func (s *Service) Status(ctx context.Context, p *auth.Principal, connectionID string) (Connection, Status, error) {
	sc, err := s.open(ctx, p, connectionID)
	if err != nil {
		return Connection{}, Status{}, err
	}
	return connectionOf(sc.conn), sc.st, nil
}

// imported reports whether usage was ever imported for the connection.
func (sc *scope) imported() bool { return sc.state != nil && sc.state.LastImportAt != nil }

// empty says why a table with nothing in it is empty: consent first (it
// needs a person to act), then a first import still to come, else no
// activity (what is says in what).
func (sc *scope) empty(what string) *NoData {
	switch {
	case sc.state != nil && sc.state.ErrorKind == "not_authorized":
		return &NoData{Reason: ReasonNotAuthorized, Message: "Canopy is not authorized to read this tenant's usage reports: " +
			sc.state.LastError, FixURL: sc.st.ReauthorizeURL, FixLabel: "Re-authorize Canopy (admin consent)"}
	case !sc.imported():
		msg := "The first import of this tenant's usage reports has not run yet."
		if y := sc.st.Sync; y != nil {
			msg = "The first import of this tenant's usage reports is " + y.State
			if y.Phase != "" {
				msg += " (" + y.Phase + ")"
			}
			msg += "."
		} else if sc.state != nil && sc.state.LastError != "" {
			msg += " The last attempt failed: " + sc.state.LastError
		}
		return &NoData{Reason: ReasonNotCollected, Message: msg + " It runs with the connection's daily sync; data appears when it has finished.",
			FixURL: "/connections/" + sc.conn.ID, FixLabel: "See the connection's syncs"}
	}
	return &NoData{Reason: ReasonNoActivity, Message: what}
}

// concealedNotice explains concealed names.
func (sc *scope) concealedNotice() *NoData {
	return &NoData{Reason: ReasonNamesConcealed, Message: "This tenant conceals user names in its usage reports: the Microsoft 365 " +
		"admin center setting \"Display concealed user, group, and site names in all reports\" (Settings > Org settings > " +
		"Services > Reports) is on, so the reports carry hashed IDs instead of names. Canopy shows those hashed IDs; a " +
		"drill-down by name is impossible until an admin clears the setting (the next daily import then has names).",
		FixURL: "/help/" + HelpConcealment, FixLabel: "How to show names in reports"}
}
