package azureconn

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/costmanagement/armcostmanagement/v2"
	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
)

// costKey identifies one grouped row: a day, a resource, a meter category.
type costKey struct {
	day                time.Time
	resource, category string
}

// costPair is the row's actual (billed) and amortized (effective) cost.
type costPair struct {
	billed, effective *apd.Decimal
	currency          string
}

// Costs calls fn with one FOCUS line per day, resource and meter category
// of subID over [from, to) (UTC days): ActualCost is the BilledCost and
// AmortizedCost the EffectiveCost. At access level NoResources the lines
// carry no resource (one per day and meter category). Both queries are read completely before
// fn sees a line, so a failed page yields an error and no partial data.
func (c *Client) Costs(ctx context.Context, subID string, from, to time.Time, fn func(*billing.Line) error) error {
	from, to = from.UTC().Truncate(24*time.Hour), to.UTC().Truncate(24*time.Hour)
	if !to.After(from) {
		return fmt.Errorf("azure costs: empty period %s..%s", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	pairs := map[costKey]*costPair{}
	hide := !c.level(subID).ListsResources()
	err := c.retryExpired(ctx, func() (bool, error) {
		clear(pairs)
		for _, kind := range []armcostmanagement.ExportType{armcostmanagement.ExportTypeActualCost, armcostmanagement.ExportTypeAmortizedCost} {
			rows, err := c.queryAll(ctx, subID, costQuery(kind, from, to))
			if err != nil {
				return false, err
			}
			if err := addRows(pairs, rows, kind == armcostmanagement.ExportTypeAmortizedCost, hide); err != nil {
				return false, err
			}
		}
		return false, nil
	})
	if err != nil {
		return err
	}
	for _, k := range sortedKeys(pairs) {
		if err := fn(c.costLine(subID, k, pairs[k])); err != nil {
			return err
		}
	}
	return nil
}

// addRows merges one query's rows into pairs; with hideResources (access
// level NoResources) the rows of a day and meter category merge into one
// line without resource.
func addRows(pairs map[costKey]*costPair, rows []map[string]json.RawMessage, amortized, hideResources bool) error {
	for _, r := range rows {
		k, cost, cur, err := parseRow(r)
		if err != nil {
			return err
		}
		if hideResources {
			k.resource = ""
		}
		p := pairs[k]
		if p == nil {
			p = &costPair{billed: new(apd.Decimal), effective: new(apd.Decimal), currency: cur}
			pairs[k] = p
		}
		dst := p.billed
		if amortized {
			dst = p.effective
		}
		if _, err := apd.BaseContext.Add(dst, dst, cost); err != nil {
			return err
		}
	}
	return nil
}

// parseRow reads the columns Costs asks for, amounts exactly.
func parseRow(r map[string]json.RawMessage) (costKey, *apd.Decimal, string, error) {
	var k costKey
	cost, _, err := apd.NewFromString(strings.Trim(string(r["Cost"]), `"`))
	if err != nil {
		return k, nil, "", fmt.Errorf("azure costs: bad Cost %s", r["Cost"])
	}
	day, err := time.Parse("20060102", strings.Trim(string(r["UsageDate"]), `"`))
	if err != nil {
		return k, nil, "", fmt.Errorf("azure costs: bad UsageDate %s", r["UsageDate"])
	}
	var cur string
	_ = json.Unmarshal(r["Currency"], &cur)
	_ = json.Unmarshal(r["ResourceId"], &k.resource)
	_ = json.Unmarshal(r["MeterCategory"], &k.category)
	if cur == "" {
		return k, nil, "", fmt.Errorf("azure costs: row without Currency")
	}
	k.day = day
	return k, cost, strings.ToUpper(cur), nil
}

func sortedKeys(m map[costKey]*costPair) []costKey {
	keys := make([]costKey, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b costKey) int {
		if c := a.day.Compare(b.day); c != 0 {
			return c
		}
		if c := strings.Compare(a.resource, b.resource); c != 0 {
			return c
		}
		return strings.Compare(a.category, b.category)
	})
	return keys
}

// costLine maps a grouped row to FOCUS 1.2 as the Azure cost-export
// importer does: Microsoft as provider, publisher and invoice issuer, the
// tenant as billing account, the subscription as sub-account, the day as
// charge period and its calendar month as billing period.
func (c *Client) costLine(subID string, k costKey, p *costPair) *billing.Line {
	month := time.Date(k.day.Year(), k.day.Month(), 1, 0, 0, 0, 0, time.UTC)
	l := &billing.Line{
		BillingAccountID: c.cfg.TenantID, SubAccountID: subID,
		BillingPeriodStart: month, BillingPeriodEnd: month.AddDate(0, 1, 0),
		ChargePeriodStart: k.day, ChargePeriodEnd: k.day.AddDate(0, 0, 1),
		ChargeCategory: billing.CategoryUsage, ChargeFrequency: billing.FrequencyUsageBased,
		ChargeDescription: k.category, ServiceName: k.category, ServiceCategory: serviceCategory(k.category),
		ProviderName: "Microsoft", PublisherName: "Microsoft", InvoiceIssuerName: "Microsoft",
		ResourceID: k.resource, ResourceName: lastSegment(k.resource), ResourceType: armType(k.resource),
		BilledCost: p.billed, EffectiveCost: p.effective,
		BillingCurrency: p.currency, PricingCurrency: p.currency,
	}
	if rg := resourceGroupOf(k.resource); rg != "" {
		l.Extra = map[string]string{billing.ExtraResourceGroup: rg}
	}
	return l
}

func lastSegment(id string) string {
	if i := strings.LastIndex(strings.TrimSuffix(id, "/"), "/"); i >= 0 {
		return id[i+1:]
	}
	return id
}

// armType is provider/type[/subtype] of an ARM resource ID.
func armType(id string) string {
	parts := strings.Split(strings.Trim(id, "/"), "/")
	for i := len(parts) - 2; i >= 0; i-- {
		if strings.EqualFold(parts[i], "providers") {
			rest := parts[i+1:]
			typ := rest[0]
			for j := 1; j < len(rest); j += 2 {
				typ += "/" + rest[j]
			}
			return typ
		}
	}
	return ""
}

// serviceCategory is the FOCUS ServiceCategory of an Azure meter category.
func serviceCategory(meterCategory string) string {
	switch strings.ToLower(meterCategory) {
	case "virtual machines", "virtual machines licenses", "container instances", "azure app service", "functions":
		return "Compute"
	case "storage":
		return "Storage"
	case "sql database", "azure cosmos db", "azure database for postgresql", "azure database for mysql", "redis cache":
		return "Databases"
	case "bandwidth", "virtual network", "load balancer", "networking", "vpn gateway", "application gateway":
		return "Networking"
	}
	return "Other"
}

// WriteFOCUS writes subID's costs over [from, to) as a FOCUS 1.2 CSV
// (the resource group as x_ResourceGroup). Nothing is written when the
// costs cannot be read completely.
func (c *Client) WriteFOCUS(ctx context.Context, subID string, from, to time.Time, w io.Writer) error {
	var fw *billing.FOCUSWriter
	err := c.Costs(ctx, subID, from, to, func(l *billing.Line) error {
		if fw == nil {
			var err error
			if fw, err = billing.NewFOCUSWriter(w, []string{billing.ExtraResourceGroup}); err != nil {
				return err
			}
		}
		return fw.Write(l)
	})
	if err != nil {
		return err
	}
	if fw == nil {
		if fw, err = billing.NewFOCUSWriter(w, []string{billing.ExtraResourceGroup}); err != nil {
			return err
		}
	}
	return fw.Flush()
}
