// Package directory is Canopy's picture of its customers' Microsoft 365
// directories: the users, licences (subscribed SKUs) and groups each
// Microsoft 365 connection imports daily (connect/m365 writes them with
// store.ReplaceDirectory), and the reads the UI and API show. Virtual OUs,
// delegation and policies over it are internal/delegation.
package directory

import (
	"context"
	"encoding/json"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/store"
)

// The stored model (store owns the SQL and so the row types).
type (
	User       = store.M365User
	SKU        = store.M365SKU
	Group      = store.M365Group
	Member     = store.M365Member
	Snapshot   = store.DirectorySnapshot
	UserFilter = store.M365UserFilter
	Facets     = store.M365Facets
)

// Licence is one licence a user holds: the SKU and the service plans
// switched off in it.
type Licence struct {
	SkuID         string   `json:"skuId"`
	SkuPartNumber string   `json:"-"` // "" when the SKU is not (or no longer) subscribed
	DisabledPlans []string `json:"disabledPlans"`
}

// Name is the licence as people read it: the part number, else the ID.
func (l Licence) Name() string {
	if l.SkuPartNumber != "" {
		return l.SkuPartNumber
	}
	return l.SkuID
}

// UserView is a user with its licences resolved to SKU part numbers.
type UserView struct {
	User
	Licences   []Licence
	Extensions map[string]string // onPremisesExtensionAttributes
}

// SKUView is a SKU with the counts a licence manager reads: purchased
// (enabled plus warning units, still assignable), assigned (consumed) and
// unassigned (purchased minus assigned, never below zero).
type SKUView struct {
	SKU
	Purchased, Assigned, Unassigned int64
}

// Service reads the directory for people and API callers holding
// m365.read, always within their organisation.
type Service struct{ Store *store.Store }

// New returns the service over st.
func New(st *store.Store) *Service { return &Service{Store: st} }

// Users returns a page of the organisation's users with their licences,
// and the next page's cursor ("" on the last page).
func (s *Service) Users(ctx context.Context, p *auth.Principal, f UserFilter) ([]UserView, string, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return nil, "", err
	}
	users, next, err := s.Store.ListM365Users(ctx, p.Org.ID, f)
	if err != nil {
		return nil, "", err
	}
	names, err := s.skuNames(ctx, p.Org.ID)
	if err != nil {
		return nil, "", err
	}
	out := make([]UserView, 0, len(users))
	for _, u := range users {
		out = append(out, viewUser(u, names))
	}
	return out, next, nil
}

func viewUser(u User, names map[string]string) UserView {
	v := UserView{User: u}
	_ = json.Unmarshal(u.AssignedLicenses, &v.Licences)
	_ = json.Unmarshal(u.ExtensionAttributes, &v.Extensions)
	for i := range v.Licences {
		v.Licences[i].SkuPartNumber = names[u.ConnectionID+"/"+v.Licences[i].SkuID]
		if v.Licences[i].DisabledPlans == nil {
			v.Licences[i].DisabledPlans = []string{}
		}
	}
	return v
}

// skuNames maps connection/skuId to the part number of every current SKU.
func (s *Service) skuNames(ctx context.Context, orgID string) (map[string]string, error) {
	names := map[string]string{}
	cursor := ""
	for {
		list, next, err := s.Store.ListM365SKUs(ctx, orgID, 500, cursor)
		if err != nil {
			return nil, err
		}
		for _, k := range list {
			names[k.ConnectionID+"/"+k.SkuID] = k.SkuPartNumber
		}
		if cursor = next; cursor == "" {
			return names, nil
		}
	}
}

// SKUs returns a page of the organisation's subscribed SKUs with their
// purchased, assigned and unassigned units.
func (s *Service) SKUs(ctx context.Context, p *auth.Principal, limit int, cursor string) ([]SKUView, string, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return nil, "", err
	}
	list, next, err := s.Store.ListM365SKUs(ctx, p.Org.ID, limit, cursor)
	if err != nil {
		return nil, "", err
	}
	out := make([]SKUView, 0, len(list))
	for _, k := range list {
		out = append(out, ViewSKU(k))
	}
	return out, next, nil
}

// ViewSKU computes a SKU's purchased, assigned and unassigned units.
func ViewSKU(k SKU) SKUView {
	v := SKUView{SKU: k, Purchased: k.PrepaidEnabled + k.PrepaidWarning, Assigned: k.ConsumedUnits}
	v.Unassigned = max(v.Purchased-v.Assigned, 0)
	return v
}

// Facets returns the filter values (departments, countries) and the
// number of current users.
func (s *Service) Facets(ctx context.Context, p *auth.Principal) (Facets, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return Facets{}, err
	}
	return s.Store.M365Facets(ctx, p.Org.ID)
}
