package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func costResource(i int, sub, rg string) store.Resource {
	id := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/Microsoft.Compute/virtualMachines/VM-%02d", sub, rg, i)
	return store.Resource{Provider: "Microsoft", Key: lower(id), ResourceID: id, Name: fmt.Sprintf("vm-%02d", i),
		Type: "microsoft.compute/virtualmachines", Region: "westeurope", SubAccount: sub, ResourceGroup: rg,
		CloudTags: map[string]string{"env": "prod"}}
}

func lower(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 32
		}
	}
	return string(b)
}

// The inventory lists, filters and pages an organisation's resources by
// name; another organisation sees none of them, and the cost-data upsert
// adds new resources once and refreshes only those cost data added.
func TestResourcesListFilterPageAndTenancy(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		var rs []store.Resource
		for i := range 7 {
			rs = append(rs, costResource(i, []string{"sub-1", "sub-2"}[i%2], []string{"RG-Web", "rg-data"}[i%2]))
		}
		now := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
		saved, err := s.UpsertCostResources(ctx, a, rs, now)
		if err != nil || saved.Added != 7 {
			t.Fatalf("first upsert: %+v %v", saved, err)
		}
		rs[0].Name = "renamed"
		if saved, err = s.UpsertCostResources(ctx, a, rs, now.Add(time.Hour)); err != nil || saved.Added != 0 || saved.Updated != 7 {
			t.Fatalf("second upsert: %+v %v", saved, err)
		}
		var names []string
		cursor := ""
		for {
			page, next, err := s.ListResources(ctx, a, store.ResourceFilter{Limit: 3, Cursor: cursor})
			if err != nil {
				t.Fatal(err)
			}
			for _, r := range page {
				names = append(names, r.Name)
			}
			if cursor = next; cursor == "" {
				break
			}
		}
		if fmt.Sprint(names) != "[renamed vm-01 vm-02 vm-03 vm-04 vm-05 vm-06]" {
			t.Fatalf("paged names: %v", names)
		}
		got, _, err := s.ListResources(ctx, a, store.ResourceFilter{ResourceGroup: "rg-web", SubAccount: "sub-1"})
		if err != nil || len(got) != 4 {
			t.Fatalf("rg-web in sub-1 (any case): %d %v", len(got), err)
		}
		if got, _, err = s.ListResources(ctx, a, store.ResourceFilter{Search: "VM-03"}); err != nil || len(got) != 1 || got[0].Name != "vm-03" {
			t.Fatalf("search by ID: %+v %v", got, err)
		}
		if got, _, err = s.ListResources(ctx, b, store.ResourceFilter{}); err != nil || len(got) != 0 {
			t.Fatalf("B sees A's resources: %d %v", len(got), err)
		}
		if _, err := s.GetResource(ctx, b, page1(t, s, a).ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B reads A's resource: %v", err)
		}
		// A synced resource (its provider spelled otherwise) keeps its row:
		// the cost data neither adds it again nor overwrites it.
		synced := costResource(99, "sub-1", "rg-sync")
		synced.OrgID, synced.Provider, synced.Source, synced.Name = a, "azure", store.ResourceFromSync, "synced-vm"
		if _, err := s.CreateResource(ctx, synced); err != nil {
			t.Fatal(err)
		}
		fromCosts := costResource(99, "sub-1", "rg-sync")
		fromCosts.Name = "cost-name"
		if saved, err = s.UpsertCostResources(ctx, a, []store.Resource{fromCosts}, now); err != nil || saved.Added+saved.Updated != 0 {
			t.Fatalf("cost data over a synced resource: %+v %v", saved, err)
		}
		if got, _, _ := s.ListResources(ctx, a, store.ResourceFilter{Search: "vm-99"}); len(got) != 1 || got[0].Name != "synced-vm" {
			t.Fatalf("synced resource after the cost upsert: %+v", got)
		}
		f, err := s.ResourceFacets(ctx, a)
		if err != nil || f.Total != 8 || fmt.Sprint(f.SubAccounts) != "[sub-1 sub-2]" || len(f.ResourceGroups) != 3 {
			t.Fatalf("facets: %+v %v", f, err)
		}
	})
}

func page1(t *testing.T, s *store.Store, org string) store.Resource {
	t.Helper()
	list, _, err := s.ListResources(context.Background(), org, store.ResourceFilter{Limit: 1})
	if err != nil || len(list) != 1 {
		t.Fatalf("first resource: %v", err)
	}
	return list[0]
}

// Canopy's tag edit is kept beside the cloud's tags and listed as pending
// until cleared; aliases and policies stay in their organisation.
func TestResourceTagsAliasesAndPolicies(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		if _, err := s.UpsertCostResources(ctx, a, []store.Resource{costResource(1, "sub-1", "rg")}, domain.Now()); err != nil {
			t.Fatal(err)
		}
		r := page1(t, s, a)
		if err := s.SaveTagState(ctx, b, r.ID, nil, nil, map[string]string{}, nil); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B tags A's resource: %v", err)
		}
		want := map[string]string{"env": "prod", "CostCenter": "42"}
		if err := s.SaveTagState(ctx, a, r.ID, r.CloudTags, r.CloudTags, want, nil); err != nil {
			t.Fatal(err)
		}
		pending, err := s.PendingTagEdits(ctx, a)
		if err != nil || len(pending) != 1 || pending[0].CanopyTags["CostCenter"] != "42" || pending[0].BaseTags["env"] != "prod" {
			t.Fatalf("pending: %+v %v", pending, err)
		}
		if pending, _ = s.PendingTagEdits(ctx, b); len(pending) != 0 {
			t.Fatal("B sees A's pending edits")
		}
		if err := s.PutTagAlias(ctx, a, "ENV", "Environment"); err != nil {
			t.Fatal(err)
		}
		if err := s.PutTagAlias(ctx, a, "env", "Env"); err != nil { // replaces
			t.Fatal(err)
		}
		al, err := s.ListTagAliases(ctx, a)
		if err != nil || len(al) != 1 || al[0].Alias != "env" || al[0].Canonical != "Env" {
			t.Fatalf("aliases: %+v %v", al, err)
		}
		if al, _ = s.ListTagAliases(ctx, b); len(al) != 0 {
			t.Fatal("B sees A's aliases")
		}
		p, err := s.CreateTagPolicy(ctx, store.TagPolicy{OrgID: a, Key: "CostCenter", AllowedValues: []string{"42"}})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateTagPolicy(ctx, store.TagPolicy{OrgID: a, Key: "CostCenter"}); domain.ErrorField(err) != "key" {
			t.Fatalf("duplicate key: %v", err)
		}
		if _, err := s.GetTagPolicy(ctx, b, p.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B reads A's policy: %v", err)
		}
		if err := s.DeleteTagPolicy(ctx, b, p.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B deletes A's policy: %v", err)
		}
		got, err := s.ListTagPolicies(ctx, a)
		if err != nil || len(got) != 1 || fmt.Sprint(got[0].AllowedValues) != "[42]" {
			t.Fatalf("policies: %+v %v", got, err)
		}
	})
}
