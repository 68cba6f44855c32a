package delegation

import (
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// The user attributes rules and configuration policies speak of, named as
// Graph names them; upnDomain is the part of userPrincipalName after "@".
const (
	attrDepartment = iota
	attrCompanyName
	attrCountry
	attrOfficeLocation
	attrUsageLocation
	attrJobTitle
	attrCity
	attrState
	attrUserType
	attrUPNDomain
	attrExt1 // extensionAttribute1..15 follow
)

// After the extension attributes: the manager, MFA registration and the
// relational attributes, which read the directory beyond the user's row.
const (
	attrManager       = attrExt1 + 15 + iota // the manager's object ID
	attrMFARegistered                        // "true" / "false" from the registration report, "" unknown
	attrMemberOf                             // relational: the user's direct groups (object IDs)
	attrReportsTo                            // relational: the manager and every manager above
	numAttrs
)

// relational reports whether attribute i is read from the directory
// (group memberships, reporting line) rather than from the user's row.
func relational(i int) bool { return i == attrMemberOf || i == attrReportsTo }

// isExtIndex reports whether i is one of extensionAttribute1..15.
func isExtIndex(i int) bool { return i >= attrExt1 && i < attrExt1+15 }

var attrNames = func() []string {
	names := []string{"department", "companyName", "country", "officeLocation", "usageLocation", "jobTitle", "city",
		"state", "userType", "upnDomain"}
	for i := 1; i <= 15; i++ {
		names = append(names, fmt.Sprintf("extensionAttribute%d", i))
	}
	return append(names, "manager", "mfaRegistered", "memberOf", "reportsTo")
}()

// Attributes lists the attribute names rules may use.
func Attributes() []string { return slices.Clone(attrNames) }

// attrIndex finds an attribute by name, ignoring case (Entra does).
func attrIndex(name string) int {
	name = strings.TrimSpace(name)
	for i, n := range attrNames {
		if strings.EqualFold(n, name) {
			return i
		}
	}
	return -1
}

// Operators of a condition.
const (
	OpEquals     = "equals"
	OpNotEquals  = "not_equals"
	OpIn         = "in"
	OpStartsWith = "starts_with"
	OpIsEmpty    = "is_empty"
)

// Operators lists the operators in the order editors offer them.
var Operators = []string{OpEquals, OpNotEquals, OpIn, OpStartsWith, OpIsEmpty}

// Condition compares one attribute of a user. Values: one for equals,
// not_equals and starts_with, one or more for in, none for is_empty.
// Comparison ignores case and surrounding spaces, as Entra's dynamic
// membership rules do.
type Condition struct {
	Attribute string   `json:"attribute"`
	Operator  string   `json:"operator"`
	Values    []string `json:"values"`
}

// Rule matches a user when all its conditions hold; an OU's rules are
// ORed.
type Rule struct {
	Conditions []Condition `json:"conditions"`
}

// Subject is a directory user reduced to what membership and policies
// read: attribute values folded for comparison, and the licences held.
type Subject struct {
	ConnectionID, ObjectID, DisplayName, UPN string
	Deleted                                  bool
	attrs                                    [numAttrs]string // trimmed, lower case
	raw                                      [numAttrs]string // as stored, for compliance
	Licences                                 []Licence
}

// Licence is one licence a subject holds.
type Licence struct {
	SkuID         string   `json:"skuId"`
	DisabledPlans []string `json:"disabledPlans"`
}

// NewSubject reads a stored directory user.
func NewSubject(u store.M365User) Subject {
	s := Subject{ConnectionID: u.ConnectionID, ObjectID: u.ObjectID, DisplayName: u.DisplayName,
		UPN: u.UserPrincipalName, Deleted: u.DeletedAt != nil}
	s.set(attrDepartment, u.Department)
	s.set(attrCompanyName, u.CompanyName)
	s.set(attrCountry, u.Country)
	s.set(attrOfficeLocation, u.OfficeLocation)
	s.set(attrUsageLocation, u.UsageLocation)
	s.set(attrJobTitle, u.JobTitle)
	s.set(attrCity, u.City)
	s.set(attrState, u.State)
	s.set(attrUserType, u.UserType)
	if _, dom, ok := strings.Cut(u.UserPrincipalName, "@"); ok {
		s.set(attrUPNDomain, dom)
	}
	if len(u.ExtensionAttributes) > 2 { // not "{}"
		var ext map[string]string
		_ = json.Unmarshal(u.ExtensionAttributes, &ext) // malformed: no extension attributes
		for k, v := range ext {
			if i := extIndex(k); isExtIndex(i) {
				s.set(i, v)
			}
		}
	}
	s.set(attrManager, u.ManagerID)
	s.set(attrMFARegistered, u.MFARegistered)
	if len(u.AssignedLicenses) > 2 { // not "[]"
		_ = json.Unmarshal(u.AssignedLicenses, &s.Licences) // malformed: no licences
	}
	return s
}

// extIndex finds an extension attribute as Graph spells it, else any
// attribute by attrIndex.
func extIndex(k string) int {
	if n, err := strconv.Atoi(strings.TrimPrefix(k, "extensionAttribute")); err == nil && n >= 1 && n <= 15 {
		return attrExt1 + n - 1
	}
	return attrIndex(k)
}

func (s *Subject) set(i int, v string) {
	s.raw[i] = v
	if v != "" {
		s.attrs[i] = fold(v)
	}
}

// SubjectFromAttributes is a user that does not exist yet (user.create):
// attribute name → value.
func SubjectFromAttributes(connectionID string, attrs map[string]string) (Subject, error) {
	s := Subject{ConnectionID: connectionID}
	for k, v := range attrs {
		i := attrIndex(k)
		if i < 0 || relational(i) || i == attrMFARegistered {
			return s, domain.FieldError("params.attributes", "Unknown attribute %q; use one of %s.", k, strings.Join(attrNames[:attrManager+1], ", "))
		}
		s.set(i, v)
	}
	return s, nil
}

// With returns the subject after a change of attributes (name → value).
func (s Subject) With(attrs map[string]string) (Subject, error) {
	for k, v := range attrs {
		i := attrIndex(k)
		if i < 0 || i == attrUPNDomain || relational(i) || i == attrMFARegistered {
			return s, domain.FieldError("params.attributes", "Attribute %q cannot be changed here; use one of %s.", k, strings.Join(attrNames[:attrUPNDomain], ", ")+", extensionAttribute1..15")
		}
		s.set(i, v)
	}
	return s, nil
}

// Attribute returns the stored value of a named attribute.
func (s *Subject) Attribute(name string) string {
	if i := attrIndex(name); i >= 0 {
		return s.raw[i]
	}
	return ""
}

// holds reports whether the subject holds a SKU.
func (s *Subject) holds(skuID string) bool {
	return slices.ContainsFunc(s.Licences, func(l Licence) bool { return strings.EqualFold(l.SkuID, skuID) })
}

// fold readies a value for comparison; most values are already trimmed
// ASCII lower case and need no copy.
func fold(s string) string {
	t := strings.TrimSpace(s)
	for i := 0; i < len(t); i++ {
		if c := t[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(t)
		}
	}
	return t
}

// compiledCond is a condition ready to test many users.
type compiledCond struct {
	attr   int
	op     string
	values []string // folded
}

func (c compiledCond) match(s *Subject, d *Directory) bool {
	if relational(c.attr) {
		return c.matchAny(d.related(s, c.attr))
	}
	return c.matchOne(s.attrs[c.attr])
}

// matchAny tests a relational attribute's values: equals / in / starts_with
// hold when one value does, not_equals when none equals, is_empty when
// there is none.
func (c compiledCond) matchAny(vs []string) bool {
	switch c.op {
	case OpNotEquals:
		return !slices.Contains(vs, c.values[0])
	case OpIsEmpty:
		return len(vs) == 0
	}
	for _, v := range vs {
		if c.matchOne(v) {
			return true
		}
	}
	return false
}

func (c compiledCond) matchOne(v string) bool {
	switch c.op {
	case OpEquals:
		return v == c.values[0]
	case OpNotEquals:
		return v != c.values[0]
	case OpIn:
		return slices.Contains(c.values, v)
	case OpStartsWith:
		return strings.HasPrefix(v, c.values[0])
	default: // OpIsEmpty
		return v == ""
	}
}

type compiledRule []compiledCond

func (r compiledRule) match(s *Subject, d *Directory) bool {
	for _, c := range r {
		if !c.match(s, d) {
			return false
		}
	}
	return true
}

// MaxRules and MaxConditions bound an OU's rules.
const (
	MaxRules      = 50
	MaxConditions = 20
)

// compileRules validates rules and readies them; errors name the rule and
// condition (rules[0].conditions[1].values).
func compileRules(rules []Rule) ([]compiledRule, error) {
	if len(rules) > MaxRules {
		return nil, domain.FieldError("rules", "At most %d rules per OU.", MaxRules)
	}
	out := make([]compiledRule, 0, len(rules))
	for i, r := range rules {
		at := fmt.Sprintf("rules[%d].conditions", i)
		if len(r.Conditions) == 0 || len(r.Conditions) > MaxConditions {
			return nil, domain.FieldError(at, "A rule needs 1 to %d conditions.", MaxConditions)
		}
		var cr compiledRule
		for j, c := range r.Conditions {
			cc, err := compileCond(c, fmt.Sprintf("%s[%d]", at, j))
			if err != nil {
				return nil, err
			}
			cr = append(cr, cc)
		}
		out = append(out, cr)
	}
	return out, nil
}

func compileCond(c Condition, at string) (compiledCond, error) {
	cc := compiledCond{attr: attrIndex(c.Attribute), op: c.Operator}
	if cc.attr < 0 {
		return cc, domain.FieldError(at+".attribute", "Unknown attribute %q; use one of %s.", c.Attribute, strings.Join(attrNames, ", "))
	}
	if !slices.Contains(Operators, c.Operator) {
		return cc, domain.FieldError(at+".operator", "Unknown operator %q; use one of %s.", c.Operator, strings.Join(Operators, ", "))
	}
	for _, v := range c.Values {
		cc.values = append(cc.values, fold(v))
	}
	switch n := len(cc.values); {
	case c.Operator == OpIsEmpty && n != 0:
		return cc, domain.FieldError(at+".values", "is_empty takes no values.")
	case c.Operator == OpIn && n == 0:
		return cc, domain.FieldError(at+".values", "in needs at least one value.")
	case c.Operator != OpIsEmpty && c.Operator != OpIn && n != 1:
		return cc, domain.FieldError(at+".values", "%s takes exactly one value.", c.Operator)
	case c.Operator == OpStartsWith && cc.values[0] == "":
		return cc, domain.FieldError(at+".values", "starts_with needs a non-empty prefix.")
	}
	return cc, nil
}

// normaliseRules returns rules with attribute names spelled as Graph does.
func normaliseRules(rules []Rule) []Rule {
	out := make([]Rule, len(rules))
	for i, r := range rules {
		out[i].Conditions = make([]Condition, len(r.Conditions))
		for j, c := range r.Conditions {
			c.Attribute = attrNames[attrIndex(c.Attribute)]
			if c.Values == nil {
				c.Values = []string{}
			}
			out[i].Conditions[j] = c
		}
	}
	return out
}
