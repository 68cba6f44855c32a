package api_test

import (
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/store"
)

// seededMarket is a tenant's catalog (with fixed IDs, so that request
// bodies can name them: tenant alpha's end in 0001, beta's in 0002) and
// a completed, invoiced purchase.
type seededMarket struct {
	vendorID, agreementID, subscriptionID, orderID, invoiceID, statementID string
	productID, itemID                                                      string
}

// mktIDs are the fixed catalog IDs of a tenant.
func mktIDs(slug string) (vendor, product, item, buyer string) {
	n := map[string]string{"alpha": "0001", "beta": "0002"}[slug]
	return "VND-" + n + "-" + n, "PRD-" + n + "-" + n, "ITM-" + n + "-" + n + "-" + n, "buy_" + slug
}

func (f *fixture) seedMarketplace(p *auth.Principal, slug string) seededMarket {
	f.t.Helper()
	must := func(err error) {
		f.t.Helper()
		if err != nil {
			f.t.Fatal(err)
		}
	}
	org := p.Org.ID
	vendor, product, item, buyer := mktIDs(slug)
	_, err := f.st.CreateMktVendor(f.ctx, store.MktVendor{OrgID: org, ID: vendor, Name: "Adobe " + slug, Program: "adobe-vip"})
	must(err)
	_, err = f.st.CreateMktProduct(f.ctx, store.MktProduct{OrgID: org, ID: product, VendorID: vendor, Name: "Creative Cloud " + slug})
	must(err)
	_, err = f.st.CreateMktItem(f.ctx, store.MktItem{OrgID: org, ID: item, ProductID: product, Name: "Photoshop " + slug, SKU: "SKU-" + slug,
		Unit: "licence", Prices: []store.MktPrice{{Term: "P1Y", Currency: "EUR", UnitPrice: "263.88"}}})
	must(err)
	_, err = f.st.CreateMktBuyer(f.ctx, store.MktBuyer{OrgID: org, ID: buyer, Name: "Buyer " + slug, Currency: "EUR"})
	must(err)
	svc, who := f.market, p.Actor("127.0.0.1", testUA)
	o, err := svc.Purchase(f.ctx, p, who, marketplace.OrderInput{BuyerID: buyer, PONumber: "PO-" + slug, Submit: true,
		Lines: []marketplace.LineInput{{ItemID: item, Term: "P1Y", Quantity: 3}}})
	must(err)
	_, err = svc.Decide(f.ctx, p, who, o.ID, marketplace.Outcome{State: marketplace.OutcomeCompleted})
	must(err)
	invs, err := svc.IssueInvoices(f.ctx, p, who, domain.Now())
	must(err)
	d, err := svc.Invoice(f.ctx, p, invs[0].ID)
	must(err)
	return seededMarket{vendorID: vendor, agreementID: o.AgreementID, subscriptionID: o.Lines[0].SubscriptionID, orderID: o.ID, invoiceID: invs[0].ID,
		statementID: d.Statements[0].Statement.ID, productID: product, itemID: item}
}
