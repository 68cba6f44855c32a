package allocation

import (
	"context"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// GroupInput is a new group or a group's new state.
type GroupInput struct {
	ParentID    string   `json:"parent_id"`
	Name        string   `json:"name"`
	Kind        string   `json:"kind"`
	Description string   `json:"description"`
	Owners      []string `json:"owners"`
}

func groupOf(g store.CostGroup) Group {
	if g.Owners == nil {
		g.Owners = []string{}
	}
	return Group{OrgID: g.OrgID, ID: g.ID, ParentID: g.ParentID, Name: g.Name, Kind: g.Kind, Description: g.Description,
		Owners: g.Owners, CreatedAt: g.CreatedAt, UpdatedAt: g.UpdatedAt}
}

// Groups lists the organisation's groups by name.
func (s *Service) Groups(ctx context.Context, p *auth.Principal) ([]Group, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return nil, err
	}
	return s.groups(ctx, p.Org.ID)
}

func (s *Service) groups(ctx context.Context, orgID string) ([]Group, error) {
	list, err := s.Store.ListCostGroups(ctx, orgID)
	out := make([]Group, len(list))
	for i, g := range list {
		out[i] = groupOf(g)
	}
	return out, err
}

func (s *Service) groupMap(ctx context.Context, orgID string) (map[string]Group, error) {
	list, err := s.groups(ctx, orgID)
	m := make(map[string]Group, len(list))
	for _, g := range list {
		m[g.ID] = g
	}
	return m, err
}

// Group returns one group.
func (s *Service) Group(ctx context.Context, p *auth.Principal, id string) (Group, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return Group{}, err
	}
	g, err := s.Store.GetCostGroup(ctx, p.Org.ID, id)
	return groupOf(g), err
}

// CreateGroup adds a group.
func (s *Service) CreateGroup(ctx context.Context, p *auth.Principal, who audit.Actor, in GroupInput) (Group, error) {
	if err := p.Require(auth.PermAllocationWrite); err != nil {
		return Group{}, err
	}
	g := store.CostGroup{OrgID: p.Org.ID}
	if err := s.apply(ctx, &g, in); err != nil {
		return Group{}, err
	}
	g, err := s.Store.CreateCostGroup(ctx, g)
	if err == nil {
		audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: g.OrgID, Action: "group.create", TargetType: "group",
			TargetID: g.ID, Details: map[string]any{"name": g.Name, "kind": g.Kind, "parent": g.ParentID}})
	}
	return groupOf(g), err
}

// UpdateGroup changes a group.
func (s *Service) UpdateGroup(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in GroupInput) (Group, error) {
	if err := p.Require(auth.PermAllocationWrite); err != nil {
		return Group{}, err
	}
	g, err := s.Store.GetCostGroup(ctx, p.Org.ID, id)
	if err != nil {
		return Group{}, err
	}
	if err := s.apply(ctx, &g, in); err != nil {
		return Group{}, err
	}
	if err := s.Store.UpdateCostGroup(ctx, g); err != nil {
		return Group{}, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: g.OrgID, Action: "group.update", TargetType: "group",
		TargetID: g.ID, Details: map[string]any{"name": g.Name, "kind": g.Kind, "parent": g.ParentID, "owners": g.Owners}})
	return s.Group(ctx, p, id)
}

// DeleteGroup removes a group no rule or split of the current rule set
// uses; its children move up to its parent.
func (s *Service) DeleteGroup(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermAllocationWrite); err != nil {
		return err
	}
	g, err := s.Store.GetCostGroup(ctx, p.Org.ID, id)
	if err != nil {
		return err
	}
	v, err := s.current(ctx, p.Org.ID)
	if err != nil {
		return err
	}
	if use := v.Ruleset.uses(id); use != "" {
		return domain.Errorf(domain.CodeConflict, "%s still sends cost to %s; change it first", use, g.Name)
	}
	if err := s.Store.DeleteCostGroup(ctx, p.Org.ID, id); err != nil {
		return err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: g.OrgID, Action: "group.delete", TargetType: "group",
		TargetID: g.ID, Details: map[string]any{"name": g.Name}})
	return nil
}

// uses names the first rule or split that sends cost to group, or "".
func (rs *Ruleset) uses(group string) string {
	for _, r := range rs.Rules {
		if r.Group == group {
			return "rule " + r.Name
		}
	}
	for _, sp := range rs.Splits {
		for _, sh := range sp.Shares {
			if sh.Group == group {
				return "split " + sp.Name
			}
		}
	}
	return ""
}

// apply validates in and copies it onto g: a known kind, a parent in the
// organisation that is not g or below it, owners who are members.
func (s *Service) apply(ctx context.Context, g *store.CostGroup, in GroupInput) error {
	in.Name = strings.TrimSpace(in.Name)
	switch {
	case in.Name == "":
		return domain.FieldError("name", "A group needs a name.")
	case len(in.Name) > 200:
		return domain.FieldError("name", "The name is longer than 200 characters.")
	case in.Kind == "":
		in.Kind = KindBusinessUnit
	case !slices.Contains(Kinds, in.Kind):
		return domain.FieldError("kind", "Unknown kind %q (business_unit, cost_center or project).", in.Kind)
	}
	if in.ParentID != "" {
		all, err := s.groupMap(ctx, g.OrgID)
		if err != nil {
			return err
		}
		if all[in.ParentID].ID == "" {
			return domain.FieldError("parent_id", "The parent group does not exist.")
		}
		for at := in.ParentID; at != ""; at = all[at].ParentID {
			if at == g.ID {
				return domain.FieldError("parent_id", "A group cannot be placed below itself.")
			}
		}
	}
	owners := []string{}
	for _, o := range in.Owners {
		if o = strings.TrimSpace(o); o == "" || slices.Contains(owners, o) {
			continue
		}
		if _, err := s.Store.GetMember(ctx, g.OrgID, o); err != nil {
			return domain.FieldError("owners", "Owner %s is not a member of this organisation.", o)
		}
		owners = append(owners, o)
	}
	g.ParentID, g.Name, g.Kind, g.Description, g.Owners = in.ParentID, in.Name, in.Kind, strings.TrimSpace(in.Description), owners
	return nil
}
