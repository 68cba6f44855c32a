package awsconn

import (
	"fmt"
	"strconv"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
)

// amazonWebServices is how Canopy's CUR importer names AWS as provider,
// publisher and invoice issuer; Cost Explorer lines use the same names so
// that both sources of AWS cost group together.
const amazonWebServices = "Amazon Web Services"

// xEstimated is the x_ attribute that marks figures Cost Explorer may
// still revise (the current month, the last days).
const xEstimated = "x_Estimated"

var focusExtras = []string{xEstimated}

// mixedUnits is the unit Cost Explorer gives a usage sum of several units:
// such a sum is no quantity and is not kept.
const mixedUnits = "N/A"

// lineMaker maps one page's groups (LINKED_ACCOUNT, SERVICE) to lines.
type lineMaker struct {
	payer string
	names map[string]string
}

func (m lineMaker) line(r types.ResultByTime, g types.Group) (*billing.Line, error) {
	if len(g.Keys) != 2 || r.TimePeriod == nil {
		return nil, fmt.Errorf("a group has keys %q; want LINKED_ACCOUNT and SERVICE", g.Keys)
	}
	start, err1 := time.Parse(time.DateOnly, aws.ToString(r.TimePeriod.Start))
	end, err2 := time.Parse(time.DateOnly, aws.ToString(r.TimePeriod.End))
	if err1 != nil || err2 != nil {
		return nil, fmt.Errorf("the time period %s..%s is not two dates", aws.ToString(r.TimePeriod.Start), aws.ToString(r.TimePeriod.End))
	}
	account, service := g.Keys[0], g.Keys[1]
	l := &billing.Line{
		BillingAccountID: m.payer, SubAccountID: account, SubAccountName: m.names[account],
		BillingPeriodStart: monthStart(start), BillingPeriodEnd: monthStart(start).AddDate(0, 1, 0),
		ChargePeriodStart: start, ChargePeriodEnd: end,
		ServiceName: service, ServiceCategory: serviceCategory(service),
		ProviderName: amazonWebServices, PublisherName: amazonWebServices, InvoiceIssuerName: amazonWebServices,
		Extra: map[string]string{xEstimated: strconv.FormatBool(r.Estimated)},
	}
	if err := setAmounts(l, g.Metrics); err != nil {
		return nil, fmt.Errorf("%s, account %s, %s: %w", start.Format(time.DateOnly), account, service, err)
	}
	l.ChargeCategory, l.ChargeFrequency = category(service, l.BilledCost)
	return l, validate(l)
}

func monthStart(t time.Time) time.Time {
	return time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC)
}

func setAmounts(l *billing.Line, metrics map[string]types.MetricValue) error {
	billed, billedUnit, err := amount(metrics, metricBilled)
	if err != nil {
		return err
	}
	effective, effectiveUnit, err := amount(metrics, metricEffective)
	if err != nil {
		return err
	}
	if billedUnit != effectiveUnit {
		return fmt.Errorf("%s is in %s but %s in %s", metricBilled, billedUnit, metricEffective, effectiveUnit)
	}
	l.BilledCost, l.EffectiveCost, l.BillingCurrency = billed, effective, billedUnit
	if _, ok := metrics[metricUsage]; !ok {
		return nil
	}
	qty, unit, err := amount(metrics, metricUsage)
	if err == nil && unit != mixedUnits && unit != "" {
		l.ConsumedQuantity, l.ConsumedUnit = qty, unit
	}
	return err
}

// amount parses a metric exactly: Cost Explorer sends decimal strings.
func amount(metrics map[string]types.MetricValue, name string) (*apd.Decimal, string, error) {
	v, ok := metrics[name]
	if !ok || v.Amount == nil {
		return nil, "", fmt.Errorf("metric %s is missing", name)
	}
	d, _, err := apd.NewFromString(aws.ToString(v.Amount))
	if err != nil || d.Form != apd.Finite {
		return nil, "", fmt.Errorf("metric %s amount %q is not a decimal number", name, aws.ToString(v.Amount))
	}
	return d, aws.ToString(v.Unit), nil
}

// category: Cost Explorer's SERVICE dimension has "Tax" for taxes, and
// a negative usage cost is a credit (refunds and credits when grouped by
// service); everything else is usage.
func category(service string, billed *apd.Decimal) (string, string) {
	switch {
	case service == "Tax":
		return billing.CategoryTax, billing.FrequencyRecurring
	case billed.Sign() < 0:
		return billing.CategoryCredit, billing.FrequencyOneTime
	}
	return billing.CategoryUsage, billing.FrequencyUsageBased
}

// validate applies the checks the FOCUS importer applies to every line,
// so that no line written here is refused on import.
func validate(l *billing.Line) error {
	switch {
	case l.BillingCurrency == "" || len(l.BillingCurrency) != 3:
		return fmt.Errorf("currency %q is not an ISO 4217 code", l.BillingCurrency)
	case !l.ChargePeriodEnd.After(l.ChargePeriodStart):
		return fmt.Errorf("the charge period %s..%s is empty", l.ChargePeriodStart, l.ChargePeriodEnd)
	case !l.BillingPeriodEnd.After(l.BillingPeriodStart):
		return fmt.Errorf("the billing period is empty")
	case l.BilledCost == nil || l.EffectiveCost == nil:
		return fmt.Errorf("BilledCost and EffectiveCost are required")
	case l.BillingAccountID == "" || l.SubAccountID == "" || l.ServiceName == "":
		return fmt.Errorf("billing account, sub account and service are required")
	}
	return nil
}
