package graph

import (
	"fmt"
	"regexp"
	"strings"
)

// userFilter is a parsed $filter: clauses that must all hold.
type userFilter []func(m map[string]any) bool

var (
	reStartsWith = regexp.MustCompile(`(?i)^startswith\(\s*([A-Za-z]+)\s*,\s*'((?:[^']|'')*)'\s*\)$`)
	reCompare    = regexp.MustCompile(`(?i)^([A-Za-z]+)\s+(eq|ne)\s+('(?:[^']|'')*'|true|false|null)$`)
	reAnyLicense = regexp.MustCompile(`(?i)^assignedLicenses/any\(\s*(\w+)\s*:\s*(\w+)/skuId\s+eq\s+([0-9a-fA-F-]{36})\s*\)$`)
)

// filterable are the user properties $filter may name here.
var filterable = map[string]bool{
	"id": true, "accountEnabled": true, "userType": true, "displayName": true, "givenName": true, "surname": true,
	"userPrincipalName": true, "mail": true, "department": true, "companyName": true, "jobTitle": true, "country": true,
	"city": true, "state": true, "usageLocation": true, "officeLocation": true, "preferredLanguage": true,
}

// parseUserFilter supports what Canopy needs: "and" of eq comparisons,
// startswith(prop,'x') and assignedLicenses/any(x:x/skuId eq {guid});
// ne needs advanced queries (ConsistencyLevel: eventual), as in Graph.
func parseUserFilter(raw string, advanced bool) (userFilter, *apiError) {
	if strings.TrimSpace(raw) == "" {
		return nil, nil
	}
	var f userFilter
	for _, clause := range splitAnd(raw) {
		fn, e := parseClause(strings.TrimSpace(clause), advanced)
		if e != nil {
			return nil, e
		}
		f = append(f, fn)
	}
	return f, nil
}

func parseClause(c string, advanced bool) (func(map[string]any) bool, *apiError) {
	if m := reAnyLicense.FindStringSubmatch(c); m != nil && m[1] == m[2] {
		sku := strings.ToLower(m[3])
		return func(u map[string]any) bool { return hasSku(u, sku) }, nil
	}
	if m := reStartsWith.FindStringSubmatch(c); m != nil {
		prop, e := filterProp(m[1])
		if e != nil {
			return nil, e
		}
		want := strings.ToLower(strings.ReplaceAll(m[2], "''", "'"))
		return func(u map[string]any) bool {
			s, _ := u[prop].(string)
			return strings.HasPrefix(strings.ToLower(s), want)
		}, nil
	}
	m := reCompare.FindStringSubmatch(c)
	if m == nil {
		return nil, badRequest("BadRequest", "Invalid filter clause: "+c)
	}
	prop, e := filterProp(m[1])
	if e != nil {
		return nil, e
	}
	ne := strings.EqualFold(m[2], "ne")
	if ne && !advanced {
		return nil, badRequest("Request_UnsupportedQuery", fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource 'User'.", prop))
	}
	want := literal(m[3])
	return func(u map[string]any) bool { return equalValue(u[prop], want) != ne }, nil
}

func filterProp(p string) (string, *apiError) {
	if name, ok := lookupProp(filterable, p); ok {
		return name, nil
	}
	if _, ok := lookupProp(userProps, p); ok {
		return "", badRequest("Request_UnsupportedQuery", fmt.Sprintf("Unsupported or invalid query filter clause specified for property '%s' of resource 'User'.", p))
	}
	return "", badRequest("Request_BadRequest", fmt.Sprintf("Could not find a property named '%s' on type 'microsoft.graph.user'.", p))
}

func literal(s string) any {
	switch strings.ToLower(s) {
	case "true":
		return true
	case "false":
		return false
	case "null":
		return nil
	}
	return strings.ReplaceAll(s[1:len(s)-1], "''", "'")
}

// equalValue compares like Graph: strings case-insensitively.
func equalValue(got, want any) bool {
	gs, gok := got.(string)
	ws, wok := want.(string)
	if gok && wok {
		return strings.EqualFold(gs, ws)
	}
	return got == want
}

func hasSku(u map[string]any, sku string) bool {
	lic, _ := u["assignedLicenses"].([]map[string]any)
	for _, l := range lic {
		if s, _ := l["skuId"].(string); strings.EqualFold(s, sku) {
			return true
		}
	}
	return false
}

// splitAnd splits on " and " outside quoted strings and parentheses.
func splitAnd(s string) []string {
	var out []string
	depth, quoted, start := 0, false, 0
	for i := 0; i < len(s); i++ {
		switch s[i] {
		case '\'':
			quoted = !quoted
		case '(':
			if !quoted {
				depth++
			}
		case ')':
			if !quoted {
				depth--
			}
		case ' ':
			if !quoted && depth == 0 && i+5 <= len(s) && strings.EqualFold(s[i:i+5], " and ") {
				out = append(out, s[start:i])
				start = i + 5
				i += 4
			}
		}
	}
	return append(out, s[start:])
}

func (f userFilter) match(u map[string]any) bool {
	for _, fn := range f {
		if !fn(u) {
			return false
		}
	}
	return true
}
