package allocation

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/costs"
)

// User is a Microsoft 365 licence holder's directory attributes, for the
// user.* conditions. Extension is keyed "1" to "15".
type User struct {
	ID             string            `json:"id"`
	Name           string            `json:"name"`
	Department     string            `json:"department,omitempty"`
	CompanyName    string            `json:"company_name,omitempty"`
	Country        string            `json:"country,omitempty"`
	OfficeLocation string            `json:"office_location,omitempty"`
	Extension      map[string]string `json:"extension,omitempty"`
}

// KeyNormalizer maps a tag key to its canonical form (aliases, case);
// tag conditions compare normalised keys.
type KeyNormalizer func(string) string

// FoldKeys is the default normaliser: tag keys compare case-insensitively.
func FoldKeys(k string) string { return strings.ToLower(strings.TrimSpace(k)) }

// matcher is a rule set compiled for evaluation: rules in order with
// their validity as epoch days, and the days where validity changes
// (epochs), so a key's first matching rule is computed once per epoch.
type matcher struct {
	rules  []cRule
	bounds []int64 // sorted distinct validity boundaries
	norm   KeyNormalizer
}

type cRule struct {
	rule     *Rule
	from, to int64 // epoch days; from 0 and to maxDay when open
	conds    []cCond
	user     bool // has user.* conditions: matches licence seats only
}

type cCond struct {
	field, key string
	op         string
	values     map[string]bool
	patterns   []*regexp.Regexp
}

const maxDay = int64(1) << 40

func epochDay(t time.Time) int64 { return t.Unix() / 86400 }

func compile(rs *Ruleset, norm KeyNormalizer) *matcher {
	if norm == nil {
		norm = FoldKeys
	}
	m := &matcher{norm: norm}
	bounds := map[int64]bool{}
	for i := range rs.Rules {
		r := &rs.Rules[i]
		c := cRule{rule: r, to: maxDay}
		if r.ValidFrom != nil {
			c.from = epochDay(*r.ValidFrom)
			bounds[c.from] = true
		}
		if r.ValidTo != nil {
			c.to = epochDay(*r.ValidTo)
			bounds[c.to] = true
		}
		for _, cond := range r.Conditions {
			cc := cCond{field: cond.Field, key: cond.Key, op: cond.Op, values: map[string]bool{}}
			if cond.Field == FieldTag {
				cc.key = norm(cond.Key)
			}
			for _, v := range cond.Values {
				cc.values[strings.ToLower(v)] = true
				if cond.Op == OpMatches {
					cc.patterns = append(cc.patterns, globRegexp(v))
				}
			}
			c.user = c.user || strings.HasPrefix(cond.Field, "user.")
			c.conds = append(c.conds, cc)
		}
		m.rules = append(m.rules, c)
	}
	for b := range bounds {
		m.bounds = append(m.bounds, b)
	}
	slices.Sort(m.bounds)
	return m
}

// globRegexp compiles a pattern where * is any run and ? one character,
// matched case-insensitively against the whole value.
func globRegexp(p string) *regexp.Regexp {
	var b strings.Builder
	b.WriteString("(?is)^")
	for _, r := range p {
		switch r {
		case '*':
			b.WriteString(".*")
		case '?':
			b.WriteString(".")
		default:
			b.WriteString(regexp.QuoteMeta(string(r)))
		}
	}
	b.WriteString("$")
	return regexp.MustCompile(b.String())
}

// epoch is the index of the validity interval day falls in.
func (m *matcher) epoch(day int64) int {
	return sort.Search(len(m.bounds), func(i int) bool { return m.bounds[i] > day })
}

// first returns the index of the first rule valid on day whose
// conditions hold for k (and u, for a licence seat), or -1.
func (m *matcher) first(k *costs.AllocKey, u *User, day int64) int {
	for i := range m.rules {
		r := &m.rules[i]
		if day < r.from || day >= r.to || (r.user && u == nil) {
			continue
		}
		if m.holds(r, k, u) {
			return i
		}
	}
	return -1
}

func (m *matcher) holds(r *cRule, k *costs.AllocKey, u *User) bool {
	for i := range r.conds {
		if !m.test(&r.conds[i], k, u) {
			return false
		}
	}
	return true
}

func (m *matcher) test(c *cCond, k *costs.AllocKey, u *User) bool {
	v := m.value(c, k, u)
	switch c.op {
	case OpExists:
		return v != ""
	case OpNotIn:
		return !c.values[strings.ToLower(v)]
	case OpMatches:
		for _, p := range c.patterns {
			if p.MatchString(v) {
				return true
			}
		}
		return false
	}
	return c.values[strings.ToLower(v)]
}

// value is the field's value on the line (or the seat's user).
func (m *matcher) value(c *cCond, k *costs.AllocKey, u *User) string {
	switch c.field {
	case FieldTag:
		for key, v := range k.Tags {
			if m.norm(key) == c.key {
				return v
			}
		}
		return ""
	case FieldProvider:
		return k.Provider
	case FieldBillingAccount:
		return k.BillingAccount
	case FieldSubAccount:
		return k.SubAccount
	case FieldResourceGroup:
		return k.ResourceGroup
	case FieldService:
		return k.Service
	case FieldCategory:
		return k.Category
	case FieldRegion:
		return k.Region
	case FieldResource:
		return k.Resource
	case FieldResourceName:
		if k.ResourceName != "" {
			return k.ResourceName
		}
		return k.Resource
	case FieldSKU:
		return k.SKU
	case FieldChargeCategory:
		return k.ChargeCategory
	}
	return userValue(c, u)
}

func userValue(c *cCond, u *User) string {
	if u == nil {
		return ""
	}
	switch c.field {
	case FieldUserDepartment:
		return u.Department
	case FieldUserCompany:
		return u.CompanyName
	case FieldUserCountry:
		return u.Country
	case FieldUserOffice:
		return u.OfficeLocation
	case FieldUserExtension:
		return u.Extension[c.key]
	}
	return ""
}
