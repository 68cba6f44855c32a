package chargeback

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/store"
)

// Service generates and serves chargebacks.
type Service struct {
	Store *store.Store
	Alloc *allocation.Service
	Costs costs.AllocKeyer
	FX    *fx.Service
	// Mail sends the statements to the business units' owners (normally
	// the e-mail job's queue); nil refuses to send.
	Mail mail.Sender
	// BaseURL is Canopy's public address, for links in e-mails.
	BaseURL string
	// Now is the clock (UTC); tests inject it to cross the 8th.
	Now func() time.Time
}

// New returns a service over the store.
func New(st *store.Store, alloc *allocation.Service, m mail.Sender, baseURL string) *Service {
	return &Service{Store: st, Alloc: alloc, Costs: st.Costs(), FX: &fx.Service{Store: st}, Mail: m, BaseURL: baseURL, Now: domain.Now}
}

func (s *Service) now() time.Time {
	if s.Now == nil {
		return domain.Now()
	}
	return s.Now().UTC()
}

// List returns every generated version, newest month and version first.
func (s *Service) List(ctx context.Context, p *auth.Principal) ([]Version, error) {
	if err := p.Require(auth.PermChargebacksRead); err != nil {
		return nil, err
	}
	list, err := s.Store.ListChargebacks(ctx, p.Org.ID, 1000)
	if err != nil {
		return nil, err
	}
	totals, err := s.Store.ChargebackTotals(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	out := make([]Version, 0, len(list))
	for _, v := range list {
		x, err := summaryOf(store.CBDetail{CBVersion: v})
		if err != nil {
			return nil, err
		}
		t := totals[x.Month][v.Version]
		x.Total, x.Units = t.Total, t.Units
		out = append(out, x)
	}
	return out, nil
}

// Get returns a version of a month (0: the latest).
func (s *Service) Get(ctx context.Context, p *auth.Principal, month time.Time, version int) (Detail, error) {
	if err := p.Require(auth.PermChargebacksRead); err != nil {
		return Detail{}, err
	}
	d, err := s.Store.GetChargeback(ctx, p.Org.ID, month, version)
	if err != nil {
		return Detail{}, err
	}
	return detailOf(p.Org.Name, d)
}

func summaryOf(d store.CBDetail) (Version, error) {
	v := Version{Month: monthText(d.Month), Version: d.Version, Status: d.Status, Reason: d.Reason, Currency: d.Currency,
		AllocationVersion: d.AllocationVersion, CreatedBy: d.CreatedBy, CreatedAt: d.CreatedAt}
	var err error
	for _, u := range d.Units {
		if u.Charged {
			v.Units++
			if v.Total, err = v.Total.Add(u.Total); err != nil {
				return v, err
			}
		}
	}
	return v, nil
}

func detailOf(orgName string, d store.CBDetail) (Detail, error) {
	sum, err := summaryOf(d)
	if err != nil {
		return Detail{}, err
	}
	out := Detail{Version: sum, OrgName: orgName, Charged: []Unit{}, Uncharged: []Owned{}}
	lines := map[string][]Line{}
	for _, l := range d.Lines {
		lines[l.UnitID] = append(lines[l.UnitID], Line{Kind: l.Kind, Category: l.Category, Service: l.Service, Description: l.Desc, Amount: l.Amount})
	}
	for _, u := range d.Units {
		if !u.Charged {
			out.Uncharged = append(out.Uncharged, Owned{ID: u.UnitID, Name: u.Name, Amount: u.Allocated})
			continue
		}
		ls := lines[u.UnitID]
		if ls == nil {
			ls = []Line{}
		}
		owners := u.Owners
		if owners == nil {
			owners = []string{}
		}
		out.Charged = append(out.Charged, Unit{ID: u.UnitID, Name: u.Name, Owners: owners, Allocated: u.Allocated, Extra: u.Extra,
			Total: u.Total, Lines: ls})
	}
	return out, nil
}
