package awssandbox

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

type dateInterval struct {
	Start string `json:"Start"`
	End   string `json:"End"`
}

type groupDefinition struct {
	Type string `json:"Type"`
	Key  string `json:"Key"`
}

type costRequest struct {
	TimePeriod    *dateInterval     `json:"TimePeriod"`
	Granularity   string            `json:"Granularity"`
	Metrics       []string          `json:"Metrics"`
	GroupBy       []groupDefinition `json:"GroupBy,omitempty"`
	Filter        *expression       `json:"Filter,omitempty"`
	NextPageToken string            `json:"NextPageToken,omitempty"`
}

var knownMetrics = []string{"AmortizedCost", "BlendedCost", "NetAmortizedCost", "NetUnblendedCost", "NormalizedUsageAmount", "UnblendedCost", "UsageQuantity"}

// costQuery is a validated GetCostAndUsage request.
type costQuery struct {
	costRequest
	start, end time.Time
}

func (a *AWS) parseCostRequest(body []byte) (*costQuery, *apiError) {
	var q costQuery
	if err := json.Unmarshal(body, &q.costRequest); err != nil {
		return nil, errf(http.StatusBadRequest, coralNS, "SerializationException", err.Error())
	}
	if q.TimePeriod == nil {
		return nil, validation("1 validation error detected: Value null at 'timePeriod' failed to satisfy constraint: Member must not be null")
	}
	var err1, err2 error
	q.start, err1 = time.Parse(time.DateOnly, q.TimePeriod.Start)
	q.end, err2 = time.Parse(time.DateOnly, q.TimePeriod.End)
	if err1 != nil || err2 != nil {
		return nil, validation("Dates must be in the format yyyy-MM-dd")
	}
	if !q.start.Before(q.end) {
		return nil, validation("Start date (and hour) should be before end date (and hour)")
	}
	if e := q.validateShape(); e != nil {
		return nil, e
	}
	return &q, nil
}

func (q *costQuery) validateShape() *apiError {
	switch q.Granularity {
	case "DAILY", "MONTHLY":
	case "HOURLY":
		return validation("Hourly granularity is not enabled for this account. Enable hourly granularity in Cost Explorer preferences.")
	default:
		return validation("1 validation error detected: Value '" + q.Granularity + "' at 'granularity' failed to satisfy constraint: Member must satisfy enum value set: [HOURLY, DAILY, MONTHLY]")
	}
	if len(q.Metrics) == 0 {
		return validation("Metrics must not be empty")
	}
	for _, m := range q.Metrics {
		if !slices.Contains(knownMetrics, m) {
			return validation("Unsupported metric: " + m)
		}
	}
	if len(q.GroupBy) > 2 {
		return validation("You may only have up to 2 GroupBy")
	}
	for _, g := range q.GroupBy {
		if e := validateGroup(g); e != nil {
			return e
		}
	}
	if q.Filter != nil {
		if err := q.Filter.validate(); err != nil {
			return validation(err.Error())
		}
	}
	return nil
}

func validateGroup(g groupDefinition) *apiError {
	switch g.Type {
	case "DIMENSION":
		if _, ok := (&series{}).dimension(g.Key); !ok {
			return validation(fmt.Sprintf("Group Definition dimension is invalid. Valid values are AZ, INSTANCE_TYPE, LEGAL_ENTITY_NAME, INVOICING_ENTITY, LINKED_ACCOUNT, OPERATION, PLATFORM, PURCHASE_TYPE, SERVICE, TENANCY, RECORD_TYPE, and USAGE_TYPE; got %s", g.Key))
		}
	case "TAG":
		if g.Key == "" {
			return validation("Tag key must not be empty")
		}
	case "COST_CATEGORY":
		return validation("Cost category " + g.Key + " does not exist")
	default:
		return validation("1 validation error detected: Value '" + g.Type + "' at 'groupBy.1.member.type' failed to satisfy constraint: Member must satisfy enum value set: [DIMENSION, TAG, COST_CATEGORY]")
	}
	return nil
}

// checkAvailable applies the data horizon: 13 months back from the first
// of the current month (older → BillExpirationException), and nothing
// yet for periods that start in the future.
func checkAvailable(q *costQuery, now time.Time) *apiError {
	today := now.Truncate(24 * time.Hour)
	oldest := time.Date(today.Year(), today.Month()-13, 1, 0, 0, 0, 0, time.UTC)
	if q.start.Before(oldest) {
		return ceError("BillExpirationException", "You can only request data from "+oldest.Format(time.DateOnly)+" onwards: Cost Explorer keeps the last 13 months of data.")
	}
	if q.start.After(today) {
		return ceError("DataUnavailableException", "Data is not available. Please try to adjust the time period. If just enabled Cost Explorer, data might not be ingested yet")
	}
	return nil
}

// periods splits [start, end) into the granularity's buckets.
func (q *costQuery) periods() [][2]time.Time {
	var out [][2]time.Time
	for t := q.start; t.Before(q.end); {
		next := t.AddDate(0, 0, 1)
		if q.Granularity == "MONTHLY" {
			next = time.Date(t.Year(), t.Month()+1, 1, 0, 0, 0, 0, time.UTC)
		}
		if next.After(q.end) {
			next = q.end
		}
		out = append(out, [2]time.Time{t, next})
		t = next
	}
	return out
}

// groupKeys are a line's Keys for the request's GroupBy ("Team$web" for
// tags, "Team$" when untagged, as Cost Explorer writes them).
func (q *costQuery) groupKeys(s *series) []string {
	keys := make([]string, 0, len(q.GroupBy))
	for _, g := range q.GroupBy {
		if g.Type == "TAG" {
			keys = append(keys, g.Key+"$"+s.tags[g.Key])
			continue
		}
		v, _ := s.dimension(g.Key)
		keys = append(keys, v)
	}
	return keys
}

// fingerprint identifies a request without its page token, so a token
// replayed with other parameters is detected.
func (q *costQuery) fingerprint() string {
	c := q.costRequest
	c.NextPageToken = ""
	b, _ := json.Marshal(c)
	return hashHex(string(b))[:16]
}

func joinKeys(k []string) string { return strings.Join(k, "\x00") }
