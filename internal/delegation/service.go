package delegation

import (
	"context"
	"slices"
	"strings"
	"sync"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Service holds the delegation rules. Reads need m365.read; changes to
// OUs, policies and delegations need m365.delegate and are audited in the
// same transaction as the change.
type Service struct {
	Store *store.Store
	// Tenants opens a connection's tenant for Execute (Graph client).
	Tenants TenantFunc

	locks sync.Map // connection ID -> *sync.Mutex (connLock)
}

// New returns the service over st.
func New(st *store.Store) *Service { return &Service{Store: st} }

// MaxHandPicked bounds an OU's include and exclude lists.
const MaxHandPicked = 10000

// ListOUs returns the organisation's OUs, of one connection or ("") all.
func (s *Service) ListOUs(ctx context.Context, p *auth.Principal, connectionID string) ([]OU, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return nil, err
	}
	return s.ous(ctx, s.Store, p.Org.ID, connectionID)
}

func (s *Service) ous(ctx context.Context, q interface {
	ListM365OUs(context.Context, string, string) ([]store.M365OU, error)
}, orgID, connectionID string) ([]OU, error) {
	rows, err := q.ListM365OUs(ctx, orgID, connectionID)
	out := make([]OU, 0, len(rows))
	for _, r := range rows {
		out = append(out, ouOf(r))
	}
	return out, err
}

// GetOU returns one OU.
func (s *Service) GetOU(ctx context.Context, p *auth.Principal, id string) (OU, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return OU{}, err
	}
	r, err := s.Store.GetM365OU(ctx, p.Org.ID, id)
	return ouOf(r), err
}

// CreateOU adds an OU to a Microsoft 365 connection.
func (s *Service) CreateOU(ctx context.Context, p *auth.Principal, who audit.Actor, in OUInput) (OU, error) {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return OU{}, err
	}
	o, err := validOU(in)
	if err != nil {
		return o, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := checkConnection(ctx, tx, p.Org.ID, o.ConnectionID); err != nil {
			return err
		}
		if err := s.checkParent(ctx, tx, p.Org.ID, o, ""); err != nil {
			return err
		}
		r, err := tx.CreateM365OU(ctx, o.row(p.Org.ID))
		if err != nil {
			return err
		}
		o = ouOf(r)
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "m365.ou.create", TargetType: "m365_ou",
			TargetID: o.ID, Details: ouDetails(o)})
	})
	return o, err
}

// UpdateOU replaces an OU's name, parent, description, rules and hand
// picks; its licence and configuration policies stay.
func (s *Service) UpdateOU(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in OUInput) (OU, error) {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return OU{}, err
	}
	var o OU
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.GetM365OU(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if in.ConnectionID != "" && in.ConnectionID != old.ConnectionID {
			return domain.FieldError("connection_id", "An OU stays in its connection; create a new OU for another one.")
		}
		in.ConnectionID = old.ConnectionID
		if o, err = validOU(in); err != nil {
			return err
		}
		o.ID, o.CreatedAt = old.ID, old.CreatedAt
		prev := ouOf(old)
		o.LicencePolicies, o.Required, o.AutoRemediate = prev.LicencePolicies, prev.Required, prev.AutoRemediate
		if err := s.checkParent(ctx, tx, p.Org.ID, o, id); err != nil {
			return err
		}
		r, err := tx.UpdateM365OU(ctx, o.row(p.Org.ID))
		if err != nil {
			return err
		}
		o = ouOf(r)
		d := ouDetails(o)
		d["before"] = ouDetails(prev)
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "m365.ou.update", TargetType: "m365_ou",
			TargetID: o.ID, Details: d})
	})
	return o, err
}

// DeleteOU removes an OU that has no child OUs and no delegations.
func (s *Service) DeleteOU(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.GetM365OU(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		all, err := tx.ListM365OUs(ctx, p.Org.ID, r.ConnectionID)
		if err != nil {
			return err
		}
		if i := slices.IndexFunc(all, func(c store.M365OU) bool { return c.ParentID == id }); i >= 0 {
			return domain.Errorf(domain.CodeConflict, "OU %q has child OU %q: move or delete the child OUs first.", r.Name, all[i].Name)
		}
		dl, err := tx.ListM365Delegations(ctx, p.Org.ID, store.M365DelegationFilter{OUID: id})
		if err != nil {
			return err
		}
		if len(dl) > 0 {
			return domain.Errorf(domain.CodeConflict, "OU %q has %d delegation(s): remove them first.", r.Name, len(dl))
		}
		if err := tx.DeleteM365OU(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "m365.ou.delete", TargetType: "m365_ou",
			TargetID: id, Details: ouDetails(ouOf(r))})
	})
}

// validOU checks and tidies an OU's own settings.
func validOU(in OUInput) (OU, error) {
	o := OU{ConnectionID: strings.TrimSpace(in.ConnectionID), ParentID: strings.TrimSpace(in.ParentID),
		Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description),
		LicencePolicies: []LicencePolicy{}, Required: []Requirement{}}
	switch {
	case o.ConnectionID == "":
		return o, domain.FieldError("connection_id", "Choose the Microsoft 365 connection whose users the OU groups.")
	case o.Name == "" || utf8.RuneCountInString(o.Name) > 100:
		return o, domain.FieldError("name", "Give the OU a name of 1 to 100 characters.")
	case utf8.RuneCountInString(o.Description) > 1000:
		return o, domain.FieldError("description", "The description is longer than 1000 characters.")
	}
	if _, err := compileRules(in.Rules); err != nil {
		return o, err
	}
	o.Rules = normaliseRules(in.Rules)
	var err error
	if o.Include, err = idList("include", in.Include); err != nil {
		return o, err
	}
	if o.Exclude, err = idList("exclude", in.Exclude); err != nil {
		return o, err
	}
	for _, id := range o.Include {
		if slices.Contains(o.Exclude, id) {
			return o, domain.FieldError("exclude", "User %q is both included and excluded.", id)
		}
	}
	return o, nil
}

// idList trims, checks and de-duplicates user object IDs.
func idList(field string, ids []string) ([]string, error) {
	if len(ids) > MaxHandPicked {
		return nil, domain.FieldError(field, "At most %d users may be picked by hand.", MaxHandPicked)
	}
	out := make([]string, 0, len(ids))
	for i, id := range ids {
		id = strings.TrimSpace(id)
		if id == "" || len(id) > 100 {
			return nil, domain.FieldError(field, "Entry %d is not a user object ID.", i+1)
		}
		if !slices.Contains(out, id) {
			out = append(out, id)
		}
	}
	return out, nil
}

// checkConnection requires a Microsoft 365 connection of the organisation.
func checkConnection(ctx context.Context, q *store.Tx, orgID, id string) error {
	c, err := q.GetConnection(ctx, orgID, id)
	if domain.ErrorCode(err) == domain.CodeNotFound || err == nil && c.Kind != "m365" {
		return domain.FieldError("connection_id", "No Microsoft 365 connection %q in this organisation.", id)
	}
	return err
}

// checkParent requires the parent to be an OU of the same connection that
// does not lie below the OU being saved (id, "" when new).
func (s *Service) checkParent(ctx context.Context, tx *store.Tx, orgID string, o OU, id string) error {
	if o.ParentID == "" {
		return nil
	}
	all, err := s.ous(ctx, tx, orgID, o.ConnectionID)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(all, func(x OU) bool { return x.ID == o.ParentID }) {
		return domain.FieldError("parent_id", "No OU %q in this connection.", o.ParentID)
	}
	if id == "" {
		return nil
	}
	t, err := NewTree(all)
	if err != nil {
		return err
	}
	if t.Descends(o.ParentID, id) {
		return domain.FieldError("parent_id", "OU %q lies below this OU (or is it): nesting it there would make a cycle.", o.ParentID)
	}
	return nil
}

func ouDetails(o OU) map[string]any {
	return map[string]any{"name": o.Name, "connection_id": o.ConnectionID, "parent_id": o.ParentID, "rules": o.Rules,
		"include": o.Include, "exclude": o.Exclude}
}
