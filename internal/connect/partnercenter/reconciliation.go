package partnercenter

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

// The files are written with the columns of Partner Center's own
// downloads, because internal/billing recognises a file by its header:
// the new-commerce invoice reconciliation file (Subtotal, TaxTotal,
// Total; a TotalForCustomer column would mark the legacy file) and the
// daily rated usage file (BillingPreTaxTotal, UsageDate).
//
// Each column is filled from the API field of the same name in camelCase,
// except those listed in the renames: the API's totalForCustomer is the
// file's Total, resellerMpnId its Tier2MpnId, and so on.
var (
	licenseColumns = strings.Split("PartnerId,CustomerId,CustomerName,CustomerDomainName,CustomerCountry,InvoiceNumber,"+
		"MpnId,Tier2MpnId,OrderId,OrderDate,ProductId,SkuId,AvailabilityId,SkuName,ProductName,ChargeType,UnitPrice,"+
		"Quantity,Subtotal,TaxTotal,Total,Currency,PriceAdjustmentDescription,PublisherName,PublisherId,"+
		"SubscriptionDescription,SubscriptionId,ChargeStartDate,ChargeEndDate,TermAndBillingCycle,EffectiveUnitPrice,"+
		"UnitType,AlternateId,BillableQuantity,BillingFrequency,PricingCurrency,PCToBCExchangeRate,"+
		"PCToBCExchangeRateDate,MeterDescription,ReservationOrderId,CreditReasonCode,SubscriptionStartDate,"+
		"SubscriptionEndDate,ReferenceId,ProductQualifiers,PromotionId,ProductCategory", ",")
	usageColumns = strings.Split("PartnerId,PartnerName,CustomerId,CustomerName,CustomerDomainName,CustomerCountry,"+
		"MpnId,Tier2MpnId,InvoiceNumber,ProductId,SkuId,AvailabilityId,SkuName,ProductName,PublisherName,PublisherId,"+
		"SubscriptionDescription,SubscriptionId,ChargeStartDate,ChargeEndDate,UsageDate,MeterType,MeterCategory,"+
		"MeterId,MeterSubCategory,MeterName,MeterRegion,Unit,ResourceLocation,ConsumedService,ResourceGroup,"+
		"ResourceURI,ChargeType,UnitPrice,Quantity,UnitType,BillingPreTaxTotal,BillingCurrency,PricingPreTaxTotal,"+
		"PricingCurrency,ServiceInfo1,ServiceInfo2,Tags,AdditionalInfo,EffectiveUnitPrice,PCToBCExchangeRate,"+
		"PCToBCExchangeRateDate,EntitlementId,EntitlementDescription,PartnerEarnedCreditPercentage,"+
		"CreditPercentage,CreditType,BenefitOrderId,BenefitId,BenefitType", ",")
	licenseRenames = map[string]string{"Total": "totalForCustomer", "Tier2MpnId": "resellerMpnId",
		"PCToBCExchangeRate": "pcToBCExchangeRate", "PCToBCExchangeRateDate": "pcToBCExchangeRateDate"}
	usageRenames = map[string]string{"ResourceURI": "resourceUri",
		"PCToBCExchangeRate": "pcToBCExchangeRate", "PCToBCExchangeRateDate": "pcToBCExchangeRateDate"}
)

// WriteReconciliation writes the invoice's billing line items as a
// new-commerce invoice reconciliation CSV (billing.PartnerCenterLicense).
// On error what was written is incomplete and must be discarded.
func (c *Client) WriteReconciliation(ctx context.Context, invoiceID string, w io.Writer) error {
	return c.writeCSV(w, licenseColumns, licenseRenames, func(fn func(map[string]any) error) error {
		return c.LineItems(ctx, invoiceID, KindBilling, fn)
	})
}

// WriteDailyUsage writes the invoice's daily rated usage line items as a
// daily rated usage reconciliation CSV (billing.PartnerCenterUsage).
func (c *Client) WriteDailyUsage(ctx context.Context, invoiceID string, w io.Writer) error {
	return c.writeCSV(w, usageColumns, usageRenames, func(fn func(map[string]any) error) error {
		return c.LineItems(ctx, invoiceID, KindUsage, fn)
	})
}

// WriteUnbilledDailyUsage writes the unbilled daily rated usage of period
// (current or previous) as a daily rated usage CSV; its InvoiceNumber
// column is empty until the month is invoiced.
func (c *Client) WriteUnbilledDailyUsage(ctx context.Context, period string, w io.Writer) error {
	return c.writeCSV(w, usageColumns, usageRenames, func(fn func(map[string]any) error) error {
		return c.UnbilledUsage(ctx, period, fn)
	})
}

func (c *Client) writeCSV(w io.Writer, columns []string, renames map[string]string, walk func(func(map[string]any) error) error) error {
	keys := make([]string, len(columns))
	for i, col := range columns {
		keys[i] = apiField(col, renames)
	}
	cw := csv.NewWriter(w)
	if err := cw.Write(columns); err != nil {
		return err
	}
	rec := make([]string, len(columns))
	err := walk(func(item map[string]any) error {
		for i, k := range keys {
			v, err := cell(item[k])
			if err != nil {
				return fmt.Errorf("partner center: line field %s: %w", k, err)
			}
			rec[i] = v
		}
		return cw.Write(rec)
	})
	if err != nil {
		return err
	}
	cw.Flush()
	return cw.Error()
}

// apiField is the API's JSON name of a CSV column.
func apiField(col string, renames map[string]string) string {
	if k, ok := renames[col]; ok {
		return k
	}
	return strings.ToLower(col[:1]) + col[1:]
}

// cell renders a JSON value as the file writes it: numbers exactly as
// sent, null as empty, lists joined by ";" (empty list empty), objects as
// JSON.
func cell(v any) (string, error) {
	switch x := v.(type) {
	case nil:
		return "", nil
	case string:
		return x, nil
	case json.Number:
		return x.String(), nil
	case bool:
		if x {
			return "True", nil
		}
		return "False", nil
	case []any:
		parts := make([]string, 0, len(x))
		for _, e := range x {
			s, err := cell(e)
			if err != nil {
				return "", err
			}
			parts = append(parts, s)
		}
		return strings.Join(parts, ";"), nil
	}
	b, err := json.Marshal(v)
	return string(b), err
}
