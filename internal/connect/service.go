package connect

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

// DefaultSyncHour is the UTC hour a new connection syncs at.
const DefaultSyncHour = 3

// maxSettings bounds a connection's settings JSON.
const maxSettings = 64 << 10

// Service holds the rules of connections, their syncs and the doctor.
type Service struct {
	Store      *store.Store
	Costs      costs.Store
	Vault      keyvault.KeyVault
	Jobs       *jobs.Runner // set before syncs are queued
	Connectors *Registry
	Log        *slog.Logger
	// Now is the clock of the scheduler and sync windows (tests move it).
	Now func() time.Time
	// Env is the installation's cloud identities and endpoints, which
	// connectors read through Service.Env (set before syncs run).
	Env Env
	// AfterSync, when set, runs after a sync succeeded or ended partial
	// (the resource inventory refreshes from the new cost data); it logs
	// its own failures.
	AfterSync func(ctx context.Context, orgID string)
	// AfterConnectionSync, when set, runs after AfterSync with the
	// connection that synced (Microsoft 365 automatic remediation).
	AfterConnectionSync func(ctx context.Context, c Connection)
	// StaleAfter is how long a running sync may go without a heartbeat
	// before it counts as abandoned; 0 means DefaultStaleAfter.
	StaleAfter time.Duration
	// Sleep, when set, waits out the runs' token buckets and pauses
	// instead of a timer, and the buckets then count time by Now: a test
	// whose Sleep moves that clock sees the waits without spending them.
	// Nil: real time and timers.
	Sleep func(ctx context.Context, d time.Duration) error
}

// New returns the service over st using DefaultRegistry's connectors.
func New(st *store.Store, vault keyvault.KeyVault, runner *jobs.Runner, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{Store: st, Costs: st.Costs(), Vault: vault, Jobs: runner, Connectors: DefaultRegistry, Log: log, Now: domain.Now}
}

// Input is a connection's editable fields. On update, nil fields and an
// empty Secret keep their value ("leave empty to keep").
type Input struct {
	Kind     Kind            // create only
	Name     *string         //
	Settings json.RawMessage // a JSON object of non-secret values
	Secret   []byte          // the credential; empty keeps (or has none)
	SyncHour *int            // 0-23 UTC
	Enabled  *bool
}

// List returns the organisation's connections.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]Connection, error) {
	if err := p.Require(auth.PermConnectionsRead); err != nil {
		return nil, err
	}
	return s.Store.ListConnections(ctx, p.Org.ID)
}

// Get returns one connection of the organisation.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Connection, error) {
	if err := p.Require(auth.PermConnectionsRead); err != nil {
		return Connection{}, err
	}
	return s.Store.GetConnection(ctx, p.Org.ID, id)
}

// Create adds a connection and audits it (without its secret).
func (s *Service) Create(ctx context.Context, p *auth.Principal, who audit.Actor, in Input) (Connection, error) {
	if err := p.Require(auth.PermConnectionsManage); err != nil {
		return Connection{}, err
	}
	if !in.Kind.Valid() {
		return Connection{}, domain.FieldError("kind", "Choose azure, aws, m365 or partnercenter.")
	}
	c := Connection{ID: domain.NewID(store.PrefixConnection), OrgID: p.Org.ID, Kind: string(in.Kind),
		Settings: []byte("{}"), SyncHour: DefaultSyncHour, Enabled: true}
	if in.Name == nil {
		return c, domain.FieldError("name", "Name the connection.")
	}
	if err := s.apply(&c, in); err != nil {
		return Connection{}, err
	}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.CreateConnection(ctx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, s.entry(c, "connection.create", changedFields(in)))
	})
	return c, err
}

// Update changes a connection's fields and audits which changed.
func (s *Service) Update(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in Input) (Connection, error) {
	if err := p.Require(auth.PermConnectionsManage); err != nil {
		return Connection{}, err
	}
	var c Connection
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if c, err = tx.GetConnection(ctx, p.Org.ID, id); err != nil {
			return err
		}
		if err = s.apply(&c, in); err != nil {
			return err
		}
		if err = tx.UpdateConnection(ctx, c); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, s.entry(c, "connection.update", changedFields(in)))
	})
	return c, err
}

// Delete removes a connection, its history and doctor results; the costs
// it imported stay.
func (s *Service) Delete(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermConnectionsManage); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		c, err := tx.GetConnection(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteConnection(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, s.entry(c, "connection.delete", nil))
	})
}

func (s *Service) entry(c Connection, action string, changed []string) audit.Entry {
	d := map[string]any{"kind": c.Kind, "name": c.Name}
	if changed != nil {
		d["changed"] = changed
	}
	return audit.Entry{OrgID: c.OrgID, Action: action, TargetType: "connection", TargetID: c.ID, Details: d}
}

// changedFields names the fields an input sets; the secret by name only.
func changedFields(in Input) []string {
	var out []string
	for _, f := range []struct {
		name string
		set  bool
	}{{"name", in.Name != nil}, {"settings", in.Settings != nil}, {"secret", len(in.Secret) > 0},
		{"sync_hour", in.SyncHour != nil}, {"enabled", in.Enabled != nil}} {
		if f.set {
			out = append(out, f.name)
		}
	}
	return out
}

// apply validates in and writes it onto c, sealing the secret.
func (s *Service) apply(c *Connection, in Input) error {
	if in.Name != nil {
		name := strings.TrimSpace(*in.Name)
		if name == "" || utf8.RuneCountInString(name) > 100 || !utf8.ValidString(name) {
			return domain.FieldError("name", "Name the connection in 1 to 100 characters.")
		}
		c.Name = name
	}
	if in.SyncHour != nil {
		if *in.SyncHour < 0 || *in.SyncHour > 23 {
			return domain.FieldError("sync_hour", "The sync hour is a whole hour from 0 to 23 (UTC).")
		}
		c.SyncHour = *in.SyncHour
	}
	if in.Enabled != nil {
		c.Enabled = *in.Enabled
	}
	if in.Settings != nil {
		if err := s.validSettings(Kind(c.Kind), in.Settings); err != nil {
			return err
		}
		c.Settings = compactJSON(in.Settings)
	}
	if len(in.Secret) > 0 {
		sealed, err := s.Vault.Seal(in.Secret, secretAAD(c.ID))
		if err != nil {
			return err
		}
		c.Secret = sealed
	}
	return nil
}

func (s *Service) validSettings(k Kind, settings []byte) error {
	var obj map[string]any
	if len(settings) > maxSettings || json.Unmarshal(settings, &obj) != nil || obj == nil {
		return domain.FieldError("settings", "Settings must be a JSON object of at most 64 KiB.")
	}
	if c, err := s.Connectors.Lookup(k); err == nil {
		if v, ok := c.(SettingsValidator); ok {
			return v.ValidateSettings(settings)
		}
	}
	return nil
}

func compactJSON(b []byte) []byte {
	var buf bytes.Buffer
	if json.Compact(&buf, b) != nil {
		return b
	}
	return buf.Bytes()
}

// secretAAD binds a sealed secret to its connection: it cannot be copied
// onto another row.
func secretAAD(connectionID string) []byte { return []byte("connection-secret:" + connectionID) }

// openSecret returns a connection's plaintext credential (nil if none).
func (s *Service) openSecret(c Connection) ([]byte, error) {
	if len(c.Secret) == 0 {
		return nil, nil
	}
	return s.Vault.Open(c.Secret, secretAAD(c.ID))
}
