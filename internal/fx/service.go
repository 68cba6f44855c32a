package fx

import (
	"context"
	"fmt"
	"io"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Service manages an organisation's exchange rates.
type Service struct {
	Store *store.Store
}

// Import stores every rate of a file in one transaction: a bad line
// changes nothing.
func (s *Service) Import(ctx context.Context, p *auth.Principal, r io.Reader, source string, who audit.Actor) (store.RatesSaved, error) {
	if err := p.Require(auth.PermCurrencyManage); err != nil {
		return store.RatesSaved{}, err
	}
	rates, err := ParseRates(r, source)
	if err != nil {
		return store.RatesSaved{}, &domain.Error{Code: domain.CodeInvalid, Field: "file", Message: err.Error()}
	}
	return s.save(ctx, p, rates, "fx.rates_import", who)
}

// SetRate enters or corrects one day's rate by hand.
func (s *Service) SetRate(ctx context.Context, p *auth.Principal, r domain.FXRate, who audit.Actor) (store.RatesSaved, error) {
	if err := p.Require(auth.PermCurrencyManage); err != nil {
		return store.RatesSaved{}, err
	}
	if r.Base == r.Quote || r.Value == nil || r.Value.Sign() <= 0 {
		return store.RatesSaved{}, domain.FieldError("rate", "A rate needs two different currencies and a positive value.")
	}
	if y := r.Day.UTC().Year(); y < 1900 || y > 2999 {
		return store.RatesSaved{}, domain.FieldError("day", "A rate's day must be from 1900 to 2999.")
	}
	r.Day, r.Source = r.Day.UTC().Truncate(24*time.Hour), "manual"
	return s.save(ctx, p, []domain.FXRate{r}, "fx.rate_set", who)
}

func (s *Service) save(ctx context.Context, p *auth.Principal, rates []domain.FXRate, action string, who audit.Actor) (store.RatesSaved, error) {
	var res store.RatesSaved
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if res, err = tx.UpsertRates(ctx, p.Org.ID, rates, who.Email, domain.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: action, TargetType: "fx_rates",
			Details: map[string]any{"rates": len(rates), "added": res.Added, "corrected": res.Corrected, "unchanged": res.Unchanged}})
	})
	return res, err
}

// Converter loads the rates needed to convert charges in [from, to).
func (s *Service) Converter(ctx context.Context, orgID string, from, to time.Time) (*Converter, error) {
	rates, err := s.Store.ListRates(ctx, orgID, from.Add(-Lookback), to)
	if err != nil {
		return nil, fmt.Errorf("load exchange rates: %w", err)
	}
	return NewConverter(rates), nil
}
