package marketplace

import (
	"context"
	"log/slog"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// The stored model (the store owns the SQL and so the row types).
type (
	Vendor       = store.MktVendor
	Product      = store.MktProduct
	Item         = store.MktItem
	Price        = store.MktPrice
	Buyer        = store.MktBuyer
	Agreement    = store.MktAgreement
	Subscription = store.MktSubscription
	Order        = store.MktOrder
	OrderLine    = store.MktOrderLine
	StatusChange = store.MktStatusChange
)

// Order types.
const (
	OrderPurchase    = "Purchase"
	OrderChange      = "Change"
	OrderTermination = "Termination"
)

// Order line actions.
const (
	ActionNew       = "new"
	ActionChange    = "change"
	ActionTerminate = "terminate"
)

// Service holds the marketplace's rules: the catalog, ordering, the
// order queue of each agreement and fulfilment through vendor adapters.
type Service struct {
	Store *store.Store
	// Vendors fulfil orders; an order of a vendor without an adapter
	// waits in Processing for an operations user.
	Vendors Fulfiller
	// Dispatch is called after a transaction that may let an agreement's
	// next order go to its vendor (normally: enqueue the dispatch job);
	// nil dispatches inline (tests, CLI).
	Dispatch func(ctx context.Context, orgID, agreementID string) error
	// Poller is called when an order should be asked about again (a
	// query was answered); nil leaves polling to the caller.
	Poller func(ctx context.Context, orgID, orderID string) error
	// Exporter is called for each issued invoice (normally: queue its
	// export to the cost store); nil leaves it to the caller.
	Exporter func(ctx context.Context, orgID, invoiceID string) error
	Now      func() time.Time
	Log      *slog.Logger
	// Seal seals a vendor's API key for storage (aad binds it to the
	// vendor); nil refuses to store keys.
	Seal func(plaintext, aad string) (string, error)
}

// New returns a service over the store with fulfilment by vendors.
func New(st *store.Store, vendors Fulfiller) *Service {
	if vendors == nil {
		vendors = FulfillerFunc(nil) // every vendor fulfilled by hand
	}
	return &Service{Store: st, Vendors: vendors, Now: domain.Now, Log: slog.Default()}
}

func (s *Service) now() time.Time { return s.Now().UTC() }

// changeStatus checks a transition with the object's machine and stores
// it with its history entry.
func changeStatus[S ~string](ctx context.Context, tx *store.Tx, m Machine[S], orgID, objType, id string, from, to S, actor, note string) error {
	if err := m.Check(id, from, to); err != nil {
		return err
	}
	return tx.SetMktStatus(ctx, orgID, store.MktStatusChange{ObjectType: objType, ObjectID: id, From: string(from),
		To: string(to), Actor: actor, Note: note})
}

// created records an object's first status in its history.
func created(ctx context.Context, tx *store.Tx, orgID, objType, id, status, actor, note string, at time.Time) error {
	return tx.AddMktHistory(ctx, orgID, store.MktStatusChange{ObjectType: objType, ObjectID: id, To: status, Actor: actor, Note: note}, at)
}

// actorName is how the history names who acted.
func actorName(who audit.Actor) string {
	if who.Email != "" {
		return who.Email
	}
	if who.UserID != "" {
		return who.UserID
	}
	return "system"
}
