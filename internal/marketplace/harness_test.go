package marketplace_test

import (
	"context"
	"net/http/httptest"
	"path/filepath"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/marketplace/vendorapi"
	"github.com/canopyhq/canopy/internal/sandbox/vendor"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// harness is an organisation with a catalog whose two vendors are
// reached over HTTPS: Adobe (VIP Marketplace rules) and Microsoft (NCE),
// both served by one sandbox vendor; and principals for an operations
// user, a buyer and a viewer.
type harness struct {
	ctx                context.Context
	t                  *testing.T
	st                 *store.Store
	svc                *marketplace.Service
	vendor             *vendor.Vendor
	ops, buyer, viewer *auth.Principal
	who                audit.Actor
	clock              time.Time
	buyerID            string
	photoshop, acrobat marketplace.Item
	m365E3             marketplace.Item
	adobe, microsoft   marketplace.Vendor
}

func principal(org domain.Org, email string, perms ...auth.Permission) *auth.Principal {
	return &auth.Principal{User: domain.User{ID: "usr_" + email[:3], Email: email}, Org: org, Perms: auth.NewPermissionSet(perms...)}
}

func newHarness(t *testing.T, db *store.DB) *harness {
	t.Helper()
	ctx := context.Background()
	st := store.New(db)
	now := domain.Now()
	org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name("mkt"), CreatedAt: now, UpdatedAt: now}
	if err := st.CreateOrg(ctx, org); err != nil {
		t.Fatal(err)
	}
	kv, err := keyvault.OpenLocal(filepath.Join(t.TempDir(), "key"))
	if err != nil {
		t.Fatal(err)
	}
	v := vendor.New("vendor-key-1")
	srv := httptest.NewTLSServer(v.Handler())
	t.Cleanup(srv.Close)
	h := &harness{ctx: ctx, t: t, st: st, vendor: v, who: audit.Actor{Email: "ops@acme.test"},
		clock: time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)}
	h.svc = marketplace.New(st, vendorapi.Fulfiller{Vault: kv, HTTP: srv.Client})
	h.svc.Now = func() time.Time { return h.clock }
	h.svc.Seal = func(p, aad string) (string, error) { return keyvault.SealString(kv, p, aad) }
	h.ops = principal(org, "ops@acme.test", auth.PermMarketplaceRead, auth.PermMarketplacePurchase, auth.PermMarketplaceManage)
	h.buyer = principal(org, "buyer@acme.test", auth.PermMarketplaceRead, auth.PermMarketplacePurchase)
	h.viewer = principal(org, "viewer@acme.test", auth.PermMarketplaceRead)
	h.seedCatalog(srv.URL)
	return h
}

func (h *harness) must(err error) {
	h.t.Helper()
	if err != nil {
		h.t.Fatal(err)
	}
}

func (h *harness) seedCatalog(url string) {
	var err error
	h.adobe, err = h.svc.CreateVendor(h.ctx, h.ops, h.who, marketplace.VendorInput{Name: "Adobe", Program: "adobe-vip"})
	h.must(err)
	h.microsoft, err = h.svc.CreateVendor(h.ctx, h.ops, h.who, marketplace.VendorInput{Name: "Microsoft", Program: "microsoft-nce"})
	h.must(err)
	for _, v := range []marketplace.Vendor{h.adobe, h.microsoft} {
		h.must(h.svc.SetVendorAPI(h.ctx, h.ops, h.who, v.ID, marketplace.VendorAPIInput{URL: url, APIKey: "vendor-key-1"}))
	}
	cc, err := h.svc.CreateProduct(h.ctx, h.ops, h.who, marketplace.ProductInput{VendorID: h.adobe.ID, Name: "Creative Cloud"})
	h.must(err)
	m365, err := h.svc.CreateProduct(h.ctx, h.ops, h.who, marketplace.ProductInput{VendorID: h.microsoft.ID, Name: "Microsoft 365"})
	h.must(err)
	h.photoshop = h.item(cc.ID, "Photoshop", "65304520CA01A12", marketplace.Price{Term: "P1Y", Currency: "EUR", UnitPrice: "263.88"})
	h.acrobat = h.item(cc.ID, "Acrobat Pro", "65304522CA01A12", marketplace.Price{Term: "P1Y", Currency: "EUR", UnitPrice: "239.88"})
	h.m365E3 = h.item(m365.ID, "Microsoft 365 E3", "CFQ7TTC0LFLX", marketplace.Price{Term: "P1M", Currency: "EUR", UnitPrice: "36.00"},
		marketplace.Price{Term: "P1Y-M", Currency: "EUR", UnitPrice: "33.00"})
	b, err := h.svc.CreateBuyer(h.ctx, h.ops, h.who, marketplace.BuyerInput{Name: "Acme GmbH", Currency: "EUR"})
	h.must(err)
	h.buyerID = b.ID
}

func (h *harness) item(product, name, sku string, prices ...marketplace.Price) marketplace.Item {
	it, err := h.svc.CreateItem(h.ctx, h.ops, h.who, marketplace.ItemInput{ProductID: product, Name: name, SKU: sku, Prices: prices})
	h.must(err)
	return it
}

// buy places and submits a purchase of n of item on term.
func (h *harness) buy(it marketplace.Item, term string, n int64) marketplace.Order {
	h.t.Helper()
	o, err := h.svc.Purchase(h.ctx, h.buyer, h.who, marketplace.OrderInput{BuyerID: h.buyerID, PONumber: "PO-1",
		Lines: []marketplace.LineInput{{ItemID: it.ID, Term: term, Quantity: n}}, Submit: true})
	h.must(err)
	return o
}

// poll polls the order's vendor once and returns the order as stored.
func (h *harness) poll(id string) marketplace.Order {
	h.t.Helper()
	_, err := h.svc.Poll(h.ctx, h.buyer.Org.ID, id)
	h.must(err)
	o, err := h.st.GetMktOrder(h.ctx, h.buyer.Org.ID, id, false)
	h.must(err)
	return o
}

func (h *harness) decide(id, state, msg string) {
	h.t.Helper()
	h.must(h.vendor.Decide(id, vendor.Decision{State: state, Message: msg}))
}

func (h *harness) agreement(id string) marketplace.Agreement {
	h.t.Helper()
	a, err := h.st.GetMktAgreement(h.ctx, h.buyer.Org.ID, id, false)
	h.must(err)
	return a
}

func (h *harness) sub(id string) marketplace.Subscription {
	h.t.Helper()
	s, err := h.st.GetMktSubscription(h.ctx, h.buyer.Org.ID, id, false)
	h.must(err)
	return s
}

// completedPurchase buys and completes n of item; it returns the order.
// completedCreativeCloud buys 5 Photoshop and 2 Acrobat, yearly, on one
// agreement and completes the purchase; the order's Lines[0] is
// Photoshop's subscription, Lines[1] Acrobat's.
func (h *harness) completedCreativeCloud() marketplace.Order {
	h.t.Helper()
	p, err := h.svc.Purchase(h.ctx, h.buyer, h.who, marketplace.OrderInput{BuyerID: h.buyerID, Submit: true,
		Lines: []marketplace.LineInput{{ItemID: h.photoshop.ID, Term: "P1Y", Quantity: 5}, {ItemID: h.acrobat.ID, Term: "P1Y", Quantity: 2}}})
	h.must(err)
	h.decide(p.ID, vendor.StateCompleted, "")
	h.poll(p.ID)
	return p
}

func (h *harness) completedPurchase(it marketplace.Item, term string, n int64) marketplace.Order {
	h.t.Helper()
	o := h.buy(it, term, n)
	h.decide(o.ID, vendor.StateCompleted, "")
	if o = h.poll(o.ID); o.Status != "Completed" {
		h.t.Fatalf("purchase %s is %s", o.ID, o.Status)
	}
	return o
}
