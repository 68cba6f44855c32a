package delegation

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// ListPolicies returns the organisation's authorization policies.
func (s *Service) ListPolicies(ctx context.Context, p *auth.Principal) ([]Policy, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return nil, err
	}
	rows, err := s.Store.ListM365AdminPolicies(ctx, p.Org.ID)
	out := make([]Policy, 0, len(rows))
	for _, r := range rows {
		out = append(out, policyOf(r))
	}
	return out, err
}

// GetPolicy returns one authorization policy.
func (s *Service) GetPolicy(ctx context.Context, p *auth.Principal, id string) (Policy, error) {
	if err := p.Require(auth.PermM365Read); err != nil {
		return Policy{}, err
	}
	r, err := s.Store.GetM365AdminPolicy(ctx, p.Org.ID, id)
	return policyOf(r), err
}

// CreatePolicy adds an authorization policy.
func (s *Service) CreatePolicy(ctx context.Context, p *auth.Principal, who audit.Actor, in PolicyInput) (Policy, error) {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return Policy{}, err
	}
	row, err := validPolicy(in)
	if err != nil {
		return Policy{}, err
	}
	row.OrgID = p.Org.ID
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if row, err = tx.CreateM365AdminPolicy(ctx, row); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "m365.policy.create", TargetType: "m365_policy",
			TargetID: row.ID, Details: policyDetails(policyOf(row))})
	})
	return policyOf(row), err
}

// UpdatePolicy replaces a policy; delegations holding it change with it.
func (s *Service) UpdatePolicy(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in PolicyInput) (Policy, error) {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return Policy{}, err
	}
	var row store.M365AdminPolicy
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		// Another organisation's policy (or none) is not found before the
		// input is judged, so a foreign ID never learns more than 404.
		old, err := tx.GetM365AdminPolicy(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if row, err = validPolicy(in); err != nil {
			return err
		}
		row.OrgID, row.ID, row.CreatedAt = p.Org.ID, id, old.CreatedAt
		if row, err = tx.UpdateM365AdminPolicy(ctx, row); err != nil {
			return err
		}
		d := policyDetails(policyOf(row))
		d["before"] = policyDetails(policyOf(old))
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "m365.policy.update", TargetType: "m365_policy",
			TargetID: id, Details: d})
	})
	return policyOf(row), err
}

// DeletePolicy removes a policy no delegation holds.
func (s *Service) DeletePolicy(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		old, err := tx.GetM365AdminPolicy(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		dl, err := tx.ListM365Delegations(ctx, p.Org.ID, store.M365DelegationFilter{PolicyID: id})
		if err != nil {
			return err
		}
		if len(dl) > 0 {
			return domain.Errorf(domain.CodeConflict, "Policy %q is held by %d delegation(s): remove them first.", old.Name, len(dl))
		}
		if err := tx.DeleteM365AdminPolicy(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "m365.policy.delete", TargetType: "m365_policy",
			TargetID: id, Details: policyDetails(policyOf(old))})
	})
}

func validPolicy(in PolicyInput) (store.M365AdminPolicy, error) {
	r := store.M365AdminPolicy{Name: strings.TrimSpace(in.Name), Description: strings.TrimSpace(in.Description)}
	if r.Name == "" || utf8.RuneCountInString(r.Name) > 100 {
		return r, domain.FieldError("name", "Give the policy a name of 1 to 100 characters.")
	}
	if utf8.RuneCountInString(r.Description) > 1000 {
		return r, domain.FieldError("description", "The description is longer than 1000 characters.")
	}
	if len(in.Actions) == 0 {
		return r, domain.FieldError("actions", "Grant at least one action.")
	}
	var actions []Action
	for i, a := range in.Actions {
		if _, ok := a.Info(); !ok {
			return r, domain.FieldError(fmt.Sprintf("actions[%d]", i), "Unknown action %q; use one of %s.", a, strings.Join(ActionKeys(), ", "))
		}
		if !slices.Contains(actions, a) {
			actions = append(actions, a)
		}
	}
	r.Actions = mustJSON(actions)
	return r, nil
}

func policyDetails(p Policy) map[string]any {
	return map[string]any{"name": p.Name, "actions": p.Actions}
}

// ListDelegations returns the organisation's delegations, narrowed by
// member, OU or policy.
func (s *Service) ListDelegations(ctx context.Context, p *auth.Principal, f store.M365DelegationFilter) ([]Delegation, error) {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return nil, err
	}
	rows, err := s.Store.ListM365Delegations(ctx, p.Org.ID, f)
	if err != nil {
		return nil, err
	}
	out := make([]Delegation, 0, len(rows))
	for _, r := range rows {
		d, err := s.delegationOf(ctx, s.Store, p.Org.ID, r)
		if err != nil {
			return nil, err
		}
		out = append(out, d)
	}
	return out, nil
}

// GetDelegation returns one delegation.
func (s *Service) GetDelegation(ctx context.Context, p *auth.Principal, id string) (Delegation, error) {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return Delegation{}, err
	}
	r, err := s.Store.GetM365Delegation(ctx, p.Org.ID, id)
	if err != nil {
		return Delegation{}, err
	}
	return s.delegationOf(ctx, s.Store, p.Org.ID, r)
}

type delegationReader interface {
	GetMember(context.Context, string, string) (domain.Member, error)
	GetM365OU(context.Context, string, string) (store.M365OU, error)
	GetM365AdminPolicy(context.Context, string, string) (store.M365AdminPolicy, error)
}

// delegationOf names a delegation's member, OU and policy.
func (s *Service) delegationOf(ctx context.Context, q delegationReader, orgID string, r store.M365Delegation) (Delegation, error) {
	d := Delegation{ID: r.ID, UserID: r.UserID, OUID: r.OUID, PolicyID: r.PolicyID, CreatedBy: r.CreatedBy, CreatedAt: r.CreatedAt}
	m, err := q.GetMember(ctx, orgID, r.UserID)
	if err != nil && domain.ErrorCode(err) != domain.CodeNotFound {
		return d, err
	}
	d.UserEmail = m.User.Email // "" once the member left: the delegation grants nothing then
	ou, err := q.GetM365OU(ctx, orgID, r.OUID)
	if err != nil {
		return d, err
	}
	pol, err := q.GetM365AdminPolicy(ctx, orgID, r.PolicyID)
	d.OUName, d.PolicyName = ou.Name, pol.Name
	return d, err
}

// CreateDelegation makes a member of the organisation a delegated
// administrator of an OU with a policy.
func (s *Service) CreateDelegation(ctx context.Context, p *auth.Principal, who audit.Actor, in DelegationInput) (Delegation, error) {
	return s.saveDelegation(ctx, p, who, "", in)
}

// UpdateDelegation changes a delegation's member, OU and policy in place.
func (s *Service) UpdateDelegation(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in DelegationInput) (Delegation, error) {
	return s.saveDelegation(ctx, p, who, id, in)
}

// saveDelegation creates (id "") or updates a delegation, audited in the
// same transaction (an update with the delegation as it was).
func (s *Service) saveDelegation(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in DelegationInput) (Delegation, error) {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return Delegation{}, err
	}
	var d Delegation
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		details := map[string]any{}
		if id != "" {
			old, err := tx.GetM365Delegation(ctx, p.Org.ID, id)
			if err != nil {
				return err
			}
			b, err := s.delegationOf(ctx, tx, p.Org.ID, old)
			if err != nil {
				return err
			}
			details["before"] = delegationDetails(b)
		}
		row, err := validDelegation(ctx, tx, p.Org.ID, in)
		if err != nil {
			return err
		}
		row.ID, row.CreatedBy = id, who.Email
		action := "m365.delegation.create"
		if id == "" {
			row, err = tx.CreateM365Delegation(ctx, row)
		} else {
			action = "m365.delegation.update"
			row, err = tx.UpdateM365Delegation(ctx, row)
		}
		if err != nil {
			return err
		}
		if d, err = s.delegationOf(ctx, tx, p.Org.ID, row); err != nil {
			return err
		}
		for k, v := range delegationDetails(d) {
			details[k] = v
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: action, TargetType: "m365_delegation",
			TargetID: d.ID, Details: details})
	})
	return d, err
}

// validDelegation checks a delegation's member, OU and policy.
func validDelegation(ctx context.Context, tx *store.Tx, orgID string, in DelegationInput) (store.M365Delegation, error) {
	m, err := tx.GetMember(ctx, orgID, strings.TrimSpace(in.UserID))
	if domain.ErrorCode(err) == domain.CodeNotFound || err == nil && m.EffectiveStatus() != domain.UserActive {
		return store.M365Delegation{}, domain.FieldError("user_id", "No active member %q in this organisation.", in.UserID)
	} else if err != nil {
		return store.M365Delegation{}, err
	}
	if err := fieldNotFound(tx.GetM365OU(ctx, orgID, in.OUID)); err != nil {
		return store.M365Delegation{}, domain.FieldError("ou_id", "No virtual OU %q in this organisation.", in.OUID)
	}
	if err := fieldNotFound(tx.GetM365AdminPolicy(ctx, orgID, in.PolicyID)); err != nil {
		return store.M365Delegation{}, domain.FieldError("policy_id", "No authorization policy %q in this organisation.", in.PolicyID)
	}
	return store.M365Delegation{OrgID: orgID, UserID: m.User.ID, OUID: in.OUID, PolicyID: in.PolicyID}, nil
}

// fieldNotFound keeps only a lookup's not-found error.
func fieldNotFound[T any](_ T, err error) error {
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return err
	}
	return nil
}

// DeleteDelegation ends a delegation.
func (s *Service) DeleteDelegation(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.GetM365Delegation(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		d, err := s.delegationOf(ctx, tx, p.Org.ID, r)
		if err != nil {
			return err
		}
		if err := tx.DeleteM365Delegation(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "m365.delegation.delete", TargetType: "m365_delegation",
			TargetID: id, Details: delegationDetails(d)})
	})
}

func delegationDetails(d Delegation) map[string]any {
	return map[string]any{"user_id": d.UserID, "user_email": d.UserEmail, "ou_id": d.OUID, "ou_name": d.OUName,
		"policy_id": d.PolicyID, "policy_name": d.PolicyName}
}
