package azbilling

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
	"time"
)

// queryBody is the request body as the SDK's QueryDefinition marshals it.
type queryBody struct {
	Type       string `json:"type"`
	Timeframe  string `json:"timeframe"`
	TimePeriod *struct {
		From string `json:"from"`
		To   string `json:"to"`
	} `json:"timePeriod"`
	Dataset *struct {
		Granularity string `json:"granularity"`
		Aggregation map[string]struct {
			Name     string `json:"name"`
			Function string `json:"function"`
		} `json:"aggregation"`
		Grouping []struct {
			Type string `json:"type"`
			Name string `json:"name"`
		} `json:"grouping"`
		Filter *filterExpr `json:"filter"`
	} `json:"dataset"`
}

// query is a validated query.
type query struct {
	amortized bool
	from, to  time.Time // UTC dates, both included
	grain     string    // "", "Daily" or "Monthly"
	aggs      []string  // aggregated column names (Cost, PreTaxCost, CostUSD, PreTaxCostUSD)
	groups    []grouping
	filter    *filterExpr
}

type grouping struct {
	tag bool   // TagKey grouping
	key string // tag key, or canonical dimension name
	dim dimension
}

// badQuery is a 400 with Cost Management's message prefix.
type badQuery string

func (e badQuery) Error() string { return "Invalid query definition: " + string(e) }

func badf(format string, a ...any) error { return badQuery(fmt.Sprintf(format, a...)) }

// parseQuery reads and validates the body; errors name the offending field.
func parseQuery(body io.Reader, now time.Time) (*query, error) {
	var in queryBody
	dec := json.NewDecoder(io.LimitReader(body, 1<<20))
	if err := dec.Decode(&in); err != nil {
		return nil, badf("the request body is not valid JSON (%v).", err)
	}
	q := &query{}
	switch strings.ToLower(in.Type) {
	case "actualcost", "usage":
	case "amortizedcost":
		q.amortized = true
	case "":
		return nil, badf("'type' is required (ActualCost, AmortizedCost or Usage).")
	default:
		return nil, badf("'type' has an invalid value '%s'; use ActualCost, AmortizedCost or Usage.", in.Type)
	}
	if err := q.parsePeriod(&in, now); err != nil {
		return nil, err
	}
	if in.Dataset == nil {
		return nil, badf("'dataset' is required.")
	}
	if err := q.parseDataset(&in); err != nil {
		return nil, err
	}
	return q, nil
}

func (q *query) parsePeriod(in *queryBody, now time.Time) error {
	today := day(now)
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	switch strings.ToLower(in.Timeframe) {
	case "monthtodate", "billingmonthtodate":
		q.from, q.to = first, today
	case "thelastmonth", "thelastbillingmonth":
		q.from, q.to = first.AddDate(0, -1, 0), first.AddDate(0, 0, -1)
	case "weektodate":
		q.from, q.to = today.AddDate(0, 0, -int(today.Weekday())), today
	case "custom":
		return q.parseCustom(in)
	case "":
		return badf("'timeframe' is required.")
	default:
		return badf("'timeframe' has an invalid value '%s'.", in.Timeframe)
	}
	return nil
}

func (q *query) parseCustom(in *queryBody) error {
	if in.TimePeriod == nil {
		return badf("'timePeriod' is required when 'timeframe' is Custom.")
	}
	from, err := parseDate(in.TimePeriod.From)
	if err != nil {
		return badf("'timePeriod.from' is not a valid date: '%s'.", in.TimePeriod.From)
	}
	to, err := parseDate(in.TimePeriod.To)
	if err != nil {
		return badf("'timePeriod.to' is not a valid date: '%s'.", in.TimePeriod.To)
	}
	if to.Before(from) {
		return badf("'timePeriod.from' (%s) must not be after 'timePeriod.to' (%s).", dateKey(from), dateKey(to))
	}
	if to.After(from.AddDate(1, 0, 0)) {
		return badf("The time period for pulling the data cannot exceed 1 year(s)")
	}
	q.from, q.to = from, to
	return nil
}

func parseDate(s string) (time.Time, error) {
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			return day(t), nil
		}
	}
	return time.Time{}, fmt.Errorf("bad date %q", s)
}

var aggColumns = map[string]string{"cost": "Cost", "pretaxcost": "PreTaxCost", "costusd": "CostUSD", "pretaxcostusd": "PreTaxCostUSD"}

func (q *query) parseDataset(in *queryBody) error {
	ds := in.Dataset
	switch strings.ToLower(ds.Granularity) {
	case "", "none":
	case "daily":
		q.grain = "Daily"
	case "monthly":
		q.grain = "Monthly"
	default:
		return badf("'dataset.granularity' has an invalid value '%s'; use Daily or None.", ds.Granularity)
	}
	if err := q.parseAggregation(in); err != nil {
		return err
	}
	if len(ds.Grouping) > 2 {
		return badf("'dataset.grouping' has %d elements; a query can group by at most 2.", len(ds.Grouping))
	}
	for i, g := range ds.Grouping {
		gr, err := parseGrouping(i, g.Type, g.Name)
		if err != nil {
			return err
		}
		q.groups = append(q.groups, gr)
	}
	q.filter = ds.Filter
	return ds.Filter.validate("dataset.filter")
}

func (q *query) parseAggregation(in *queryBody) error {
	aggs := in.Dataset.Aggregation
	if len(aggs) == 0 {
		return badf("'dataset.aggregation' is required.")
	}
	if len(aggs) > 2 {
		return badf("'dataset.aggregation' has %d elements; a query can have at most 2.", len(aggs))
	}
	for alias, a := range aggs {
		col, ok := aggColumns[strings.ToLower(a.Name)]
		if !ok {
			return badf("'dataset.aggregation.%s.name' has an invalid value '%s'; use Cost, PreTaxCost, CostUSD or PreTaxCostUSD.", alias, a.Name)
		}
		if !strings.EqualFold(a.Function, "Sum") {
			return badf("'dataset.aggregation.%s.function' has an invalid value '%s'; use Sum.", alias, a.Function)
		}
		q.aggs = append(q.aggs, col)
	}
	sortStrings(q.aggs)
	return nil
}

func parseGrouping(i int, typ, name string) (grouping, error) {
	switch strings.ToLower(typ) {
	case "tagkey":
		if name == "" {
			return grouping{}, badf("'dataset.grouping[%d].name' is required.", i)
		}
		return grouping{tag: true, key: name}, nil
	case "dimension":
		d, ok := lookupDimension(name)
		if !ok {
			return grouping{}, badf("'dataset.grouping[%d].name' has an invalid dimension '%s'.", i, name)
		}
		return grouping{key: d.name, dim: d}, nil
	}
	return grouping{}, badf("'dataset.grouping[%d].type' has an invalid value '%s'; use Dimension or TagKey.", i, typ)
}
