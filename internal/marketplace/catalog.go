package marketplace

import (
	"context"
	"net/url"
	"strings"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// VendorInput is a new vendor.
type VendorInput struct {
	Name    string `json:"name"`
	Program string `json:"program"`
}

// ProductInput is a new product of a vendor. It is listed for every
// buyer unless Unlisted (then list it for the buyers who may buy it).
type ProductInput struct {
	VendorID    string `json:"vendor_id"`
	Name        string `json:"name"`
	Category    string `json:"category"`
	Description string `json:"description"`
	Unlisted    bool   `json:"unlisted"`
}

// ItemInput is a new item of a product with its prices.
type ItemInput struct {
	ProductID string  `json:"product_id"`
	Name      string  `json:"name"`
	SKU       string  `json:"sku"`
	Unit      string  `json:"unit"`
	Prices    []Price `json:"prices"`
}

// BuyerInput is a new buyer (a legal entity invoiced in its currency).
type BuyerInput struct {
	Name     string `json:"name"`
	Currency string `json:"currency"`
	Address  string `json:"address"`
}

func required(field, v string) (string, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return "", domain.FieldError(field, "%s is required", strings.ReplaceAll(field, "_", " "))
	}
	if len(v) > 200 {
		return "", domain.FieldError(field, "%s is longer than 200 characters", strings.ReplaceAll(field, "_", " "))
	}
	return v, nil
}

// CreateVendor adds a vendor (operations: marketplace.manage).
func (s *Service) CreateVendor(ctx context.Context, p *auth.Principal, who audit.Actor, in VendorInput) (Vendor, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return Vendor{}, err
	}
	name, err := required("name", in.Name)
	if err != nil {
		return Vendor{}, err
	}
	if in.Program == "" {
		in.Program = string(ProgramGeneral)
	}
	prog, err := ParseProgram(in.Program)
	if err != nil {
		return Vendor{}, err
	}
	v := Vendor{OrgID: p.Org.ID, ID: NewID(PrefixVendor), Name: name, Program: string(prog)}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if v, err = tx.CreateMktVendor(ctx, v); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.vendor.create", TargetType: "vendor",
			TargetID: v.ID, Details: map[string]any{"name": v.Name, "program": v.Program}})
	})
	return v, err
}

// CreateProduct adds a product to a vendor.
func (s *Service) CreateProduct(ctx context.Context, p *auth.Principal, who audit.Actor, in ProductInput) (Product, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return Product{}, err
	}
	name, err := required("name", in.Name)
	if err != nil {
		return Product{}, err
	}
	if _, err := s.Store.GetMktVendor(ctx, p.Org.ID, in.VendorID); err != nil {
		return Product{}, fieldNotFound("vendor_id", err)
	}
	pr := Product{OrgID: p.Org.ID, ID: NewID(PrefixProduct), VendorID: in.VendorID, Name: name,
		Category: strings.TrimSpace(in.Category), Description: strings.TrimSpace(in.Description)}
	create := (*store.Tx).CreateMktProduct
	if in.Unlisted {
		create = (*store.Tx).CreateMktProductUnlisted
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if pr, err = create(tx, ctx, pr); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.product.create", TargetType: "product",
			TargetID: pr.ID, Details: map[string]any{"name": pr.Name, "vendor": pr.VendorID, "listed": !in.Unlisted}})
	})
	return pr, err
}

// CreateItem adds an item with at least one price.
func (s *Service) CreateItem(ctx context.Context, p *auth.Principal, who audit.Actor, in ItemInput) (Item, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return Item{}, err
	}
	it, err := s.itemOf(ctx, p.Org.ID, in)
	if err != nil {
		return Item{}, err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if it, err = tx.CreateMktItem(ctx, it); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.item.create", TargetType: "item",
			TargetID: it.ID, Details: map[string]any{"name": it.Name, "sku": it.SKU, "prices": len(it.Prices)}})
	})
	return it, err
}

func (s *Service) itemOf(ctx context.Context, orgID string, in ItemInput) (Item, error) {
	name, err := required("name", in.Name)
	if err != nil {
		return Item{}, err
	}
	sku, err := required("sku", in.SKU)
	if err != nil {
		return Item{}, err
	}
	if _, err := s.Store.GetMktProduct(ctx, orgID, in.ProductID); err != nil {
		return Item{}, fieldNotFound("product_id", err)
	}
	if len(in.Prices) == 0 {
		return Item{}, domain.FieldError("prices", "an item needs at least one price (term, currency and unit price)")
	}
	seen := map[string]bool{}
	for i, pr := range in.Prices {
		if in.Prices[i], err = cleanPrice(i, pr); err != nil {
			return Item{}, err
		}
		key := in.Prices[i].Term + "/" + in.Prices[i].Currency
		if seen[key] {
			return Item{}, domain.FieldError("prices", "price %d repeats term %s in %s", i+1, in.Prices[i].Term, in.Prices[i].Currency)
		}
		seen[key] = true
	}
	unit := strings.TrimSpace(in.Unit)
	if unit == "" {
		unit = "licence"
	}
	return Item{OrgID: orgID, ID: NewID(PrefixItem), ProductID: in.ProductID, Name: name, SKU: sku, Unit: unit, Prices: in.Prices}, nil
}

// cleanPrice checks the i-th price: a known term, an ISO currency and a
// positive exact decimal.
func cleanPrice(i int, pr Price) (Price, error) {
	term, err := ParseTerm(pr.Term)
	if err != nil {
		return pr, domain.FieldError("prices", "price %d: %s", i+1, domain.ErrorMessage(err))
	}
	cur, err := domain.ParseCurrency(pr.Currency)
	if err != nil {
		return pr, domain.FieldError("prices", "price %d: %s", i+1, domain.ErrorMessage(err))
	}
	d, _, err := apd.NewFromString(strings.TrimSpace(pr.UnitPrice))
	if err != nil || d.Form != apd.Finite || d.Sign() <= 0 {
		return pr, domain.FieldError("prices", "price %d: unit price %q is not a positive decimal number", i+1, pr.UnitPrice)
	}
	if _, err := domain.AmountFromDecimal(d); err != nil {
		return pr, domain.FieldError("prices", "price %d: unit price %q is out of range", i+1, pr.UnitPrice)
	}
	return Price{Term: string(term), Currency: string(cur), UnitPrice: d.Text('f')}, nil
}

// CreateBuyer adds a buyer.
func (s *Service) CreateBuyer(ctx context.Context, p *auth.Principal, who audit.Actor, in BuyerInput) (Buyer, error) {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return Buyer{}, err
	}
	name, err := required("name", in.Name)
	if err != nil {
		return Buyer{}, err
	}
	cur, err := domain.ParseCurrency(in.Currency)
	if err != nil {
		return Buyer{}, domain.FieldError("currency", "%s", domain.ErrorMessage(err))
	}
	b := Buyer{OrgID: p.Org.ID, ID: domain.NewID("buy_"), Name: name, Currency: string(cur), Address: strings.TrimSpace(in.Address)}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if b, err = tx.CreateMktBuyer(ctx, b); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.buyer.create", TargetType: "buyer",
			TargetID: b.ID, Details: map[string]any{"name": b.Name, "currency": b.Currency}})
	})
	return b, err
}

// Catalog is everything a buyer can browse, and which buyers may buy
// which products (Listings).
type Catalog struct {
	Vendors  []Vendor
	Products []Product
	Items    []Item
	Buyers   []Buyer
	Listings []Listing
}

// Catalog returns the organisation's catalog (marketplace.read).
func (s *Service) Catalog(ctx context.Context, p *auth.Principal) (Catalog, error) {
	if err := p.Require(auth.PermMarketplaceRead); err != nil {
		return Catalog{}, err
	}
	var c Catalog
	var err error
	if c.Vendors, err = s.Store.ListMktVendors(ctx, p.Org.ID); err != nil {
		return c, err
	}
	if c.Products, err = s.Store.ListMktProducts(ctx, p.Org.ID); err != nil {
		return c, err
	}
	if c.Items, err = s.Store.ListMktItems(ctx, p.Org.ID, ""); err != nil {
		return c, err
	}
	if c.Buyers, err = s.Store.ListMktBuyers(ctx, p.Org.ID); err != nil {
		return c, err
	}
	c.Listings, err = s.Store.ListMktListings(ctx, p.Org.ID)
	return c, err
}

// fieldNotFound turns a not-found reference into an error on its field.
func fieldNotFound(field string, err error) error {
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return domain.FieldError(field, "%s", domain.ErrorMessage(err))
	}
	return err
}

// VendorAPIInput reaches a vendor's ordering system; an empty URL
// switches to fulfilment by hand.
type VendorAPIInput struct {
	URL    string `json:"url"`
	APIKey string `json:"api_key"`
}

// KeyAAD binds a sealed vendor API key to its vendor (vendorapi opens
// it with the same).
func KeyAAD(vendorID string) string { return "canopy/marketplace/vendor/" + vendorID }

// SetVendorAPI sets (or clears) a vendor's ordering-system URL and API
// key; the key is sealed and never shown again.
func (s *Service) SetVendorAPI(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in VendorAPIInput) error {
	if err := p.Require(auth.PermMarketplaceManage); err != nil {
		return err
	}
	if _, err := s.Store.GetMktVendor(ctx, p.Org.ID, id); err != nil {
		return err
	}
	u, sealed := strings.TrimSpace(in.URL), ""
	if u != "" {
		if pu, err := url.Parse(u); err != nil || pu.Scheme != "https" || pu.Host == "" {
			return domain.FieldError("url", "the vendor API must be reached over https://")
		}
		if strings.TrimSpace(in.APIKey) == "" {
			return domain.FieldError("api_key", "the API key is required with a URL")
		}
		if s.Seal == nil {
			return domain.Errorf(domain.CodeInternal, "no key vault to seal the API key")
		}
		var err error
		if sealed, err = s.Seal(strings.TrimSpace(in.APIKey), KeyAAD(id)); err != nil {
			return err
		}
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.SetMktVendorAPI(ctx, p.Org.ID, id, u, sealed); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "marketplace.vendor.api", TargetType: "vendor",
			TargetID: id, Details: map[string]any{"url": u}})
	})
}
