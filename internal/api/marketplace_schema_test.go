package api

import (
	"maps"
	"reflect"
	"slices"
	"testing"

	"github.com/canopyhq/canopy/internal/marketplace"
)

func TestMarketplaceSchemasMatchViews(t *testing.T) {
	schemas := schemas()
	for name, v := range map[string]any{"Vendor": mktVendorView{}, "VendorInput": marketplace.VendorInput{},
		"VendorAPIInput": marketplace.VendorAPIInput{}, "Product": mktProductView{}, "ProductInput": marketplace.ProductInput{},
		"Item": mktItemView{}, "ItemInput": marketplace.ItemInput{}, "Buyer": mktBuyerView{}, "BuyerInput": marketplace.BuyerInput{},
		"Catalog": mktCatalogView{}, "Agreement": mktAgreementView{}, "AgreementList": listView[mktAgreementView]{},
		"AgreementDetail": mktAgreementDetailView{}, "Subscription": mktSubscriptionView{}, "SubscriptionList": listView[mktSubscriptionView]{},
		"SubscriptionDetail": mktSubscriptionDetailView{}, "Order": mktOrderView{}, "OrderList": listView[mktOrderView]{},
		"OrderDetail": mktOrderDetailView{}, "OrderInput": orderBody{}, "PONumberInput": poBody{}, "CancelInput": reasonBody{},
		"AnswerInput": answerBody{}, "OutcomeInput": marketplace.Outcome{}, "IssueInput": issueBody{}, "InvoiceStatusInput": invoiceStatusBody{},
		"Invoice": mktInvoiceView{}, "InvoiceList": listView[mktInvoiceView]{}, "InvoiceDetail": mktInvoiceDetailView{},
		"Charge": mktChargeView{}, "ChargeList": listView[mktChargeView]{}, "CreditMemo": mktCreditMemoView{},
		"CreditMemoList": listView[mktCreditMemoView]{}, "Statement": mktStatementRowView{}, "StatementList": listView[mktStatementRowView]{},
		"StatementDetail": mktStatementView{}, "Listing": mktListingView{}, "ListingList": listingsView{},
		"ListingInput": marketplace.ListingInput{}, "ProductUpdate": marketplace.ProductUpdate{}, "ItemUpdate": marketplace.ItemUpdate{},
		"OnSaleInput": onSaleBody{}} {
		got := slices.Sorted(maps.Keys(schemas[name].Properties))
		if want := jsonFields(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("schema %s has %v, type has %v", name, got, want)
		}
	}
	for name, v := range map[string]any{"Item": marketplace.Price{}, "ItemUpdate": marketplace.Price{}} {
		got := slices.Sorted(maps.Keys(schemas[name].Properties["prices"].Items.Properties))
		if want := jsonFields(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("price schema has %v, type has %v", got, want)
		}
	}
	for name, v := range map[string]any{"OrderInput": marketplace.LineInput{}} {
		got := slices.Sorted(maps.Keys(schemas[name].Properties["lines"].Items.Properties))
		if want := jsonFields(reflect.TypeOf(v)); !slices.Equal(got, want) {
			t.Errorf("order line schema has %v, type has %v", got, want)
		}
	}
}
