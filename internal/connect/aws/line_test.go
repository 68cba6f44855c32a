package awsconn

import (
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"
	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
)

func group(account, service, billed, amortized, usage, unit string) types.Group {
	return types.Group{Keys: []string{account, service}, Metrics: map[string]types.MetricValue{
		metricBilled:    {Amount: aws.String(billed), Unit: aws.String("USD")},
		metricEffective: {Amount: aws.String(amortized), Unit: aws.String("USD")},
		metricUsage:     {Amount: aws.String(usage), Unit: aws.String(unit)},
	}}
}

func TestLineMapping(t *testing.T) {
	r := types.ResultByTime{TimePeriod: &types.DateInterval{Start: aws.String("2026-03-31"), End: aws.String("2026-04-01")}, Estimated: true}
	m := lineMaker{payer: payer, names: map[string]string{"111122223333": "Data"}}
	cases := []struct {
		g                  types.Group
		category, quantity string
	}{
		{group("111122223333", "Amazon Simple Storage Service", "1.2345678901", "1.2345678901", "10.5", "N/A"), billing.CategoryUsage, "<nil>"},
		{group("111122223333", "AWS Lambda", "0.0000000001", "0", "3", "Lambda-GB-Second"), billing.CategoryUsage, "3"},
		{group("111122223333", "Tax", "4.20", "4.20", "0", "N/A"), billing.CategoryTax, "<nil>"},
		{group("111122223333", "Amazon Elastic Compute Cloud - Compute", "-12.00", "-12.00", "0", "Hrs"), billing.CategoryCredit, "0"},
	}
	for _, tc := range cases {
		l, err := m.line(r, tc.g)
		if err != nil {
			t.Fatal(err)
		}
		q := "<nil>"
		if l.ConsumedQuantity != nil {
			q = l.ConsumedQuantity.Text('f')
		}
		if l.ChargeCategory != tc.category || q != tc.quantity || l.BilledCost.Text('f') != *tc.g.Metrics[metricBilled].Amount ||
			l.BillingPeriodStart.Month() != 3 || l.SubAccountName != "Data" || l.Extra[xEstimated] != "true" {
			t.Fatalf("%s: %+v", tc.g.Keys[1], l)
		}
	}
	bad := group("111122223333", "AWS Lambda", "1e", "1", "1", "x")
	if _, err := m.line(r, bad); err == nil {
		t.Fatal("a malformed amount was accepted")
	}
	mixed := group("111122223333", "AWS Lambda", "1", "1", "1", "x")
	mixed.Metrics[metricEffective] = types.MetricValue{Amount: aws.String("1"), Unit: aws.String("EUR")}
	if _, err := m.line(r, mixed); err == nil {
		t.Fatal("costs in two currencies were accepted")
	}
}

func decimalEqual(a, b string) bool {
	x, _, err1 := apd.NewFromString(a)
	y, _, err2 := apd.NewFromString(b)
	return err1 == nil && err2 == nil && x.Cmp(y) == 0
}
