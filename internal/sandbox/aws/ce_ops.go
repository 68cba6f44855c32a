package awssandbox

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"sort"
	"time"
)

// costExplorer is the AWSInsightsIndexService target's operations.
func (a *AWS) costExplorer() jsonService {
	return jsonService{
		iamPrefix: "ce",
		throttle:  func() *apiError { return ceError("LimitExceededException", "Rate exceeded") },
		ops: map[string]jsonOp{
			"GetCostAndUsage":                       a.getCostAndUsage,
			"GetRightsizingRecommendation":          a.getRightsizingRecommendation,
			"GetSavingsPlansPurchaseRecommendation": a.getSavingsPlansPurchaseRecommendation,
		},
	}
}

// ceEnabled refuses accounts where nobody opened Cost Explorer yet.
func (a *AWS) ceEnabled(acc *account) *apiError {
	a.mu.Lock()
	defer a.mu.Unlock()
	if !acc.opts.CostExplorerEnabled {
		return errf(http.StatusBadRequest, "com.amazonaws.costexplorer", "AccessDeniedException", "User not enabled for cost explorer access")
	}
	return nil
}

type metricValue struct {
	Amount string `json:"Amount"`
	Unit   string `json:"Unit"`
}

type costGroup struct {
	Keys    []string               `json:"Keys"`
	Metrics map[string]metricValue `json:"Metrics"`
}

type resultByTime struct {
	TimePeriod dateInterval           `json:"TimePeriod"`
	Total      map[string]metricValue `json:"Total"`
	Groups     []costGroup            `json:"Groups"`
	Estimated  bool                   `json:"Estimated"`
}

type dimensionAttributes struct {
	Value      string            `json:"Value"`
	Attributes map[string]string `json:"Attributes"`
}

type costResponse struct {
	GroupDefinitions         []groupDefinition     `json:"GroupDefinitions,omitempty"`
	ResultsByTime            []resultByTime        `json:"ResultsByTime"`
	DimensionValueAttributes []dimensionAttributes `json:"DimensionValueAttributes"`
	NextPageToken            string                `json:"NextPageToken,omitempty"`
}

// pageToken is what NextPageToken carries: where the next page starts,
// which request it belongs to, and the day whose data the pages show (so
// a paging run stays consistent even if the data is revised meanwhile).
type pageToken struct {
	Offset      int    `json:"o"`
	Fingerprint string `json:"f"`
	AsOf        string `json:"d"`
}

func (a *AWS) getCostAndUsage(_ *caller, acc *account, body []byte) (any, *apiError) {
	if e := a.ceEnabled(acc); e != nil {
		return nil, e
	}
	q, e := a.parseCostRequest(body)
	if e != nil {
		return nil, e
	}
	asOf, offset, e := a.resume(q.NextPageToken, q.fingerprint())
	if e != nil {
		return nil, e
	}
	if e := checkAvailable(q, asOf); e != nil {
		return nil, e
	}
	rows := a.costRows(acc, q, asOf)
	end := min(offset+a.pageSize, len(rows))
	resp := buildCostPage(q, acc, rows[min(offset, end):end], asOf)
	if end < len(rows) {
		b, _ := json.Marshal(pageToken{Offset: end, Fingerprint: q.fingerprint(), AsOf: asOf.Format(time.DateOnly)})
		resp.NextPageToken = base64.RawURLEncoding.EncodeToString(b)
	}
	return resp, nil
}

// resume decodes a NextPageToken (or starts at today's data).
func (a *AWS) resume(token, fingerprint string) (time.Time, int, *apiError) {
	if token == "" {
		return a.clock.Now().Truncate(24 * time.Hour), 0, nil
	}
	var t pageToken
	b, err := base64.RawURLEncoding.DecodeString(token)
	if err == nil {
		err = json.Unmarshal(b, &t)
	}
	asOf, err2 := time.Parse(time.DateOnly, t.AsOf)
	if err != nil || err2 != nil || t.Offset <= 0 {
		return time.Time{}, 0, ceError("InvalidNextTokenException", "The pagination token is invalid. Try again without a pagination token.")
	}
	if t.Fingerprint != fingerprint {
		return time.Time{}, 0, ceError("RequestChangedException", "Your request parameters changed between pages. Try again with the old parameters or without a pagination token.")
	}
	return asOf, t.Offset, nil
}

// costRow is one page row: a group's sums in one period, or a period's
// total (ungrouped), or an empty period (grouped, nothing matched).
type costRow struct {
	period [2]time.Time
	keys   []string
	m      *metricValues
}

func (a *AWS) costRows(acc *account, q *costQuery, asOf time.Time) []costRow {
	a.mu.Lock()
	lines := a.seriesFor(acc)
	a.mu.Unlock()
	var rows []costRow
	for _, p := range q.periods() {
		cells := map[string]*costRow{}
		total := &costRow{period: p, m: &metricValues{}}
		for i := range lines {
			s := &lines[i]
			if !q.Filter.matches(s) {
				continue
			}
			for d := p[0]; d.Before(p[1]); d = d.AddDate(0, 0, 1) {
				if cost := a.dailyCost(s, d, asOf); cost != 0 {
					total.m.add(s, cost)
					cellFor(cells, p, q.groupKeys(s)).m.add(s, cost)
				}
			}
		}
		rows = append(rows, periodRows(q, total, cells)...)
	}
	return rows
}

func cellFor(cells map[string]*costRow, p [2]time.Time, keys []string) *costRow {
	k := joinKeys(keys)
	if c, ok := cells[k]; ok {
		return c
	}
	c := &costRow{period: p, keys: keys, m: &metricValues{}}
	cells[k] = c
	return c
}

// periodRows orders a period's groups by their keys; an ungrouped query
// has one row per period, its total.
func periodRows(q *costQuery, total *costRow, cells map[string]*costRow) []costRow {
	if len(q.GroupBy) == 0 {
		return []costRow{*total}
	}
	if len(cells) == 0 {
		return []costRow{{period: total.period}}
	}
	names := make([]string, 0, len(cells))
	for k := range cells {
		names = append(names, k)
	}
	sort.Strings(names)
	out := make([]costRow, 0, len(names))
	for _, k := range names {
		out = append(out, *cells[k])
	}
	return out
}

// TotalCost is the seeded total of metric (UnblendedCost, BlendedCost ...)
// over [start, end) for an account and its linked accounts, as Cost
// Explorer shows it now: what a complete paging run must add up to.
func (a *AWS) TotalCost(accountID, metric string, start, end time.Time) string {
	a.mu.Lock()
	acc := a.accounts[accountID]
	a.mu.Unlock()
	if acc == nil {
		return "0"
	}
	q := &costQuery{costRequest: costRequest{Granularity: "MONTHLY"}, start: start, end: end}
	total := &metricValues{}
	for _, r := range a.costRows(acc, q, a.clock.Now().Truncate(24*time.Hour)) {
		total.unblended += r.m.unblended
		total.blended += r.m.blended
		total.amortized += r.m.amortized
		total.net += r.m.net
		total.usage += r.m.usage
	}
	amount, _ := total.get(metric)
	return amount
}
