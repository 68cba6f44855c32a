package delegation

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// ServicePlan is one entry of a SKU's servicePlans as Graph sends it.
type ServicePlan struct {
	ID   string `json:"servicePlanId"`
	Name string `json:"servicePlanName"`
}

// PlansOf returns a stored SKU's service plans.
func PlansOf(k store.M365SKU) []ServicePlan {
	var plans []ServicePlan
	_ = json.Unmarshal(k.ServicePlans, &plans) // malformed: no plans
	return plans
}

// SetLicencePolicies replaces an OU's licence policies. A restricted plan
// may be given by service plan ID or name; it is stored as the ID.
func (s *Service) SetLicencePolicies(ctx context.Context, p *auth.Principal, who audit.Actor, ouID string, in []LicencePolicy) (OU, error) {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return OU{}, err
	}
	var o OU
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.GetM365OU(ctx, p.Org.ID, ouID)
		if err != nil {
			return err
		}
		o = ouOf(r)
		out := make([]LicencePolicy, 0, len(in))
		for i, lp := range in {
			at := fmt.Sprintf("licence_policies[%d]", i)
			if slices.ContainsFunc(out, func(x LicencePolicy) bool { return strings.EqualFold(x.SkuID, lp.SkuID) }) {
				return domain.FieldError(at+".sku_id", "SKU %q has two policies in this OU.", lp.SkuID)
			}
			v, err := validLicencePolicy(ctx, tx, p.Org.ID, o.ConnectionID, lp, at)
			if err != nil {
				return err
			}
			out = append(out, v)
		}
		before := o.LicencePolicies
		o.LicencePolicies = out
		if r, err = tx.UpdateM365OU(ctx, o.row(p.Org.ID)); err != nil {
			return err
		}
		o = ouOf(r)
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "m365.ou.licence_policies", TargetType: "m365_ou",
			TargetID: ouID, Details: map[string]any{"name": o.Name, "licence_policies": out, "before": before}})
	})
	return o, err
}

func validLicencePolicy(ctx context.Context, tx *store.Tx, orgID, connID string, lp LicencePolicy, at string) (LicencePolicy, error) {
	sku, err := tx.GetM365SKU(ctx, orgID, connID, strings.TrimSpace(lp.SkuID))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return lp, domain.FieldError(at+".sku_id", "The connection has no subscribed SKU %q.", lp.SkuID)
	} else if err != nil {
		return lp, err
	}
	out := LicencePolicy{SkuID: sku.SkuID, SkuPartNumber: sku.SkuPartNumber, Quota: lp.Quota, RestrictedPlans: []string{}}
	if lp.Quota != nil && *lp.Quota < 0 {
		return lp, domain.FieldError(at+".quota", "The quota is a number of licences, 0 or more (null for no limit).")
	}
	plans := PlansOf(sku)
	for j, want := range lp.RestrictedPlans {
		want = strings.TrimSpace(want)
		k := slices.IndexFunc(plans, func(sp ServicePlan) bool {
			return strings.EqualFold(sp.ID, want) || strings.EqualFold(sp.Name, want)
		})
		if k < 0 {
			return lp, domain.FieldError(fmt.Sprintf("%s.restricted_plans[%d]", at, j), "SKU %s has no service plan %q.", sku.SkuPartNumber, want)
		}
		if !slices.Contains(out.RestrictedPlans, plans[k].ID) {
			out.RestrictedPlans = append(out.RestrictedPlans, plans[k].ID)
		}
	}
	return out, nil
}

// SetRequirements replaces an OU's configuration policy: the attribute
// values every member should have, and (autoRemediate non-nil) whether
// deviations are remediated automatically after every directory sync.
func (s *Service) SetRequirements(ctx context.Context, p *auth.Principal, who audit.Actor, ouID string, in []Requirement, autoRemediate *bool) (OU, error) {
	if err := p.Require(auth.PermM365Delegate); err != nil {
		return OU{}, err
	}
	out, err := validRequirements(in)
	if err != nil {
		return OU{}, err
	}
	var o OU
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		r, err := tx.GetM365OU(ctx, p.Org.ID, ouID)
		if err != nil {
			return err
		}
		o = ouOf(r)
		before, beforeAuto := o.Required, o.AutoRemediate
		o.Required = out
		if autoRemediate != nil {
			o.AutoRemediate = *autoRemediate
		}
		if r, err = tx.UpdateM365OU(ctx, o.row(p.Org.ID)); err != nil {
			return err
		}
		o = ouOf(r)
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "m365.ou.configuration", TargetType: "m365_ou",
			TargetID: ouID, Details: map[string]any{"name": o.Name, "required_attributes": out, "auto_remediate": o.AutoRemediate,
				"before": map[string]any{"required_attributes": before, "auto_remediate": beforeAuto}}})
	})
	return o, err
}

func validRequirements(in []Requirement) ([]Requirement, error) {
	out := make([]Requirement, 0, len(in))
	for i, rq := range in {
		at := fmt.Sprintf("required_attributes[%d]", i)
		k := attrIndex(rq.Attribute)
		switch {
		case k < 0:
			return nil, domain.FieldError(at+".attribute", "Unknown attribute %q; use one of %s.", rq.Attribute, strings.Join(RequirableAttributes(), ", "))
		case k == attrUPNDomain:
			return nil, domain.FieldError(at+".attribute", "upnDomain cannot be required: it is part of the sign-in name.")
		case k == attrManager || relational(k):
			return nil, domain.FieldError(at+".attribute", "%s cannot be required: scope OUs by it instead.", attrNames[k])
		case k == attrMFARegistered && !strings.EqualFold(strings.TrimSpace(rq.Value), "true"):
			return nil, domain.FieldError(at+".value", "mfaRegistered can only be required to be true.")
		case strings.TrimSpace(rq.Value) == "" || utf8.RuneCountInString(rq.Value) > 256:
			return nil, domain.FieldError(at+".value", "Give the required value (1 to 256 characters).")
		case slices.ContainsFunc(out, func(x Requirement) bool { return x.Attribute == attrNames[k] }):
			return nil, domain.FieldError(at+".attribute", "%s is required twice.", attrNames[k])
		}
		v := strings.TrimSpace(rq.Value)
		if k == attrMFARegistered {
			v = "true"
		}
		out = append(out, Requirement{Attribute: attrNames[k], Value: v})
	}
	return out, nil
}

// RequirableAttributes lists what configuration policies may require.
func RequirableAttributes() []string {
	var out []string
	for i, n := range attrNames {
		if i != attrUPNDomain && i != attrManager && !relational(i) {
			out = append(out, n)
		}
	}
	return out
}

// licenceCheck applies the licence policies of the OUs a target is in to
// an assignment of skuID: the disabled plans to send (requested ones plus
// every restricted plan), or a refusal when the request enables a
// restricted plan or an OU's quota is used up.
func (s *Service) licenceCheck(ctx context.Context, orgID string, t *Tree, target *Subject, targetOUs []string, skuID string, requested []string) (Decision, error) {
	sku, err := s.Store.GetM365SKU(ctx, orgID, target.ConnectionID, strings.TrimSpace(skuID))
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return Decision{}, domain.FieldError("params.sku_id", "The connection has no subscribed SKU %q.", skuID)
	} else if err != nil {
		return Decision{}, err
	}
	disabled := slices.Clone(requested)
	var quotas []OU
	for _, id := range targetOUs {
		ou, _ := t.OU(id)
		for _, lp := range ou.LicencePolicies {
			if !strings.EqualFold(lp.SkuID, sku.SkuID) {
				continue
			}
			for _, plan := range lp.RestrictedPlans {
				if requested != nil && !slices.ContainsFunc(requested, func(x string) bool { return strings.EqualFold(x, plan) }) {
					return refuse(CodeRestrictedPlan, "Service plan %s of %s is restricted in OU %s: it must stay disabled.",
						planName(sku, plan), sku.SkuPartNumber, ou.Name), nil
				}
				if !slices.Contains(disabled, plan) {
					disabled = append(disabled, plan)
				}
			}
			if lp.Quota != nil && !target.holds(sku.SkuID) {
				quotas = append(quotas, ou)
			}
		}
	}
	if len(quotas) > 0 {
		if d, err := s.quotaCheck(ctx, orgID, t, target, sku, quotas); err != nil || !d.Allowed {
			return d, err
		}
	}
	if disabled == nil {
		disabled = []string{}
	}
	return Decision{Allowed: true, DisabledPlans: disabled}, nil
}

// quotaCheck counts the members of each OU holding the SKU in the
// snapshot or reserved for them by an execution under way (on this node
// or another), the target itself excepted.
func (s *Service) quotaCheck(ctx context.Context, orgID string, t *Tree, target *Subject, sku store.M365SKU, ous []OU) (Decision, error) {
	held := make(map[string]int64, len(ous))
	in := make([]bool, len(t.nodes))
	count := func(sub *Subject) {
		t.member(sub, in)
		for _, ou := range ous {
			if in[t.byID[ou.ID]] {
				held[ou.ID]++
			}
		}
	}
	counted := map[string]bool{}
	err := s.Store.EachM365User(ctx, orgID, sku.ConnectionID, sku.SkuID, func(u store.M365User) error {
		sub := NewSubject(u)
		if sub.holds(sku.SkuID) {
			counted[u.ObjectID] = true
			count(&sub)
		}
		return nil
	})
	if err != nil {
		return Decision{}, err
	}
	res, err := s.Store.M365Reservations(ctx, orgID, sku.ConnectionID, sku.SkuID, time.Now())
	if err != nil {
		return Decision{}, err
	}
	for _, r := range res {
		if counted[r.ObjectID] || r.ObjectID == target.ObjectID {
			continue
		}
		u, err := s.Store.GetM365User(ctx, orgID, sku.ConnectionID, r.ObjectID)
		if domain.ErrorCode(err) == domain.CodeNotFound {
			continue
		} else if err != nil {
			return Decision{}, err
		}
		sub := NewSubject(u)
		counted[r.ObjectID] = true
		count(&sub)
	}
	for _, ou := range ous {
		for _, lp := range ou.LicencePolicies {
			if strings.EqualFold(lp.SkuID, sku.SkuID) && held[ou.ID] >= *lp.Quota {
				return refuse(CodeQuotaReached, "Quota reached: %d of %d %s licences are assigned in OU %s.",
					held[ou.ID], *lp.Quota, sku.SkuPartNumber, ou.Name), nil
			}
		}
	}
	return Decision{Allowed: true}, nil
}

func planName(sku store.M365SKU, id string) string {
	for _, p := range PlansOf(sku) {
		if strings.EqualFold(p.ID, id) && p.Name != "" {
			return p.Name + " (" + p.ID + ")"
		}
	}
	return id
}
