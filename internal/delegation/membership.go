package delegation

import (
	"context"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// MemberView is one user of an OU.
type MemberView struct {
	ObjectID          string `json:"id"`
	DisplayName       string `json:"display_name"`
	UserPrincipalName string `json:"user_principal_name"`
}

// tree loads a connection's OUs as a tree.
func (s *Service) tree(ctx context.Context, orgID, connectionID string) (*Tree, error) {
	return s.loadTree(ctx, s.Store, orgID, connectionID)
}

// eachSubject calls fn with every current user of a connection, one at a
// time: 50,000 subjects need not be held at once.
func (s *Service) eachSubject(ctx context.Context, orgID, connectionID string, fn func(*Subject)) error {
	return s.Store.EachM365User(ctx, orgID, connectionID, "", func(u store.M365User) error {
		sub := NewSubject(u)
		fn(&sub)
		return nil
	})
}

// Members returns an OU's current members by display name (including its
// child OUs' members), and how many there are.
func (s *Service) Members(ctx context.Context, p *auth.Principal, ouID string) ([]MemberView, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return nil, err
	}
	ou, err := s.Store.GetM365OU(ctx, p.Org.ID, ouID)
	if err != nil {
		return nil, err
	}
	t, err := s.tree(ctx, p.Org.ID, ou.ConnectionID)
	if err != nil {
		return nil, err
	}
	out := []MemberView{}
	at, in := t.byID[ouID], make([]bool, len(t.nodes))
	err = s.eachSubject(ctx, p.Org.ID, ou.ConnectionID, func(sub *Subject) {
		if t.member(sub, in); in[at] {
			out = append(out, MemberView{ObjectID: sub.ObjectID, DisplayName: sub.DisplayName, UserPrincipalName: sub.UPN})
		}
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b MemberView) int {
		return cmpOr(strings.Compare(a.DisplayName, b.DisplayName), strings.Compare(a.ObjectID, b.ObjectID))
	})
	return out, nil
}

func cmpOr(a, b int) int {
	if a != 0 {
		return a
	}
	return b
}

// UserOUs lists the OUs a directory user is in, and why.
func (s *Service) UserOUs(ctx context.Context, p *auth.Principal, connectionID, objectID string) ([]Placement, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return nil, err
	}
	u, err := s.Store.GetM365User(ctx, p.Org.ID, connectionID, objectID)
	if err != nil {
		return nil, err
	}
	t, err := s.tree(ctx, p.Org.ID, connectionID)
	if err != nil {
		return nil, err
	}
	sub := NewSubject(u)
	out := t.Of(&sub)
	if out == nil {
		out = []Placement{}
	}
	return out, nil
}

// Evaluate is a dry run of Authorize for policy editors: may the member
// actorUserID ("" for the caller) perform req? Nothing is executed.
func (s *Service) Evaluate(ctx context.Context, p *auth.Principal, actorUserID string, req Request) (Decision, error) {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return Decision{}, err
	}
	actor := ActorOf(p)
	if actorUserID != "" && actorUserID != p.User.ID {
		m, err := s.Store.GetMember(ctx, p.Org.ID, actorUserID)
		if domain.ErrorCode(err) == domain.CodeNotFound || err == nil && m.EffectiveStatus() != domain.UserActive {
			return Decision{}, domain.FieldError("actor_user_id", "No active member %q in this organisation.", actorUserID)
		} else if err != nil {
			return Decision{}, err
		}
		actor = Actor{UserID: m.User.ID, Admin: auth.OrgPermissions(grantsOf(m.Grants)).Has(auth.PermM365Manage)}
	}
	return s.Authorize(ctx, p.Org.ID, actor, req)
}

func grantsOf(rg []domain.RoleGrant) []auth.Grant {
	out := make([]auth.Grant, len(rg))
	for i, g := range rg {
		out[i] = auth.Grant{Role: g.Role, Scope: auth.Scope{Kind: g.ScopeKind, ID: g.ScopeID}}
	}
	return out
}
