package app

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/store"
)

// The demo's catalog has three vendors and two completed, invoiced
// purchases; once the sandbox cloud runs, a new purchase goes over HTTPS
// to the sandbox vendor's ordering system and completes through the
// jobs, with nobody deciding by hand.
func TestDemoMarketplaceBuysThroughTheSandboxVendor(t *testing.T) {
	a, _ := openServingApp(t)
	ctx := context.Background()
	marketplace.PollEvery = 100 * time.Millisecond
	org, _, err := a.findOrCreateOrg(ctx, demoOrgName)
	if err != nil {
		t.Fatal(err)
	}
	sys, err := a.Auth.SystemPrincipal(ctx, org.ID)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.seedDemoMarketplace(ctx, sys, time.Now()); err != nil {
		t.Fatal(err)
	}
	cat, err := a.Marketplace.Catalog(ctx, sys)
	if err != nil || len(cat.Vendors) != 3 || len(cat.Buyers) != 1 {
		t.Fatalf("catalog %d vendors, %d buyers (%v)", len(cat.Vendors), len(cat.Buyers), err)
	}
	for _, p := range cat.Products { // every demo product may be bought by every buyer
		if ok, err := a.Store.MktListedFor(ctx, org.ID, p.ID, cat.Buyers[0].ID); !ok || err != nil {
			t.Fatalf("demo product %s is not listed for the demo buyer (%v)", p.Name, err)
		}
	}
	agrs, err := a.Marketplace.Agreements(ctx, sys, marketplace.AgreementFilter{Status: "Active"})
	if err != nil || len(agrs.Items) != 2 {
		t.Fatalf("active agreements %+v %v", agrs.Items, err)
	}
	if invs, _ := a.Marketplace.Invoices(ctx, sys, marketplace.InvoiceFilter{}); len(invs.Items) != 1 {
		t.Fatalf("invoices %+v", invs.Items)
	}
	cloud, err := a.startDemoCloud(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = cloud.Close() })
	var jira string
	for _, it := range cat.Items {
		if it.SKU == "JIRA-STD" {
			jira = it.ID
		}
	}
	o, err := a.Marketplace.Purchase(ctx, sys, cliActor, marketplace.OrderInput{BuyerID: cat.Buyers[0].ID, Submit: true,
		Lines: []marketplace.LineInput{{ItemID: jira, Term: "P1M", Quantity: 40}}})
	if err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(60 * time.Second) // a bound for a loaded machine, not a timing check
	for {
		got, err := a.Store.GetMktOrder(ctx, org.ID, o.ID, false)
		if err == nil && got.Status == "Completed" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("order %s is still %s (%v)", o.ID, got.Status, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	if v, ok := cloud.Vendor.Get(o.ID); !ok || v.Sends != 1 {
		t.Fatalf("the sandbox vendor has %+v", v)
	}
	if a.Store.DB().Engine != store.SQLite {
		t.Fatal("the demo runs on SQLite")
	}
}
