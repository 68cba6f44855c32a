package web

import (
	"slices"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/marketplace"
)

// Manage catalog forms (MktManagePage.Form names the one that failed).
const (
	MktFormVendor  = "vendor"
	MktFormAPI     = "api"
	MktFormProduct = "product"
	MktFormItem    = "item"
	MktFormBuyer   = "buyer"
	MktFormListing = "listing"
	// editing one product or item (MktManagePage.EditID)
	MktFormProductEdit = "product-edit"
	MktFormItemEdit    = "item-edit"
)

// MktManagePage is catalog management for operations: vendors and their
// ordering systems, buyers, products, items with prices, and who may buy
// which product (listings), each with the form that adds one.
type MktManagePage struct {
	Layout
	MktTabs
	// FormErrors belong to the form named by Form (for MktFormAPI: the
	// vendor APIVendor's).
	FormErrors
	Form, APIVendor string
	EditID          string // the product or item whose edit form failed

	Vendors  []MktVendorRow
	Buyers   []marketplace.Buyer
	Products []MktProductRow
	Items    []MktItemRow
	Listings []MktListingRow

	VendorIn  marketplace.VendorInput
	ProductIn marketplace.ProductInput
	ItemIn    MktItemForm
	BuyerIn   marketplace.BuyerInput
	ListingIn marketplace.ListingInput
	APIURL    string // the failed ordering-system form's URL
	// the failed edit form's values
	ProductEdit marketplace.ProductUpdate
	ItemEdit    MktItemForm

	Programs, Terms []Choice
}

func (MktManagePage) Template() string { return "mkt_manage" }

// FieldErr is the message beside field of form ("" when that form did
// not fail or the field is fine).
func (p MktManagePage) FieldErr(form, field string) string {
	if p.Form != form {
		return ""
	}
	return p.FieldErrors.Get(field)
}

// FormErr is the message above form when it failed for no one field.
func (p MktManagePage) FormErr(form string) string {
	if p.Form != form {
		return ""
	}
	return p.Error
}

// APIFieldErr is FieldErr of one vendor's ordering-system form.
func (p MktManagePage) APIFieldErr(vendorID, field string) string {
	if p.APIVendor != vendorID {
		return ""
	}
	return p.FieldErr(MktFormAPI, field)
}

// EditFieldErr is FieldErr of the edit form of one product or item.
func (p MktManagePage) EditFieldErr(form, id, field string) string {
	if p.EditID != id {
		return ""
	}
	return p.FieldErr(form, field)
}

// EditOpen reports whether the edit form of a product or item failed
// (and so is shown open).
func (p MktManagePage) EditOpen(form, id string) bool { return p.Form == form && p.EditID == id }

// ProductEditOf is what the edit form of a product shows.
func (p MktManagePage) ProductEditOf(row MktProductRow) marketplace.ProductUpdate {
	if p.EditOpen(MktFormProductEdit, row.ID) {
		return p.ProductEdit
	}
	return marketplace.ProductUpdate{Name: row.Name, Category: row.Category, Description: row.Description}
}

// ItemEditOf is what the edit form of an item shows: its prices and an
// empty row to add one.
func (p MktManagePage) ItemEditOf(row MktItemRow) MktItemForm {
	if p.EditOpen(MktFormItemEdit, row.ID) {
		return p.ItemEdit
	}
	return MktItemForm{Name: row.Name, Rows: append(slices.Clone(row.Raw), marketplace.Price{Term: string(marketplace.TermMonthly)})}
}

// MktVendorRow is a vendor with its programme and ordering system.
type MktVendorRow struct {
	ID, Name, Program, ProgramLabel string
	APIURL                          string     // "" when orders are fulfilled by hand
	ConnectedAt                     *time.Time // nil when not recorded
	Products                        int
}

// Connected reports whether orders go to the vendor's ordering system.
func (v MktVendorRow) Connected() bool { return v.APIURL != "" }

// MktProductRow is a product with who may buy it.
type MktProductRow struct {
	ID, Name, Vendor, Category, Description string
	// ListedFor names who may buy it: "Every buyer", buyer names, or "".
	ListedFor string
	Items     int
}

// MktItemRow is an item with its prices and whether it is on sale.
type MktItemRow struct {
	ID, Name, SKU, Unit, Product string
	Prices                       []MktPriceRow
	Raw                          []marketplace.Price // as stored, for the edit form
	DisabledAt                   *time.Time
}

// OnSale reports whether the item can be bought.
func (i MktItemRow) OnSale() bool { return i.DisabledAt == nil }

// MktPriceRow is one price as shown.
type MktPriceRow struct {
	Term, Currency, UnitPrice string
}

// MktListingRow is one listing as shown.
type MktListingRow struct {
	ProductID, Product, BuyerID, Buyer string
	Enabled                            bool
}

// MktItemForm is the new-item form: the item and its price rows (empty
// rows are skipped).
type MktItemForm struct {
	ProductID, Name, SKU, Unit string
	Rows                       []marketplace.Price
}

// mktPriceRows is how many price rows the new-item form offers.
const mktPriceRows = 3

// listedFor says who may buy a product from its enabled listings.
func listedFor(productID string, ls []marketplace.Listing, buyers map[string]string) string {
	var names []string
	for _, l := range ls {
		if l.ProductID != productID || !l.Enabled {
			continue
		}
		if l.BuyerID == "" {
			return "Every buyer"
		}
		names = append(names, buyers[l.BuyerID])
	}
	return strings.Join(names, ", ")
}

// Plus1 numbers rows from 1 for people.
func (MktManagePage) Plus1(i int) int { return i + 1 }
