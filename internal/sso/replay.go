package sso

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/sso/saml"
	"github.com/canopyhq/canopy/internal/store"
)

// ReplayCache is the SAML replay cache of one connection kept in the
// database (table sso_replay), so every node refuses an assertion that any
// node has accepted before.
type ReplayCache struct {
	Store               *store.Store
	OrgID, ConnectionID string
}

var _ saml.ReplayCache = ReplayCache{}

// Seen implements saml.ReplayCache with one atomic insert.
func (c ReplayCache) Seen(ctx context.Context, assertionID string, until time.Time) (bool, error) {
	return c.Store.SeenSSOAssertion(ctx, c.OrgID, c.ConnectionID, assertionID, until)
}
