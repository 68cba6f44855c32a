package delegation

import (
	"context"

	"github.com/canopyhq/canopy/internal/store"
)

// Directory is what relational rule attributes read beyond a user's row:
// each user's direct groups and each user's manager (object IDs, folded).
type Directory struct {
	groups   map[string][]string
	managers map[string]string
}

// NewDirectory builds a directory from memberships (member -> groups)
// and managers (user -> manager).
func NewDirectory(memberships map[string][]string, managers map[string]string) *Directory {
	d := &Directory{groups: make(map[string][]string, len(memberships)), managers: make(map[string]string, len(managers))}
	for m, gs := range memberships {
		f := make([]string, len(gs))
		for i, g := range gs {
			f[i] = fold(g)
		}
		d.groups[fold(m)] = f
	}
	for u, m := range managers {
		d.managers[fold(u)] = fold(m)
	}
	return d
}

// maxChain bounds a reporting line (and breaks manager cycles).
const maxChain = 64

// related returns a user's values of a relational attribute: its direct
// groups (memberOf), or its manager and every manager above (reportsTo,
// starting from the subject's own manager attribute, so a changed
// manager counts).
func (d *Directory) related(s *Subject, attr int) []string {
	if d == nil {
		return nil
	}
	if attr == attrMemberOf {
		return d.groups[fold(s.ObjectID)]
	}
	var chain []string
	for m := s.attrs[attrManager]; m != "" && len(chain) < maxChain; m = d.managers[m] {
		for _, c := range chain {
			if c == m {
				return chain
			}
		}
		chain = append(chain, m)
	}
	return chain
}

// usesRelational reports whether any OU's rules read memberOf or reportsTo.
func usesRelational(ous []OU) bool {
	for _, o := range ous {
		for _, r := range o.Rules {
			for _, c := range r.Conditions {
				if i := attrIndex(c.Attribute); relational(i) {
					return true
				}
			}
		}
	}
	return false
}

// directoryReader is what loadTree reads (the store or a transaction).
type directoryReader interface {
	ListM365OUs(context.Context, string, string) ([]store.M365OU, error)
	M365Memberships(context.Context, string, string) (map[string][]string, error)
	M365Managers(context.Context, string, string) (map[string]string, error)
}

// loadTree reads a connection's OUs as a tree, with the group
// memberships and managers when a rule needs them.
func (s *Service) loadTree(ctx context.Context, q directoryReader, orgID, connectionID string) (*Tree, error) {
	ous, err := s.ous(ctx, q, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	t, err := NewTree(ous)
	if err != nil || !usesRelational(ous) {
		return t, err
	}
	groups, err := q.M365Memberships(ctx, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	managers, err := q.M365Managers(ctx, orgID, connectionID)
	if err != nil {
		return nil, err
	}
	t.SetDirectory(NewDirectory(groups, managers))
	return t, nil
}

// SetDirectory gives the tree the memberships and managers relational
// rules read.
func (t *Tree) SetDirectory(d *Directory) {
	t.dir = d
	for i := range t.nodes {
		t.nodes[i].dir = d
	}
}
