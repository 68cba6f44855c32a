package inventory

import (
	"context"
	"strings"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Tag settings' types (store owns the rows).
type (
	Alias  = store.TagAlias
	Policy = store.TagPolicy
)

// Aliases lists the organisation's tag-key aliases.
func (s *Service) Aliases(ctx context.Context, p *auth.Principal) ([]Alias, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	return s.Store.ListTagAliases(ctx, p.Org.ID)
}

// SetAlias makes alias (any case) normalise to canonical.
func (s *Service) SetAlias(ctx context.Context, p *auth.Principal, who audit.Actor, alias, canonical string) (Alias, error) {
	if err := p.Require(PermWrite); err != nil {
		return Alias{}, err
	}
	alias, canonical = strings.TrimSpace(alias), strings.TrimSpace(canonical)
	if err := validKey("alias", alias); err != nil {
		return Alias{}, err
	}
	if err := validKey("canonical", canonical); err != nil {
		return Alias{}, err
	}
	if alias == canonical {
		return Alias{}, domain.FieldError("alias", "An alias must differ from its canonical key.")
	}
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.PutTagAlias(ctx, p.Org.ID, alias, canonical); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "tag.alias.set", TargetType: "tag_alias",
			TargetID: strings.ToLower(alias), Details: map[string]any{"canonical": canonical}})
	})
	return Alias{Alias: strings.ToLower(alias), Canonical: canonical, CreatedAt: domain.Now()}, err
}

// DeleteAlias removes an alias.
func (s *Service) DeleteAlias(ctx context.Context, p *auth.Principal, who audit.Actor, alias string) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteTagAlias(ctx, p.Org.ID, alias); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "tag.alias.delete", TargetType: "tag_alias",
			TargetID: strings.ToLower(alias)})
	})
}

// PolicyInput is a required-tag policy as entered.
type PolicyInput struct {
	Key           string   `json:"key"`
	AllowedValues []string `json:"allowed_values"`
	Description   string   `json:"description"`
}

func (in PolicyInput) apply(pol *Policy, n Normalizer) error {
	key := strings.TrimSpace(in.Key)
	if err := validKey("key", key); err != nil {
		return err
	}
	if utf8.RuneCountInString(in.Description) > 500 {
		return domain.FieldError("description", "The description is longer than 500 characters.")
	}
	var allowed []string
	for _, v := range in.AllowedValues {
		if v = strings.TrimSpace(v); v != "" {
			allowed = append(allowed, v)
		}
	}
	if len(allowed) > 200 {
		return domain.FieldError("allowed_values", "A policy may list at most 200 values.")
	}
	pol.Key, pol.AllowedValues, pol.Description = n.Key(key), allowed, strings.TrimSpace(in.Description)
	return nil
}

// Policies lists the organisation's required-tag policies.
func (s *Service) Policies(ctx context.Context, p *auth.Principal) ([]Policy, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	return s.Store.ListTagPolicies(ctx, p.Org.ID)
}

// CreatePolicy adds a required-tag policy; its key is normalised first
// (an alias names the canonical key), and one key has one policy.
func (s *Service) CreatePolicy(ctx context.Context, p *auth.Principal, who audit.Actor, in PolicyInput) (Policy, error) {
	if err := p.Require(PermWrite); err != nil {
		return Policy{}, err
	}
	r, err := s.loadRules(ctx, p.Org.ID)
	if err != nil {
		return Policy{}, err
	}
	pol := Policy{OrgID: p.Org.ID}
	if err := in.apply(&pol, r.norm); err != nil {
		return pol, err
	}
	for _, other := range r.policies {
		if strings.EqualFold(other.Key, pol.Key) {
			return pol, domain.FieldError("key", "%s already has a policy.", other.Key)
		}
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if pol, err = tx.CreateTagPolicy(ctx, pol); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, policyEntry(pol, "tag.policy.create"))
	})
	return pol, err
}

// UpdatePolicy changes a policy.
func (s *Service) UpdatePolicy(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in PolicyInput) (Policy, error) {
	if err := p.Require(PermWrite); err != nil {
		return Policy{}, err
	}
	r, err := s.loadRules(ctx, p.Org.ID)
	if err != nil {
		return Policy{}, err
	}
	var pol Policy
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if pol, err = tx.GetTagPolicy(ctx, p.Org.ID, id); err != nil {
			return err
		}
		if err = in.apply(&pol, r.norm); err != nil {
			return err
		}
		for _, other := range r.policies {
			if other.ID != id && strings.EqualFold(other.Key, pol.Key) {
				return domain.FieldError("key", "%s already has a policy.", other.Key)
			}
		}
		if err = tx.UpdateTagPolicy(ctx, pol); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, policyEntry(pol, "tag.policy.update"))
	})
	return pol, err
}

// DeletePolicy removes a policy.
func (s *Service) DeletePolicy(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		pol, err := tx.GetTagPolicy(ctx, p.Org.ID, id)
		if err != nil {
			return err
		}
		if err := tx.DeleteTagPolicy(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, policyEntry(pol, "tag.policy.delete"))
	})
}

func policyEntry(pol Policy, action string) audit.Entry {
	return audit.Entry{OrgID: pol.OrgID, Action: action, TargetType: "tag_policy", TargetID: pol.ID,
		Details: map[string]any{"key": pol.Key, "allowed_values": pol.AllowedValues}}
}
