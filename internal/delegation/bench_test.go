package delegation_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// benchDirectory is 50,000 users over 20 countries, 40 departments and
// 15 cost centres, and 61 OUs: 20 country OUs, each with 2 department
// OUs below it (one a range of cost centres by prefix), and one OU of 500
// users picked by hand.
func benchDirectory() (*delegation.Tree, []delegation.Subject) {
	subs := make([]delegation.Subject, 50000)
	var picked []string
	for i := range subs {
		id := fmt.Sprintf("u%05d", i)
		subs[i] = delegation.NewSubject(store.M365User{ObjectID: id, DisplayName: "User " + id,
			UserPrincipalName: id + "@contoso.test", Country: fmt.Sprintf("C%02d", i%20), Department: fmt.Sprintf("Dept %d", i%40),
			City: fmt.Sprintf("City %d", i%300), ExtensionAttributes: []byte(fmt.Sprintf(`{"extensionAttribute1":"CC-%d"}`, i%15)),
			AssignedLicenses: []byte(`[{"skuId":"sku-e3","disabledPlans":[]}]`)})
		if i%100 == 0 {
			picked = append(picked, id)
		}
	}
	var ous []delegation.OU
	for c := range 20 {
		country := delegation.OU{ID: fmt.Sprintf("c%d", c), Name: fmt.Sprintf("Country %d", c), Rules: []delegation.Rule{
			{Conditions: []delegation.Condition{{Attribute: "country", Operator: "equals", Values: []string{fmt.Sprintf("c%02d", c)}}}}},
			Required: []delegation.Requirement{{Attribute: "usageLocation", Value: "DE"}}}
		sales := delegation.OU{ID: fmt.Sprintf("s%d", c), ParentID: country.ID, Name: fmt.Sprintf("Sales %d", c), Rules: []delegation.Rule{
			{Conditions: []delegation.Condition{{Attribute: "country", Operator: "equals", Values: []string{fmt.Sprintf("C%02d", c)}},
				{Attribute: "department", Operator: "in", Values: []string{"Dept 1", "Dept 2", "Dept 3"}}}}}}
		cc := delegation.OU{ID: fmt.Sprintf("k%d", c), ParentID: country.ID, Name: fmt.Sprintf("CC %d", c), Rules: []delegation.Rule{
			{Conditions: []delegation.Condition{{Attribute: "country", Operator: "equals", Values: []string{fmt.Sprintf("C%02d", c)}},
				{Attribute: "extensionAttribute1", Operator: "starts_with", Values: []string{"cc-1"}},
				{Attribute: "city", Operator: "not_equals", Values: []string{"City 7"}}}}}}
		ous = append(ous, country, sales, cc)
	}
	ous = append(ous, delegation.OU{ID: "hand", Name: "Picked", Include: picked})
	t, err := delegation.NewTree(ous)
	if err != nil {
		panic(err)
	}
	return t, subs
}

// BenchmarkMembers computes every OU's members of 50,000 users.
func BenchmarkMembers(b *testing.B) {
	t, subs := benchDirectory()
	b.ResetTimer()
	for b.Loop() {
		if m := t.Members(subs); len(m["c0"]) != 2500 {
			b.Fatalf("country 0 has %d members", len(m["c0"]))
		}
	}
}

// BenchmarkUserOUs answers "which OUs is this user in" for one user.
func BenchmarkUserOUs(b *testing.B) {
	t, subs := benchDirectory()
	b.ResetTimer()
	for b.Loop() {
		if p := t.Of(&subs[4201]); len(p) != 3 {
			b.Fatalf("placements %+v", p)
		}
	}
}

// BenchmarkCompliance checks 50,000 users against the country OUs'
// required usage location.
func BenchmarkCompliance(b *testing.B) {
	t, subs := benchDirectory()
	b.ResetTimer()
	for b.Loop() {
		if rep := t.Compliance("conn", subs); rep.Total != 50000 {
			b.Fatalf("deviations %d", rep.Total)
		}
	}
}

// BenchmarkNewSubject reads stored users (JSON extension attributes and
// licences) as subjects, per user.
func BenchmarkNewSubject(b *testing.B) {
	u := store.M365User{ObjectID: "u1", UserPrincipalName: "u1@contoso.test", Country: "DE", Department: "Sales",
		ExtensionAttributes: []byte(`{"extensionAttribute1":"CC-1"}`), AssignedLicenses: []byte(`[{"skuId":"sku-e3","disabledPlans":[]}]`)}
	for b.Loop() {
		_ = delegation.NewSubject(u)
	}
}

// BenchmarkServiceSQLite measures the service over a stored directory of
// 50,000 users and the 61 OUs of benchDirectory, on SQLite: one user's
// OUs, one OU's members, and a licence assignment whose quota check reads
// every holder of the SKU (here 49,999).
func BenchmarkServiceSQLite(b *testing.B) {
	h := newHarness(b, storetest.Open(b, store.SQLite))
	users := make([]store.M365User, 50000)
	for i := range users {
		id := fmt.Sprintf("u%05d", i)
		users[i] = store.M365User{ObjectID: id, DisplayName: "User " + id, UserPrincipalName: id + "@contoso.test",
			Country: fmt.Sprintf("C%02d", i%20), Department: fmt.Sprintf("Dept %d", i%40), City: fmt.Sprintf("City %d", i%300),
			ExtensionAttributes: []byte(fmt.Sprintf(`{"extensionAttribute1":"CC-%d"}`, i%15)),
			AssignedLicenses:    []byte(`[{"skuId":"sku-e3","disabledPlans":[]}]`), AccountEnabled: true}
	}
	users[1].AssignedLicenses = nil // u00001 gets the licence below
	snap := store.DirectorySnapshot{Users: users, HasSKUs: true, SKUs: []store.M365SKU{{SkuID: "sku-e3", SkuPartNumber: "SPE_E3"}}}
	if _, err := h.st.ReplaceDirectory(h.ctx, h.org.ID, h.conn, snap, time.Now()); err != nil {
		b.Fatal(err)
	}
	tr, _ := benchDirectory()
	ids := map[string]string{}
	for _, o := range tr.OUs() {
		o.ParentID = ids[o.ParentID]
		saved := h.ou(b, delegation.OUInput{Name: o.Name, ParentID: o.ParentID, Rules: o.Rules, Include: o.Include})
		ids[o.ID] = saved.ID
	}
	quota := int64(100000)
	if _, err := h.svc.SetLicencePolicies(h.ctx, h.owner, h.who, ids["c1"], []delegation.LicencePolicy{{SkuID: "sku-e3", Quota: &quota}}); err != nil {
		b.Fatal(err)
	}
	b.Run("UserOUs", func(b *testing.B) {
		for b.Loop() {
			if p, err := h.svc.UserOUs(h.ctx, h.owner, h.conn, "u04201"); err != nil || len(p) != 3 {
				b.Fatalf("%+v %v", p, err)
			}
		}
	})
	b.Run("Members", func(b *testing.B) {
		for b.Loop() {
			if m, err := h.svc.Members(h.ctx, h.owner, ids["c0"]); err != nil || len(m) != 2500 {
				b.Fatalf("%d %v", len(m), err)
			}
		}
	})
	b.Run("AuthorizeAssignWithQuota", func(b *testing.B) {
		for b.Loop() {
			d, err := h.svc.Authorize(h.ctx, h.org.ID, delegation.ActorOf(h.owner), delegation.Request{ConnectionID: h.conn,
				Action: delegation.ActAssignLicence, Target: "u00001", Params: delegation.Params{SkuID: "sku-e3"}})
			if err != nil || !d.Allowed {
				b.Fatalf("%+v %v", d, err)
			}
		}
	})
}
