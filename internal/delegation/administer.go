package delegation

import (
	"context"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// AdminUser is a directory user an actor may act on, with the OUs the
// user is in and the actions the actor's policies grant on the user.
type AdminUser struct {
	ConnectionID, ObjectID, DisplayName, UPN string
	OUs                                      []string // names of the user's OUs
	Actions                                  []Action // granted to the actor (every action for administrators)
}

// actorScope is what an actor holds in one connection: the OUs (indexes
// into the tree) with the actions granted for each.
type actorScope struct {
	admin bool
	ous   map[int][]Action
}

func (s *Service) scope(ctx context.Context, orgID string, actor Actor, t *Tree) (actorScope, error) {
	sc := actorScope{admin: actor.Admin, ous: map[int][]Action{}}
	if actor.Admin {
		return sc, nil
	}
	ds, err := s.Store.ListM365Delegations(ctx, orgID, store.M365DelegationFilter{UserID: actor.UserID})
	if err != nil {
		return sc, err
	}
	for _, d := range ds {
		i, ok := t.byID[d.OUID]
		if !ok {
			continue
		}
		pol, err := s.Store.GetM365AdminPolicy(ctx, orgID, d.PolicyID)
		if err != nil {
			return sc, err
		}
		sc.ous[i] = append(sc.ous[i], policyOf(pol).Actions...)
	}
	return sc, nil
}

// granted is what the scope allows on a user in the OUs marked in in.
func (sc actorScope) granted(in []bool) []Action {
	if sc.admin {
		return ActionList()
	}
	var out []Action
	for i, acts := range sc.ous {
		if in[i] {
			out = append(out, acts...)
		}
	}
	slices.Sort(out)
	return slices.Compact(out)
}

// ActionList is every action of the catalog, in catalog order.
func ActionList() []Action {
	out := make([]Action, 0, len(catalog))
	for _, a := range catalog {
		out = append(out, a.Key)
	}
	return out
}

// Administrable lists the current users of a connection the actor may act
// on, by display name: every user for administrators (m365.manage), the
// users of the OUs of their delegations (and so of the child OUs) for
// delegated administrators, none for anyone else. This is a listing; each
// action is still authorized by Execute.
func (s *Service) Administrable(ctx context.Context, orgID string, actor Actor, connectionID string) ([]AdminUser, error) {
	conn, err := s.Store.GetConnection(ctx, orgID, connectionID)
	if err != nil || conn.Kind != "m365" {
		return nil, domain.Errorf(domain.CodeNotFound, "No such Microsoft 365 connection in this organisation.")
	}
	t, err := s.tree(ctx, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	sc, err := s.scope(ctx, orgID, actor, t)
	if err != nil {
		return nil, err
	}
	out := []AdminUser{}
	if !sc.admin && len(sc.ous) == 0 {
		return out, nil
	}
	in := make([]bool, len(t.nodes))
	err = s.eachSubject(ctx, orgID, connectionID, func(sub *Subject) {
		t.member(sub, in)
		acts := sc.granted(in)
		if len(acts) == 0 {
			return
		}
		u := AdminUser{ConnectionID: connectionID, ObjectID: sub.ObjectID, DisplayName: sub.DisplayName, UPN: sub.UPN, Actions: acts}
		for i, ok := range in {
			if ok {
				u.OUs = append(u.OUs, t.nodes[i].ou.Name)
			}
		}
		out = append(out, u)
	})
	if err != nil {
		return nil, err
	}
	slices.SortFunc(out, func(a, b AdminUser) int {
		return cmpOr(strings.Compare(a.DisplayName, b.DisplayName), strings.Compare(a.ObjectID, b.ObjectID))
	})
	return out, nil
}

// UserActions returns a user of a connection with its OUs and the actions
// the actor's policies grant on it (none: the actor may not act on it).
func (s *Service) UserActions(ctx context.Context, orgID string, actor Actor, connectionID, objectID string) (store.M365User, []Placement, []Action, error) {
	conn, err := s.Store.GetConnection(ctx, orgID, connectionID)
	if err != nil || conn.Kind != "m365" {
		return store.M365User{}, nil, nil, domain.Errorf(domain.CodeNotFound, "No such Microsoft 365 connection in this organisation.")
	}
	u, err := s.Store.GetM365User(ctx, orgID, connectionID, objectID)
	if err != nil {
		return u, nil, nil, err
	}
	t, err := s.tree(ctx, orgID, connectionID)
	if err != nil {
		return u, nil, nil, err
	}
	sc, err := s.scope(ctx, orgID, actor, t)
	if err != nil {
		return u, nil, nil, err
	}
	sub := NewSubject(u)
	in := make([]bool, len(t.nodes))
	t.member(&sub, in)
	places := t.Of(&sub)
	if places == nil {
		places = []Placement{}
	}
	return u, places, sc.granted(in), nil
}

// MayCreate reports whether the actor may create users in a connection
// at all: administrators, and delegated administrators whose policy for
// an OU of the connection grants user.create (each creation is still
// authorized: the new user must fall into one of those OUs).
func (s *Service) MayCreate(ctx context.Context, orgID string, actor Actor, connectionID string) (bool, error) {
	if actor.Admin {
		return true, nil
	}
	t, err := s.tree(ctx, orgID, connectionID)
	if err != nil {
		return false, err
	}
	sc, err := s.scope(ctx, orgID, actor, t)
	for _, acts := range sc.ous {
		if slices.Contains(acts, ActCreateUser) {
			return true, err
		}
	}
	return false, err
}
