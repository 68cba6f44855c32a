package delegation

import (
	"encoding/json"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// FuzzOURules feeds arbitrary OU rule JSON (what PUT /m365/ous stores)
// and an arbitrary directory user (attributes and the extension and
// licence JSON Graph sent) through the rule compiler and matcher. Nothing
// may panic; refusals name the field; and the rules as stored (with
// attribute names normalised) match exactly the users the rules as typed
// match.
func FuzzOURules(f *testing.F) {
	f.Add(`[{"conditions":[{"attribute":"department","operator":"equals","values":["Sales"]}]}]`, " SALES ", "ann@Contoso.com", `{"extensionAttribute7":"CC-4711"}`, `[{"skuId":"e3"}]`)
	f.Add(`[{"conditions":[{"attribute":"EXTENSIONATTRIBUTE7","operator":"in","values":["cc-4711","x"]},{"attribute":"upnDomain","operator":"starts_with","values":["contoso"]}]},`+
		`{"conditions":[{"attribute":"city","operator":"is_empty"}]}]`, "", "ann@contoso.com", `{"extensionAttribute7":"cc-4711"}`, `[]`)
	f.Add(`[{"conditions":[{"attribute":"country","operator":"not_equals","values":["DE"]}]}]`, "x", "nobody", `{`, `[{`)
	f.Add(`[{"conditions":[]}]`, "", "", "", "")
	f.Fuzz(func(t *testing.T, in, dept, upn, ext, lic string) {
		var rules []Rule
		if json.Unmarshal([]byte(in), &rules) != nil {
			return
		}
		typed, err := compileRules(rules)
		if err != nil {
			if domain.ErrorField(err) == "" {
				t.Fatalf("refusal without a field: %v", err)
			}
			return
		}
		stored, err := compileRules(normaliseRules(rules))
		if err != nil {
			t.Fatalf("normalised rules refused: %v", err)
		}
		u := NewSubject(store.M365User{ObjectID: "u1", Department: dept, UserPrincipalName: upn,
			ExtensionAttributes: []byte(ext), AssignedLicenses: []byte(lic)})
		// A directory in which the user is in a group named after the
		// department and the UPN is someone's manager, so group and
		// manager rules have something to match.
		dir := NewDirectory(map[string][]string{"u1": {dept}}, map[string]string{upn: "boss"})
		for i := range typed {
			if typed[i].match(&u, dir) != stored[i].match(&u, dir) {
				t.Fatalf("rule %d matches differently once stored", i)
			}
		}
	})
}
