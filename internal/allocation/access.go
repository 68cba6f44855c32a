package allocation

import (
	"context"
	"slices"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Access is a member's role limited to a group (and the groups below
// it): with viewer or finops they see only the group's costs.
type Access struct {
	UserID string `json:"user_id"`
	Email  string `json:"email"`
	Role   string `json:"role"`
}

// GroupAccess lists the members with a role scoped to group.
func (s *Service) GroupAccess(ctx context.Context, p *auth.Principal, group string) ([]Access, error) {
	if err := p.Require(auth.PermAllocationRead); err != nil {
		return nil, err
	}
	if _, err := s.Store.GetCostGroup(ctx, p.Org.ID, group); err != nil {
		return nil, err
	}
	page, err := s.Store.ListMembers(ctx, p.Org.ID, store.MemberFilter{Limit: 1000})
	if err != nil {
		return nil, err
	}
	out := []Access{}
	for _, m := range page.Items {
		for _, g := range m.Grants {
			if g.ScopeKind == auth.ScopeCostGroup && g.ScopeID == group {
				out = append(out, Access{UserID: m.User.ID, Email: m.User.Email, Role: g.Role})
			}
		}
	}
	return out, nil
}

// SetGroupAccess gives a member role on group only (replacing a role
// they had on it); role "" removes their access to the group. Owner and
// admin cannot be scoped; the caller needs roles.manage and may assign
// the role.
func (s *Service) SetGroupAccess(ctx context.Context, p *auth.Principal, who audit.Actor, group, userID, role string) error {
	if err := p.Require(auth.PermRolesManage); err != nil {
		return err
	}
	if role == auth.RoleOwner || role == auth.RoleAdmin {
		return domain.FieldError("role", "Owners and admins act on the whole organisation; choose a role such as viewer or finops.")
	}
	if role != "" && !auth.CanAssignRole(p.Grants, role) {
		return domain.FieldError("role", "Unknown role %q, or one you may not assign.", role)
	}
	g, err := s.Store.GetCostGroup(ctx, p.Org.ID, group)
	if err != nil {
		return err
	}
	m, err := s.Store.GetMember(ctx, p.Org.ID, userID)
	if err != nil {
		return err
	}
	grants := slices.DeleteFunc(slices.Clone(m.Grants), func(x domain.RoleGrant) bool {
		return x.ScopeKind == auth.ScopeCostGroup && x.ScopeID == group
	})
	if role != "" {
		grants = append(grants, domain.RoleGrant{Role: role, ScopeKind: auth.ScopeCostGroup, ScopeID: group})
	}
	if err := s.Store.SetGrants(ctx, p.Org.ID, userID, grants, domain.Now()); err != nil {
		return err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "group.access", TargetType: "group", TargetID: group,
		Details: map[string]any{"group": g.Name, "user": m.User.Email, "role": role}})
	return nil
}
