// Package inventory is the resource inventory and Canopy's tag
// management: the resources synced from the clouds or named by imported
// cost data, virtual resources that exist only in Canopy (with a monthly
// cost written into the cost store like any other), tag edits for one
// resource or in bulk by filter, tag-key normalisation (aliases, case)
// and required-tag policies with their coverage. The SQL lives in
// internal/store; write-back of tag edits to the clouds reads the pending
// edits this package leaves (canopy_tags).
package inventory

import (
	"context"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Resource is one row of the inventory (store owns the row type).
type Resource = store.Resource

// Permissions: reading the inventory is reading allocation data;
// changing tags, virtual resources, aliases and policies is managing
// allocation (owner, admin and FinOps roles).
const (
	PermRead  = auth.PermAllocationRead
	PermWrite = auth.PermAllocationWrite
)

// Service holds the inventory's rules.
type Service struct {
	Store *store.Store
	Costs costs.Store
	// Reads answers the resource list's cost question (each resource's
	// cost in the period); nil asks Costs. The app gives it the cached
	// querier the explorer uses (internal/costs/costcache).
	Reads costs.Querier
	// Now is the clock deciding the current month (tests set it).
	Now func() time.Time
}

// New returns the service over st and its cost store.
func New(st *store.Store) *Service {
	return &Service{Store: st, Costs: st.Costs(), Now: domain.Now}
}

// Money is an exact amount in one currency.
type Money struct {
	Amount   domain.Amount   `json:"amount"`
	Currency domain.Currency `json:"currency"`
}

// View is a resource as people read it: its effective tags normalised,
// whether Canopy has a pending edit, the required tags it lacks and its
// cost over the period asked for (one entry per billing currency).
type View struct {
	Resource
	Tags    map[string]string
	Pending bool
	Missing []string
	Cost    []Money
}

// TagKeys are the view's tag keys in order.
func (v View) TagKeys() []string { return slices.Sorted(maps.Keys(v.Tags)) }

// Period is the half-open day range [From, To) costs are summed over.
type Period struct{ From, To time.Time }

// DefaultPeriod is the 30 days ending today (UTC).
func DefaultPeriod(now time.Time) Period {
	today := now.UTC().Truncate(24 * time.Hour)
	return Period{From: today.AddDate(0, 0, -29), To: today.AddDate(0, 0, 1)}
}

// valid checks the period's shape.
func (p Period) valid() error {
	if p.From.IsZero() || p.To.IsZero() || !p.From.Before(p.To) {
		return domain.FieldError("from", "The period must start before it ends.")
	}
	if p.To.Sub(p.From) > 3700*24*time.Hour {
		return domain.FieldError("to", "The period may cover at most about ten years.")
	}
	return nil
}

// rules are what an organisation's views are computed with.
type rules struct {
	norm     Normalizer
	policies []store.TagPolicy
}

func (s *Service) loadRules(ctx context.Context, orgID string) (rules, error) {
	policies, err := s.Store.ListTagPolicies(ctx, orgID)
	if err != nil {
		return rules{}, err
	}
	aliases, err := s.Store.ListTagAliases(ctx, orgID)
	if err != nil {
		return rules{}, err
	}
	keys := make([]string, len(policies))
	for i, p := range policies {
		keys[i] = p.Key
	}
	return rules{norm: NewNormalizer(aliases, keys), policies: policies}, nil
}

// view computes a resource's view without its cost.
func (r rules) view(res Resource) View {
	v := View{Resource: res, Tags: r.norm.Tags(res.EffectiveTags()), Pending: res.CanopyTags != nil}
	for _, p := range r.policies {
		if !satisfies(v.Tags, r.norm, p) {
			v.Missing = append(v.Missing, p.Key)
		}
	}
	return v
}

// satisfies reports whether normalised tags meet a policy: the key is
// there with a value, one of the allowed ones when the policy lists them.
func satisfies(tags map[string]string, n Normalizer, p store.TagPolicy) bool {
	v, ok := n.Lookup(tags, p.Key)
	if !ok || v == "" {
		return false
	}
	return len(p.AllowedValues) == 0 || slices.Contains(p.AllowedValues, v)
}

// ParsePeriod reads from and to (YYYY-MM-DD, UTC, both inclusive); both
// empty is DefaultPeriod.
func ParsePeriod(from, to string, now time.Time) (Period, error) {
	from, to = strings.TrimSpace(from), strings.TrimSpace(to)
	if from == "" && to == "" {
		return DefaultPeriod(now), nil
	}
	f, err := time.Parse(time.DateOnly, from)
	if err != nil {
		return Period{}, domain.FieldError("from", "from must be a date like 2026-01-31 (YYYY-MM-DD, UTC).")
	}
	t, err := time.Parse(time.DateOnly, to)
	if err != nil {
		return Period{}, domain.FieldError("to", "to must be a date like 2026-01-31 (YYYY-MM-DD, UTC).")
	}
	if t.Before(f) {
		return Period{}, domain.FieldError("to", "to must be the same day as from or later.")
	}
	p := Period{From: f, To: t.AddDate(0, 0, 1)}
	return p, p.valid()
}

// LastDay is the period's last day (inclusive), for forms.
func (p Period) LastDay() time.Time { return p.To.AddDate(0, 0, -1) }

// IsVirtual reports whether the resource exists only in Canopy.
func (v View) IsVirtual() bool { return v.Source == store.ResourceFromVirtual }
