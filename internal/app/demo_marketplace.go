package app

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/sandbox"
)

// demoVendors are the demo catalog: vendor, programme, product and its
// items with a price per term (USD, the demo organisation's currency).
var demoVendors = []struct {
	name, program, product string
	items                  []demoItem
}{
	{"Adobe", "adobe-vip", "Creative Cloud for teams", []demoItem{{"Photoshop", "65304520CA01A12", "P1Y", "359.88"},
		{"Acrobat Pro", "65304522CA01A12", "P1Y", "239.88"}, {"Illustrator", "65304521CA01A12", "P1Y", "359.88"}}},
	{"Microsoft", "microsoft-nce", "Microsoft 365", []demoItem{{"Microsoft 365 E3", "CFQ7TTC0LFLX", "P1Y-M", "36.00"},
		{"Microsoft 365 Business Premium", "CFQ7TTC0LCHC", "P1M", "26.40"}}},
	{"Atlassian", "general", "Jira Software Cloud", []demoItem{{"Jira Standard (per user)", "JIRA-STD", "P1M", "8.15"}}},
}

type demoItem struct{ name, sku, term, price string }

// seedDemoMarketplace builds the catalog, a buyer and two completed
// purchases (fulfilled by hand, before the sandbox vendor runs) with
// this month's invoice, so the Marketplace area opens on real objects.
func (a *App) seedDemoMarketplace(ctx context.Context, sys *auth.Principal, now time.Time) error {
	s, who := a.Marketplace, cliActor
	buyer, err := s.CreateBuyer(ctx, sys, who, marketplace.BuyerInput{Name: "Contoso Ltd", Currency: "USD", Address: "1 Microsoft Way, Redmond, WA"})
	if err != nil {
		return err
	}
	type firstItem struct{ id, term string }
	first := map[string]firstItem{} // vendor → its first item
	for _, v := range demoVendors {
		vendor, err := s.CreateVendor(ctx, sys, who, marketplace.VendorInput{Name: v.name, Program: v.program})
		if err != nil {
			return err
		}
		p, err := s.CreateProduct(ctx, sys, who, marketplace.ProductInput{VendorID: vendor.ID, Name: v.product, Category: "Software"})
		if err != nil {
			return err
		}
		for _, it := range v.items {
			item, err := s.CreateItem(ctx, sys, who, marketplace.ItemInput{ProductID: p.ID, Name: it.name, SKU: it.sku,
				Prices: []marketplace.Price{{Term: it.term, Currency: "USD", UnitPrice: it.price}}})
			if err != nil {
				return err
			}
			if _, ok := first[v.name]; !ok {
				first[v.name] = firstItem{item.ID, it.term}
			}
		}
	}
	for vendor, po := range map[string]string{"Adobe": "PO-4500012345-CREATIVE", "Microsoft": "PO-4500012399"} {
		it := first[vendor]
		o, err := s.Purchase(ctx, sys, who, marketplace.OrderInput{BuyerID: buyer.ID, PONumber: po, Submit: true,
			Lines: []marketplace.LineInput{{ItemID: it.id, Term: it.term, Quantity: 12}}})
		if err != nil {
			return err
		}
		// No vendor is reachable yet: claim the order now and complete it
		// by hand, as operations would.
		if err := s.DispatchAgreement(ctx, sys.Org.ID, o.AgreementID); err != nil {
			return err
		}
		if _, err := s.Decide(ctx, sys, who, o.ID, marketplace.Outcome{State: marketplace.OutcomeCompleted}); err != nil {
			return err
		}
		if _, err := s.SetAgreementPO(ctx, sys, who, o.AgreementID, po); err != nil {
			return err
		}
	}
	_, err = s.IssueInvoices(ctx, sys, who, now)
	return err
}

// connectDemoVendors points the demo catalog's vendors at the sandbox
// vendor's ordering system (its address changes with every start).
func (a *App) connectDemoVendors(ctx context.Context, cloud *sandbox.Cloud, orgID string) error {
	sys, err := a.Auth.SystemPrincipal(ctx, orgID)
	if err != nil {
		return err
	}
	cat, err := a.Marketplace.Catalog(ctx, sys)
	if err != nil {
		return err
	}
	for _, v := range cat.Vendors {
		if err := a.Marketplace.SetVendorAPI(ctx, sys, cliActor, v.ID, marketplace.VendorAPIInput{URL: cloud.VendorURL, APIKey: sandbox.DemoVendorAPIKey}); err != nil {
			return err
		}
	}
	return nil
}
