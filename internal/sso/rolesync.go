package sso

import (
	"context"
	"encoding/json"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// claimsColumn is what a connection's claims column holds: the claim
// mapping and whether group roles are applied at each sign-in (the flag
// sits beside the mapping whose groups it reads, so it needed no column
// of its own).
type claimsColumn struct {
	ClaimMapping
	SyncRoles bool `json:"sync_roles,omitempty"`
}

func claimsOf(c store.SSOConnection) claimsColumn {
	var col claimsColumn
	_ = json.Unmarshal(c.Claims, &col)
	return col
}

// mappedRoles returns the roles a person's groups map to (never owner) and
// the groups that did it.
func mappedRoles(groups []string, mapping []GroupRole) (roles, matched []string) {
	in := map[string]string{}
	for _, g := range groups {
		in[strings.ToLower(g)] = g
	}
	for _, gr := range mapping {
		g, ok := in[strings.ToLower(gr.Group)]
		if !ok || gr.Role == auth.RoleOwner {
			continue
		}
		if !slices.Contains(roles, gr.Role) {
			roles = append(roles, gr.Role)
		}
		if !slices.Contains(matched, g) {
			matched = append(matched, g)
		}
	}
	return roles, matched
}

// syncRoles sets an existing member's organisation-wide roles to those
// their groups map to, when the connection updates roles at each sign-in.
// Without a matching group the roles stay as they are; owner is never
// given and never taken (an owner keeps the role beside the mapped ones). Grants on parts
// of the organisation are not the mapping's and stay. A change is audited
// as role.change with the groups that caused it.
func (s *Service) syncRoles(ctx context.Context, c store.SSOConnection, userID string, id Identity, who audit.Actor) error {
	var mapping []GroupRole
	_ = json.Unmarshal(c.GroupRoles, &mapping)
	if !claimsOf(c).SyncRoles || len(mapping) == 0 {
		return nil
	}
	roles, groups := mappedRoles(id.Groups, mapping)
	if len(roles) == 0 {
		return nil
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		m, err := tx.GetMember(ctx, c.OrgID, userID)
		if err != nil {
			return err
		}
		var before []string
		var grants []domain.RoleGrant
		for _, g := range m.Grants {
			if g.ScopeKind == "" {
				before = append(before, g.Role)
			} else {
				grants = append(grants, g)
			}
		}
		after := slices.Clone(roles)
		// Ownership is Canopy's to give and take: the mapping never gives
		// it (mappedRoles) and never takes it away.
		keptOwner := slices.Contains(before, auth.RoleOwner)
		if keptOwner {
			after = append(after, auth.RoleOwner)
		}
		slices.Sort(before)
		slices.Sort(after)
		if slices.Equal(before, after) {
			return nil
		}
		for _, r := range after {
			grants = append(grants, domain.RoleGrant{Role: r})
		}
		if err := tx.SetGrants(ctx, c.OrgID, userID, grants, domain.Now()); err != nil {
			return err
		}
		details := map[string]any{"email": m.User.Email, "before": before, "after": after, "groups": groups,
			"connection": c.ID, "source": "single sign-on groups"}
		if keptOwner {
			details["kept_owner"] = "owner is managed in Canopy, not by groups"
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: c.OrgID, Action: "role.change", TargetType: "user",
			TargetID: userID, Details: details})
	})
}
