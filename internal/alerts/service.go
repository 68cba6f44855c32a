package alerts

import (
	"context"
	"log/slog"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/store"
)

// Service holds the alert rules, their evaluation and the inbox.
type Service struct {
	Store *store.Store
	Spend *spend.Service // daily costs in the reporting currency
	// Budgets answers overage rules; nil refuses them ("budgets are not
	// available").
	Budgets BudgetSource
	// Notify is told of each new alert that no mute covers, inside the
	// transaction that stores it; nil notifies nobody.
	Notify Notifier
	// Hour is the installation's default UTC hour of the daily evaluation
	// (CANOPY_ALERTS_HOUR); an organisation may choose its own.
	Hour int
	Now  func() time.Time
	Log  *slog.Logger
}

// New returns the service over the store, with the spend explorer's
// service for daily costs.
func New(st *store.Store, sp *spend.Service, hour int) *Service {
	return &Service{Store: st, Spend: sp, Hour: hour, Now: domain.Now, Log: slog.Default()}
}

// Notifier sends an alert on (e-mail to the rule's recipients,
// webhooks). It runs inside the transaction that stores the alert, so it
// should only enqueue jobs on tx: a rolled-back evaluation then sends
// nothing, and an alert stored once is sent once.
type Notifier interface {
	AlertCreated(ctx context.Context, tx *store.Tx, a Alert, recipients []string) error
}

// system acts for the evaluation: an owner-level principal of the org
// that reads costs exactly as a person would in the explorer.
func (s *Service) system(ctx context.Context, orgID string) (*auth.Principal, error) {
	org, err := s.Store.GetOrg(ctx, orgID)
	if err != nil {
		return nil, err
	}
	return systemPrincipal(org), nil
}

func systemPrincipal(org domain.Org) *auth.Principal {
	grants := []auth.Grant{{Role: auth.RoleOwner}}
	return &auth.Principal{User: domain.User{Name: "Canopy alerts", Email: "alerts"}, Org: org, Grants: grants,
		Perms: auth.OrgPermissions(grants)}
}

func (s *Service) today() time.Time { return s.Now().UTC().Truncate(24 * time.Hour) }
