package m365

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/sandbox/graph"
)

func TestUsersEveryUserOnceAcrossPages(t *testing.T) {
	e := newEnv(t, 2100) // three pages of at most 999
	c := e.client(nil)
	got := map[string]User{}
	err := c.Users(context.Background(), func(u User) error {
		if _, dup := got[u.ID]; dup {
			return fmt.Errorf("user %s twice", u.ID)
		}
		got[u.ID] = u
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := e.g.Users(testTenant)
	if len(got) != len(want) {
		t.Fatalf("%d users, the tenant has %d", len(got), len(want))
	}
	for _, w := range want {
		checkUser(t, got[w.ID], w)
	}
	reqs := e.rec.sent()
	if len(reqs) != 3 || e.faults.Count("graph", "/v1.0/users") != 3 {
		t.Fatalf("%d requests for 2100 users, want 3 pages", len(reqs))
	}
	q, _ := url.ParseQuery(reqs[0].rawQuery)
	if q.Get("$select") != strings.Join(userSelect, ",") || q.Get("$top") != "999" {
		t.Fatalf("first page query %q", reqs[0].rawQuery)
	}
}

func checkUser(t *testing.T, g User, w graph.User) {
	t.Helper()
	if g.DisplayName != w.DisplayName || g.CompanyName != w.CompanyName || g.Department != w.Department ||
		g.GivenName != w.GivenName || g.Surname != w.Surname || g.JobTitle != w.JobTitle || g.State != w.State ||
		g.PostalCode != w.PostalCode || g.StreetAddress != w.StreetAddress || g.City != w.City ||
		g.PreferredLanguage != w.PreferredLanguage || g.UsageLocation != w.UsageLocation ||
		g.UserPrincipalName != w.UserPrincipalName || g.OfficeLocation != w.OfficeLocation || g.Country != w.Country ||
		g.UserType != w.UserType || g.AccountEnabled != w.AccountEnabled || g.Mail != w.Mail {
		t.Fatalf("user %s:\n got %+v\nwant %+v", w.ID, g, w)
	}
	if len(g.AssignedLicenses) != len(w.AssignedLicenses) {
		t.Fatalf("user %s: %d licences, want %d", w.ID, len(g.AssignedLicenses), len(w.AssignedLicenses))
	}
	for i, l := range w.AssignedLicenses {
		if g.AssignedLicenses[i].SkuID != l.SkuID || len(g.AssignedLicenses[i].DisabledPlans) != len(l.DisabledPlans) {
			t.Fatalf("user %s licence %d: %+v, want %+v", w.ID, i, g.AssignedLicenses[i], l)
		}
	}
	for i, v := range w.OnPremisesExtensionAttributes {
		if got := g.OnPremisesExtensionAttributes[fmt.Sprintf("extensionAttribute%d", i+1)]; got != v {
			t.Fatalf("user %s extensionAttribute%d = %q, want %q", w.ID, i+1, got, v)
		}
	}
}

func TestSubscribedSKUs(t *testing.T) {
	e := newEnv(t, 150)
	skus, err := e.client(nil).SubscribedSKUs(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := e.g.SKUs(testTenant)
	if len(skus) != len(want) {
		t.Fatalf("%d SKUs, want %d", len(skus), len(want))
	}
	consumed := 0
	for i, w := range want {
		s := skus[i]
		if s.SkuID != w.SkuID || s.SkuPartNumber != w.SkuPartNumber || s.ConsumedUnits != w.Consumed ||
			s.PrepaidUnits != (PrepaidUnits{Enabled: w.Enabled, Suspended: w.Suspended, Warning: w.Warning, LockedOut: w.LockedOut}) ||
			s.CapabilityStatus != w.CapabilityStatus || s.AppliesTo != w.AppliesTo || len(s.ServicePlans) != len(w.ServicePlans) {
			t.Fatalf("SKU %d:\n got %+v\nwant %+v", i, s, w)
		}
		if s.ServicePlans[0].ServicePlanID != w.ServicePlans[0].ID || s.ServicePlans[0].ServicePlanName != w.ServicePlans[0].Name {
			t.Fatalf("SKU %s plan %+v", s.SkuPartNumber, s.ServicePlans[0])
		}
		consumed += s.ConsumedUnits
	}
	if consumed == 0 {
		t.Fatal("no consumed units at all")
	}
}

func TestOrganizationGroupsAndMembers(t *testing.T) {
	e := newEnv(t, 120)
	c := e.client(nil)
	ctx := context.Background()
	org, err := c.Organization(ctx)
	if err != nil || org.ID != testTenant || org.DisplayName != "Contoso Ltd" || len(org.VerifiedDomains) == 0 {
		t.Fatalf("organization %+v, %v", org, err)
	}
	var groups []Group
	if err := c.Groups(ctx, func(g Group) error { groups = append(groups, g); return nil }); err != nil {
		t.Fatal(err)
	}
	if len(groups) != 8 || groups[0].DisplayName != "All Staff" || len(groups[0].GroupTypes) != 1 {
		t.Fatalf("groups %+v", groups)
	}
	members := 0
	err = c.GroupMembers(ctx, groups[0].ID, func(m Member) error {
		if m.Type != "#microsoft.graph.user" || m.ID == "" || !strings.Contains(m.UserPrincipalName, "@") {
			return fmt.Errorf("member %+v", m)
		}
		members++
		return nil
	})
	wantMembers := 0
	for _, u := range e.g.Users(testTenant) {
		if u.UserType == "Member" {
			wantMembers++
		}
	}
	if err != nil || members != wantMembers {
		t.Fatalf("All Staff: %d members (want %d), %v", members, wantMembers, err)
	}
}

func TestBatchOf45IsThreeRequests(t *testing.T) {
	e := newEnv(t, 60)
	users := e.g.Users(testTenant)
	var reqs []BatchRequest
	for _, u := range users[:45] {
		reqs = append(reqs, BatchRequest{Method: "GET", URL: "/users/" + u.ID + "?$select=id,displayName"})
	}
	resps, err := e.client(nil).Batch(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	if len(resps) != 45 {
		t.Fatalf("%d responses", len(resps))
	}
	for i, r := range resps {
		if r.Status != 200 || r.ID != fmt.Sprint(i+1) || !strings.Contains(string(r.Body), users[i].ID) {
			t.Fatalf("response %d: %d %s", i, r.Status, r.Body)
		}
	}
	if n := e.faults.Count("graph", "/v1.0/$batch"); n != 3 {
		t.Fatalf("%d $batch requests for 45, want 3", n)
	}
}

func TestBatchRetriesThrottledInnerRequests(t *testing.T) {
	e := newEnv(t, 60)
	e.g.SetThrottle(testTenant, 12) // 12 a minute: 8 of the first 20 are refused
	users := e.g.Users(testTenant)
	var reqs []BatchRequest
	for i, u := range users[:20] {
		reqs = append(reqs, BatchRequest{ID: fmt.Sprintf("u%d", i), Method: "GET", URL: "/users/" + u.ID})
	}
	resps, err := e.client(nil).Batch(context.Background(), reqs)
	if err != nil {
		t.Fatal(err)
	}
	for i, r := range resps {
		if r.Status != 200 || r.ID != reqs[i].ID {
			t.Fatalf("response %d after retries: %d %s", i, r.Status, r.Body)
		}
	}
	waits := e.recordedWaits()
	if n := e.faults.Count("graph", "/v1.0/$batch"); n != 2 || len(waits) != 1 || waits[0] != 30e9 {
		t.Fatalf("%d $batch requests, waits %v; want 2 and one wait of Retry-After 30 s", n, waits)
	}
}
