package awsconn

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer"
	"github.com/aws/aws-sdk-go-v2/service/costexplorer/types"

	"github.com/canopyhq/canopy/internal/billing"
)

// Cost Explorer metrics read, and the FOCUS columns they fill.
const (
	metricBilled    = "UnblendedCost" // BilledCost
	metricEffective = "AmortizedCost" // EffectiveCost
	metricUsage     = "UsageQuantity" // ConsumedQuantity, in its unit
)

// maxPages stops a paging run whose tokens never end (a service bug):
// a year of daily data by account and service is far below it.
const maxPages = 10_000

// Costs streams the daily cost of every linked account and service over
// [from, to) (whole UTC days) to fn, page by page. A page is converted
// completely before any of its lines reaches fn, so a bad or cut page
// yields no line of it; but lines of earlier pages have been delivered
// when an error is returned, so the caller must treat the run as failed
// (import all-or-nothing).
func (c *Client) Costs(ctx context.Context, from, to time.Time, fn func(*billing.Line) error) error {
	from, to = from.UTC().Truncate(24*time.Hour), to.UTC().Truncate(24*time.Hour)
	if !to.After(from) {
		return fmt.Errorf("aws costs: the period [%s, %s) is empty", from.Format(time.DateOnly), to.Format(time.DateOnly))
	}
	id, err := c.Identity(ctx)
	if err != nil {
		return err
	}
	in := costRequest(from, to)
	for page := 1; ; page++ {
		out, err := c.ce.GetCostAndUsage(ctx, in)
		if err != nil {
			return c.wrap("GetCostAndUsage", err)
		}
		if err := emitPage(id.AccountID, out, fn); err != nil {
			return fmt.Errorf("aws costs, page %d: %w", page, err)
		}
		next := aws.ToString(out.NextPageToken)
		if next == "" {
			return nil
		}
		if next == aws.ToString(in.NextPageToken) || page == maxPages {
			return errors.New("aws costs: Cost Explorer keeps answering with more pages; stopped")
		}
		in.NextPageToken = out.NextPageToken
	}
}

func costRequest(from, to time.Time) *costexplorer.GetCostAndUsageInput {
	return &costexplorer.GetCostAndUsageInput{
		TimePeriod:  &types.DateInterval{Start: aws.String(from.Format(time.DateOnly)), End: aws.String(to.Format(time.DateOnly))},
		Granularity: types.GranularityDaily,
		Metrics:     []string{metricBilled, metricEffective, metricUsage},
		GroupBy: []types.GroupDefinition{
			{Type: types.GroupDefinitionTypeDimension, Key: aws.String("LINKED_ACCOUNT")},
			{Type: types.GroupDefinitionTypeDimension, Key: aws.String("SERVICE")},
		},
	}
}

// emitPage converts a whole page, then hands its lines to fn.
func emitPage(payer string, out *costexplorer.GetCostAndUsageOutput, fn func(*billing.Line) error) error {
	m := lineMaker{payer: payer, names: accountNames(out.DimensionValueAttributes)}
	var lines []*billing.Line
	for _, r := range out.ResultsByTime {
		for _, g := range r.Groups {
			l, err := m.line(r, g)
			if err != nil {
				return err
			}
			lines = append(lines, l)
		}
	}
	for _, l := range lines {
		if err := fn(l); err != nil {
			return err
		}
	}
	return nil
}

// accountNames reads the linked accounts' names that a page describes.
func accountNames(attrs []types.DimensionValuesWithAttributes) map[string]string {
	names := make(map[string]string, len(attrs))
	for _, a := range attrs {
		if v := aws.ToString(a.Value); v != "" {
			names[v] = a.Attributes["description"]
		}
	}
	return names
}

// WriteFOCUS writes the lines of Costs as one FOCUS 1.2 CSV, for
// billing.Open and the cost store's import. On error the output is
// incomplete and must be discarded.
func (c *Client) WriteFOCUS(ctx context.Context, from, to time.Time, w io.Writer) error {
	fw, err := billing.NewFOCUSWriter(w, focusExtras)
	if err != nil {
		return err
	}
	if err := c.Costs(ctx, from, to, fw.Write); err != nil {
		return err
	}
	return fw.Flush()
}
