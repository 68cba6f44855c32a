package delegation

import (
	"slices"
	"strconv"
)

// Tree is one connection's OUs ready to place users. Membership: a user
// is a direct member of an OU when one of its rules matches or the OU
// includes the user by hand, unless the OU excludes the user; and a
// member of every OU above an OU it is a member of (a parent contains its
// children's members, whatever the parent's own rules and exclusions say).
type Tree struct {
	nodes []node
	byID  map[string]int
	dir   *Directory // group memberships and managers, for relational rules
}

type node struct {
	dir     *Directory
	ou      OU
	rules   []compiledRule
	include map[string]bool
	exclude map[string]bool
	parent  int // -1 at the top
}

// Placement is an OU a user is in and why.
type Placement struct {
	OUID   string   `json:"ou_id"`
	Name   string   `json:"name"`
	Path   []string `json:"path"` // names from the top down to this OU
	Direct bool     `json:"direct"`
	// Reason: "rule N" (the first matching rule, 1-based), "included by
	// hand", or "member of child OU <name>".
	Reason string `json:"reason"`
}

// NewTree readies OUs of one connection (as stored: valid, acyclic).
func NewTree(ous []OU) (*Tree, error) {
	t := &Tree{byID: make(map[string]int, len(ous))}
	for i, o := range ous {
		t.byID[o.ID] = i
	}
	for _, o := range ous {
		rules, err := compileRules(o.Rules)
		if err != nil {
			return nil, err
		}
		n := node{ou: o, rules: rules, include: set(o.Include), exclude: set(o.Exclude), parent: -1}
		if p, ok := t.byID[o.ParentID]; ok {
			n.parent = p
		}
		t.nodes = append(t.nodes, n)
	}
	return t, nil
}

func set(ids []string) map[string]bool {
	m := make(map[string]bool, len(ids))
	for _, id := range ids {
		m[id] = true
	}
	return m
}

// directReason says why s is a direct member of n, or "" when it is not.
func (n *node) directReason(s *Subject) string {
	if s.ObjectID != "" && n.exclude[s.ObjectID] {
		return ""
	}
	if s.ObjectID != "" && n.include[s.ObjectID] {
		return "included by hand"
	}
	for i, r := range n.rules {
		if r.match(s, n.dir) {
			return "rule " + strconv.Itoa(i+1)
		}
	}
	return ""
}

// matches reports whether s is a direct member of n (directReason's
// question without building the reason).
func (n *node) matches(s *Subject) bool {
	if s.ObjectID != "" && len(n.exclude) > 0 && n.exclude[s.ObjectID] {
		return false
	}
	if s.ObjectID != "" && len(n.include) > 0 && n.include[s.ObjectID] {
		return true
	}
	for _, r := range n.rules {
		if r.match(s, n.dir) {
			return true
		}
	}
	return false
}

// member marks in (indexed like t.nodes) every OU s is in.
func (t *Tree) member(s *Subject, in []bool) {
	clear(in)
	for i := range t.nodes {
		if in[i] || !t.nodes[i].matches(s) {
			continue
		}
		for j := i; j >= 0 && !in[j]; j = t.nodes[j].parent {
			in[j] = true
		}
	}
}

// Of lists the OUs s is in, by path.
func (t *Tree) Of(s *Subject) []Placement {
	var out []Placement
	via := make([]int, len(t.nodes)) // the child OU that made a parent hold s, +1
	reasons := make([]string, len(t.nodes))
	for i := range t.nodes {
		if reasons[i] = t.nodes[i].directReason(s); reasons[i] == "" {
			continue
		}
		for c, p := i, t.nodes[i].parent; p >= 0 && via[p] == 0; c, p = p, t.nodes[p].parent {
			via[p] = c + 1
		}
	}
	for i, n := range t.nodes {
		switch {
		case reasons[i] != "":
			out = append(out, Placement{OUID: n.ou.ID, Name: n.ou.Name, Path: t.path(i), Direct: true, Reason: reasons[i]})
		case via[i] != 0:
			out = append(out, Placement{OUID: n.ou.ID, Name: n.ou.Name, Path: t.path(i),
				Reason: "member of child OU " + t.nodes[via[i]-1].ou.Name})
		}
	}
	slices.SortFunc(out, func(a, b Placement) int { return slices.Compare(a.Path, b.Path) })
	return out
}

// IDsOf returns the IDs of the OUs s is in.
func (t *Tree) IDsOf(s *Subject) []string {
	in := make([]bool, len(t.nodes))
	t.member(s, in)
	var out []string
	for i, ok := range in {
		if ok {
			out = append(out, t.nodes[i].ou.ID)
		}
	}
	return out
}

// Members returns, for every OU, the indexes into subjects of its members.
func (t *Tree) Members(subjects []Subject) map[string][]int {
	out := make(map[string][]int, len(t.nodes))
	in := make([]bool, len(t.nodes))
	for k := range subjects {
		t.member(&subjects[k], in)
		for i, ok := range in {
			if ok {
				out[t.nodes[i].ou.ID] = append(out[t.nodes[i].ou.ID], k)
			}
		}
	}
	return out
}

// OUs returns the tree's OUs in the order given to NewTree.
func (t *Tree) OUs() []OU {
	out := make([]OU, len(t.nodes))
	for i, n := range t.nodes {
		out[i] = n.ou
	}
	return out
}

// OU returns an OU of the tree.
func (t *Tree) OU(id string) (OU, bool) {
	i, ok := t.byID[id]
	if !ok {
		return OU{}, false
	}
	return t.nodes[i].ou, true
}

// path names the OUs from the top down to i.
func (t *Tree) path(i int) []string {
	var names []string
	for ; i >= 0; i = t.nodes[i].parent {
		names = append(names, t.nodes[i].ou.Name)
	}
	slices.Reverse(names)
	return names
}

// Descends reports whether OU id is ancestor or lies below it (so making
// ancestor a child of id would close a cycle).
func (t *Tree) Descends(id, ancestor string) bool {
	i, ok := t.byID[id]
	for ok && i >= 0 {
		if t.nodes[i].ou.ID == ancestor {
			return true
		}
		i = t.nodes[i].parent
	}
	return false
}
