package partner

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"
)

// Azure plan product identifiers as they appear on new-commerce lines.
const (
	azureProductID      = "DZH318Z0BPS6"
	azureSkuID          = "0001"
	azureAvailabilityID = "DZH318Z0BPS6"
)

// dailyQuantity is the entitlement's use of meter on day (4 decimals);
// some entitlements never use some meters.
func (g *gen) dailyQuantity(e Entitlement, m *meter, day time.Time) int64 {
	if rng(g.p.seed, "pc-meter-use", e.ID, m.id).IntN(4) == 0 {
		return 0
	}
	return rng(g.p.seed, "pc-usage", e.ID, m.id, day.Format("2006-01-02")).Int64N(m.dailyMax4)
}

// azureLines adds the meter's daily rated usage lines and its monthly
// reconciliation line, which bills ROUNDDOWN(price × month quantity, 2):
// so the daily lines' unrounded totals, summed and rounded down, give the
// monthly line's subtotal.
func (g *gen) azureLines(c *Customer, e Entitlement, m *meter) (charge, bool) {
	var month4 int64
	for d := 0; d < g.days; d++ {
		day := g.month.AddDate(0, 0, d)
		q := g.dailyQuantity(e, m, day)
		if q == 0 {
			continue
		}
		month4 += q
		g.out.usage = append(g.out.usage, g.usageLine(c, e, m, day, q))
	}
	if month4 == 0 {
		return charge{}, false
	}
	ch := g.tax(c, roundDown(m.price4*month4, 8, 2))
	line := g.common(c)
	for k, v := range map[string]any{
		"orderId": "", "orderDate": stamp(g.month), "productId": azureProductID, "skuId": azureSkuID,
		"availabilityId": azureAvailabilityID, "skuName": "Azure plan", "productName": "Azure plan", "chargeType": "usage",
		"unitPrice": number(m.price4, 4), "effectiveUnitPrice": number(m.price4, 4), "quantity": number(month4, 4),
		"billableQuantity": number(month4, 4), "subtotal": number(ch.subtotal, 2), "taxTotal": number(ch.tax, 2),
		"totalForCustomer": number(ch.subtotal+ch.tax, 2), "subscriptionDescription": "Azure plan - " + e.Name,
		"subscriptionId": c.AzurePlan.SubscriptionID, "chargeStartDate": stamp(g.month),
		"chargeEndDate": stamp(g.month.AddDate(0, 1, -1)), "termAndBillingCycle": "", "unitType": m.unit,
		"alternateId": "", "subscriptionStartDate": stamp(g.a.FirstMonth), "subscriptionEndDate": "",
		"productCategory": "Azure", "meterDescription": m.category + " - " + m.subCategory + " - " + m.name,
		"billingFrequency": "",
	} {
		line[k] = v
	}
	g.out.billing = append(g.out.billing, line)
	return ch, true
}

// usageLine is one DailyRatedUsageLineItem: unrounded, untaxed.
func (g *gen) usageLine(c *Customer, e Entitlement, m *meter, day time.Time, q4 int64) map[string]any {
	rg := "rg-" + strings.ToLower(e.Name)
	resource := fmt.Sprintf("/subscriptions/%s/resourceGroups/%s/providers/%s/%s/%s-%s", e.ID, rg, m.service, m.resourceType, strings.ToLower(e.Name[:4]), strings.ToLower(m.resourceType[:4]))
	tags, _ := json.Marshal(map[string]string{"env": strings.ToLower(e.Name), "costcenter": "CC-" + e.ID[:4]})
	total := number(m.price4*q4, 8)
	return map[string]any{
		"partnerId": g.a.TenantID, "partnerName": g.a.Name, "customerId": c.ID, "customerName": c.Name,
		"customerDomainName": c.Domain, "customerCountry": c.Country, "mpnId": mpnID(g.a), "tier2MpnId": "",
		"invoiceNumber": g.invoice, "productId": azureProductID, "skuId": azureSkuID, "availabilityId": azureAvailabilityID,
		"skuName": m.name, "productName": m.category + " " + m.subCategory, "publisherName": "Microsoft", "publisherId": "",
		"subscriptionDescription": "Azure plan", "subscriptionId": c.AzurePlan.SubscriptionID,
		"chargeStartDate": stamp(g.month), "chargeEndDate": stamp(g.month.AddDate(0, 1, -1)), "usageDate": stamp(day),
		"meterType": "Consumption", "meterCategory": m.category, "meterId": m.id, "meterSubCategory": m.subCategory,
		"meterName": m.name, "meterRegion": m.region, "unit": m.unit, "resourceLocation": m.location,
		"consumedService": m.service, "resourceGroup": rg, "resourceUri": resource, "chargeType": "new",
		"unitPrice": number(m.price4, 4), "quantity": number(q4, 4), "unitType": m.unit,
		"billingPreTaxTotal": total, "billingCurrency": "USD", "pricingPreTaxTotal": total, "pricingCurrency": "USD",
		"serviceInfo1": "", "serviceInfo2": "", "tags": string(tags), "additionalInfo": "",
		"effectiveUnitPrice": number(m.price4, 4), "pcToBCExchangeRate": 1, "pcToBCExchangeRateDate": stamp(g.month),
		"entitlementId": e.ID, "entitlementDescription": e.Name, "partnerEarnedCreditPercentage": 0,
		"creditPercentage": 0, "creditType": "Credit Not Applied", "benefitOrderId": "", "benefitId": "", "benefitType": "",
		"invoiceLineItemType": "usage_line_items", "billingProvider": "one_time",
		"attributes": map[string]string{"objectType": "DailyRatedUsageLineItem"},
	}
}
