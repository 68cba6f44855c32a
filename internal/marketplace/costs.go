package marketplace

import (
	"bytes"
	"context"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
)

// ProviderName is the provider marketplace charges carry in the cost
// store, so they show in the Spend explorer, allocation and chargebacks.
const ProviderName = "Marketplace"

// CostSourceKey names an invoice's lines in the cost store: importing
// the invoice again replaces them.
func CostSourceKey(invoiceID string) string { return "marketplace-invoice:" + invoiceID }

// chargeFrequency is FOCUS's name for how often a charge kind recurs.
var chargeFrequency = map[string]string{ChargePurchase: "One-Time", ChargeProration: "One-Time", ChargeReturn: "One-Time",
	ChargeRenewal: "Recurring", ChargeRecurring: "Recurring"}

// ExportToCosts writes an invoice's charges into the cost store as FOCUS
// lines (provider Marketplace, publisher the vendor, service the
// product, resource the subscription, sub account the agreement, the
// PO number as a tag), each on the day it was billed, and returns the import. Running it again replaces the same lines.
func (s *Service) ExportToCosts(ctx context.Context, cs costs.Store, orgID, invoiceID string) (costs.ImportResult, error) {
	lines, err := s.costLines(ctx, orgID, invoiceID)
	if err != nil {
		return costs.ImportResult{}, err
	}
	var buf bytes.Buffer
	if err := billing.WriteFOCUS(&buf, lines); err != nil {
		return costs.ImportResult{}, err
	}
	r, err := billing.Open(&buf)
	if err != nil {
		return costs.ImportResult{}, err
	}
	return cs.Import(ctx, orgID, r, costs.ImportMeta{FileName: invoiceID + ".csv", SourceKey: CostSourceKey(invoiceID), CreatedBy: "marketplace"})
}

func (s *Service) costLines(ctx context.Context, orgID, invoiceID string) ([]*billing.Line, error) {
	inv, err := s.Store.GetMktInvoice(ctx, orgID, invoiceID)
	if err != nil {
		return nil, err
	}
	buyer, err := s.Store.GetMktBuyer(ctx, orgID, inv.BuyerID)
	if err != nil {
		return nil, err
	}
	stmts, err := s.Store.MktStatements(ctx, orgID, invoiceID, "")
	if err != nil {
		return nil, err
	}
	var out []*billing.Line
	items, subs := map[string]Item{}, map[string]Subscription{}
	for _, st := range stmts {
		agr, err := s.Store.GetMktAgreement(ctx, orgID, st.AgreementID, false)
		if err != nil {
			return nil, err
		}
		vendor, err := s.vendorOf(ctx, &s.Store.Queries, agr)
		if err != nil {
			return nil, err
		}
		product, err := s.Store.GetMktProduct(ctx, orgID, agr.ProductID)
		if err != nil {
			return nil, err
		}
		charges, err := s.Store.ListMktCharges(ctx, orgID, store.MktChargeFilter{StatementID: st.ID})
		if err != nil {
			return nil, err
		}
		for _, c := range charges {
			it, ok := items[c.ItemID]
			if !ok {
				if it, err = s.Store.GetMktItem(ctx, orgID, c.ItemID); err != nil {
					return nil, err
				}
				items[c.ItemID] = it
			}
			sub, ok := subs[c.SubscriptionID]
			if !ok {
				if sub, err = s.Store.GetMktSubscription(ctx, orgID, c.SubscriptionID, false); err != nil {
					return nil, err
				}
				subs[c.SubscriptionID] = sub
			}
			l, err := costLine(inv, buyer, agr, st, vendor, product, it, sub, c)
			if err != nil {
				return nil, err
			}
			out = append(out, l)
		}
	}
	return out, nil
}

// costLine is one charge as a FOCUS line.
func costLine(inv Invoice, buyer Buyer, agr Agreement, st Statement, v Vendor, p Product, it Item, sub Subscription, c Charge) (*billing.Line, error) {
	amount, _, err := apd.NewFromString(c.Amount)
	if err != nil {
		return nil, err
	}
	l := &billing.Line{BillingAccountID: buyer.ID, BillingAccountName: buyer.Name, SubAccountID: agr.ID, SubAccountName: agr.Name,
		BillingPeriodStart: inv.PeriodStart, BillingPeriodEnd: inv.PeriodEnd, ChargePeriodStart: c.BilledOn,
		ChargePeriodEnd: c.BilledOn.Add(24 * time.Hour), ChargeCategory: "Purchase", ChargeFrequency: chargeFrequency[c.Kind],
		ChargeDescription: c.Description, ServiceName: p.Name, ServiceCategory: "Other", ProviderName: ProviderName,
		PublisherName: v.Name, InvoiceIssuerName: ProviderName, InvoiceID: inv.ID, ResourceID: sub.ID, ResourceName: sub.Name,
		ResourceType: "Marketplace subscription", SkuID: it.SKU, PricingUnit: it.Unit, PricingQuantity: apd.New(c.Quantity, 0),
		BilledCost: amount, EffectiveCost: amount, ListCost: amount, ContractedCost: amount,
		BillingCurrency: c.Currency, PricingCurrency: c.Currency,
		Extra: map[string]string{"x_OrderId": c.OrderID, "x_ChargeId": c.ID, "x_ChargeKind": c.Kind,
			"x_ServicePeriodStart": c.PeriodStart.Format(time.DateOnly), "x_ServicePeriodEnd": c.PeriodEnd.Format(time.DateOnly)}}
	if po := firstNonEmpty(sub.PONumber, st.PONumber); po != "" {
		l.Tags = map[string]string{"po_number": po}
	}
	return l, nil
}
