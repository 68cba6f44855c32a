package marketplace

import (
	"context"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Statements lists a page of statements (an invoice's part for one
// agreement).
func (s *Service) Statements(ctx context.Context, p *auth.Principal, f StatementFilter) (Page[Statement], error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return Page[Statement]{}, err
	}
	f.Limit = limitOf(f.Limit)
	list, err := s.Store.ListMktStatements(ctx, p.Org.ID, f)
	return pageOf(list, f.Limit, func(st Statement) string { return st.ID }), err
}

// Statement returns one statement with its agreement and charges.
func (s *Service) Statement(ctx context.Context, p *auth.Principal, id string) (StatementDetail, error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return StatementDetail{}, err
	}
	var d StatementDetail
	var err error
	if d.Statement, err = s.Store.GetMktStatement(ctx, p.Org.ID, id); err != nil {
		return d, err
	}
	if d.Agreement, err = s.Store.GetMktAgreement(ctx, p.Org.ID, d.Statement.AgreementID, false); err != nil {
		return d, err
	}
	d.Charges, err = s.Store.ListMktCharges(ctx, p.Org.ID, store.MktChargeFilter{StatementID: id})
	return d, err
}

// MonthSpan reads a billing month filter ("YYYY-MM"; "" is no filter)
// as the half-open span [first day, first day of the next month).
func MonthSpan(field, v string) (from, to *time.Time, err error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil, nil
	}
	m, err := time.Parse("2006-01", v)
	if err != nil {
		return nil, nil, domain.FieldError(field, "%q is not a month: use YYYY-MM, like 2026-11", v)
	}
	end := AddMonths(m, 1)
	return &m, &end, nil
}
