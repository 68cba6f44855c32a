// Package connect is the provider-neutral part of cloud connections: the
// connections themselves (settings, a sealed secret, a daily sync hour),
// the sync engine that runs a connection's Connector on River with
// windows, progress, checkpoints and throttling, the sync history, the
// connection doctor and the in-product help pages. The protocol adapters
// (connect/azure, connect/aws, connect/m365, connect/partnercenter) are
// wrapped in a Connector per kind and registered here.
package connect

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/store"
)

// Kind is the kind of system a connection reaches.
type Kind string

// The connection kinds.
const (
	KindAzure         Kind = "azure"
	KindAWS           Kind = "aws"
	KindM365          Kind = "m365"
	KindPartnerCenter Kind = "partnercenter"
)

// Kinds lists every kind in display order.
func Kinds() []Kind { return []Kind{KindAzure, KindAWS, KindM365, KindPartnerCenter} }

// Valid reports whether k is a known kind.
func (k Kind) Valid() bool { return slices.Contains(Kinds(), k) }

// Label is the kind's name for people.
func (k Kind) Label() string {
	switch k {
	case KindAzure:
		return "Microsoft Azure"
	case KindAWS:
		return "Amazon Web Services"
	case KindM365:
		return "Microsoft 365"
	case KindPartnerCenter:
		return "Partner Center"
	}
	return string(k)
}

// Connection is what a connector sees of a connection: never the secret,
// which Sync and Probe receive opened, separately.
type Connection = store.Connection

// Connector speaks one kind's protocol. Sync imports the run's window
// (r.From to r.To) and may be called again for the same run after a crash:
// it must resume from r's checkpoint and import through r.ImportFOCUS,
// whose source keys make a repeated import replace, not add. Probe checks,
// now, what every feature of the connection needs.
type Connector interface {
	Kind() Kind
	Sync(ctx context.Context, conn Connection, secret []byte, run *Run) error
	Probe(ctx context.Context, env Env, conn Connection, secret []byte) ([]Check, error)
}

// SettingsValidator is optionally implemented by a Connector to check a
// connection's settings JSON on create and update (errors are shown to
// the person as they are, so use domain.FieldError).
type SettingsValidator interface {
	ValidateSettings(settings []byte) error
}

// RePuller is optionally implemented by a Connector whose source revises
// more (or fewer) than DefaultRePullDays of past data.
type RePuller interface {
	RePullDays() int
}

// Check is one feature's doctor result: what it needs, whether that is
// granted right now, and the help page (slug) that fixes it.
type Check struct {
	Feature string // e.g. "Costs", "Tag write-back"
	Needs   string // e.g. "Cost Management Reader on each subscription"
	Granted bool
	Detail  string // what the probe saw
	Fix     string // a RegisterHelp slug; "" when granted
}

// Retryable marks a sync error as transient (throttling that outlasted
// the adapter's patience, a 5xx, a network failure): the sync is queued
// again and resumes from its checkpoint while attempts remain.
func Retryable(err error) error {
	if err == nil {
		return nil
	}
	return &retryableError{err}
}

type retryableError struct{ err error }

func (e *retryableError) Error() string { return e.err.Error() }
func (e *retryableError) Unwrap() error { return e.err }

// IsRetryable reports whether err was marked with Retryable.
func IsRetryable(err error) bool {
	var re *retryableError
	return errors.As(err, &re)
}

// Registry holds one Connector per kind.
type Registry struct {
	mu sync.RWMutex
	m  map[Kind]Connector
}

// NewRegistry returns an empty registry.
func NewRegistry() *Registry { return &Registry{m: map[Kind]Connector{}} }

// Register adds c, replacing an earlier connector of its kind.
func (r *Registry) Register(c Connector) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.m[c.Kind()] = c
}

// Lookup returns the connector of kind k.
func (r *Registry) Lookup(k Kind) (Connector, error) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	if c, ok := r.m[k]; ok {
		return c, nil
	}
	return nil, fmt.Errorf("no connector is installed for %s connections", k.Label())
}

// DefaultRegistry is the process's registry, which the adapters' wiring
// fills and app's Service uses.
var DefaultRegistry = NewRegistry()

// Register adds c to DefaultRegistry.
func Register(c Connector) { DefaultRegistry.Register(c) }

// Windows: billing data arrives late and is revised, so every sync
// re-pulls the last days; a first sync reaches back FirstSyncDays.
const (
	DefaultRePullDays = 3
	FirstSyncDays     = 90
)

// windowFor returns the half-open day window [from, to) of a sync starting
// at now: from the connection's last synced day minus the re-pull days
// (FirstSyncDays back for a first sync) through today.
func windowFor(c Connection, rePull int, now time.Time) (from, to time.Time) {
	today := now.UTC().Truncate(24 * time.Hour)
	to = today.AddDate(0, 0, 1)
	if c.SyncedThrough == nil {
		return today.AddDate(0, 0, -FirstSyncDays), to
	}
	lastDay := c.SyncedThrough.UTC().Truncate(24*time.Hour).AddDate(0, 0, -1)
	from = lastDay.AddDate(0, 0, -rePull)
	if from.After(today) {
		from = today
	}
	return from, to
}

func rePullDays(c Connector) int {
	if rp, ok := c.(RePuller); ok && rp.RePullDays() >= 0 {
		return rp.RePullDays()
	}
	return DefaultRePullDays
}
