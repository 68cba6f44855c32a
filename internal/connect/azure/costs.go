package azureconn

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"github.com/Azure/azure-sdk-for-go/sdk/azcore/arm"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/policy"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/runtime"
	"github.com/Azure/azure-sdk-for-go/sdk/azcore/to"
	"github.com/Azure/azure-sdk-for-go/sdk/resourcemanager/costmanagement/armcostmanagement/v2"
)

// queryPage is one page of a Cost Management query. Cells stay raw JSON so
// that amounts keep every digit (the SDK's model turns them into float64).
type queryPage struct {
	Properties struct {
		NextLink *string `json:"nextLink"`
		Columns  []struct {
			Name string `json:"name"`
		} `json:"columns"`
		Rows []json.RawMessage `json:"rows"`
	} `json:"properties"`
}

// costQuery is the query Costs sends: daily cost of the period grouped by
// resource and meter category (Cost Management allows two groupings).
func costQuery(kind armcostmanagement.ExportType, from, end time.Time) armcostmanagement.QueryDefinition {
	return armcostmanagement.QueryDefinition{
		Type:       to.Ptr(kind),
		Timeframe:  to.Ptr(armcostmanagement.TimeframeTypeCustom),
		TimePeriod: &armcostmanagement.QueryTimePeriod{From: to.Ptr(from), To: to.Ptr(end.AddDate(0, 0, -1))},
		Dataset: &armcostmanagement.QueryDataset{
			Granularity: to.Ptr(armcostmanagement.GranularityTypeDaily),
			Aggregation: map[string]*armcostmanagement.QueryAggregation{
				"totalCost": {Name: to.Ptr("Cost"), Function: to.Ptr(armcostmanagement.FunctionTypeSum)}},
			Grouping: []*armcostmanagement.QueryGrouping{
				{Type: to.Ptr(armcostmanagement.QueryColumnTypeDimension), Name: to.Ptr("ResourceId")},
				{Type: to.Ptr(armcostmanagement.QueryColumnTypeDimension), Name: to.Ptr("MeterCategory")},
			},
		},
	}
}

// queryAll runs one query at subscription scope and returns every row of
// every page as column name -> raw value. The first page goes through the
// SDK's QueryClient; nextLink pages are POSTed with the same body through
// the same pipeline, as the service requires. Any bad page fails the
// whole query.
func (c *Client) queryAll(ctx context.Context, subID string, def armcostmanagement.QueryDefinition) ([]map[string]json.RawMessage, error) {
	qc, err := armcostmanagement.NewQueryClient(c.credential(), c.armOptions())
	if err != nil {
		return nil, err
	}
	scope := "/subscriptions/" + subID
	var raw *http.Response
	err = c.withThrottle(ctx, func() error {
		if err := c.pace(ctx, scope); err != nil {
			return err
		}
		_, err := qc.Usage(policy.WithCaptureResponse(ctx, &raw), scope, def, nil)
		return err
	})
	if err != nil {
		return nil, err
	}
	rows, next, err := decodePage(raw)
	for err == nil && next != "" {
		var more []map[string]json.RawMessage
		more, next, err = c.nextPage(ctx, scope, next, def)
		rows = append(rows, more...)
	}
	return rows, err
}

// pace waits for the Cost Management scope's turn (Config.Pace).
func (c *Client) pace(ctx context.Context, scope string) error {
	if c.cfg.Pace == nil {
		return nil
	}
	return c.cfg.Pace(ctx, scope)
}

func (c *Client) nextPage(ctx context.Context, scope, link string, def armcostmanagement.QueryDefinition) ([]map[string]json.RawMessage, string, error) {
	pl, err := c.pipeline()
	if err != nil {
		return nil, "", err
	}
	var resp *http.Response
	err = c.withThrottle(ctx, func() error {
		if err := c.pace(ctx, scope); err != nil {
			return err
		}
		resp, err = post(ctx, pl, link, def)
		return err
	})
	if err != nil {
		return nil, "", err
	}
	return decodePage(resp)
}

// post sends body as JSON to url and turns a non-2xx answer into the
// SDK's *azcore.ResponseError.
func post(ctx context.Context, pl *arm.Client, url string, body any) (*http.Response, error) {
	req, err := runtime.NewRequest(ctx, http.MethodPost, url)
	if err != nil {
		return nil, err
	}
	if err := runtime.MarshalAsJSON(req, body); err != nil {
		return nil, err
	}
	return do(pl, req, http.StatusOK)
}

func do(pl *arm.Client, req *policy.Request, ok ...int) (*http.Response, error) {
	resp, err := pl.Pipeline().Do(req)
	if err != nil {
		return nil, err
	}
	if !runtime.HasStatusCode(resp, ok...) {
		return nil, runtime.NewResponseError(resp)
	}
	return resp, nil
}

// decodePage reads a query page's rows keyed by column name.
func decodePage(resp *http.Response) ([]map[string]json.RawMessage, string, error) {
	body, err := runtime.Payload(resp)
	if err != nil {
		return nil, "", err
	}
	var p queryPage
	if err := json.Unmarshal(body, &p); err != nil {
		return nil, "", fmt.Errorf("azure cost query: bad page: %w", err)
	}
	out := make([]map[string]json.RawMessage, 0, len(p.Properties.Rows))
	for _, r := range p.Properties.Rows {
		var cells []json.RawMessage
		if err := json.Unmarshal(r, &cells); err != nil || len(cells) != len(p.Properties.Columns) {
			return nil, "", fmt.Errorf("azure cost query: bad row %s", r)
		}
		row := make(map[string]json.RawMessage, len(cells))
		for i, col := range p.Properties.Columns {
			row[col.Name] = cells[i]
		}
		out = append(out, row)
	}
	return out, deref(p.Properties.NextLink), nil
}
