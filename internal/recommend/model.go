// Package recommend holds Canopy's savings recommendations: those a
// connection's source proposes (AWS Trusted Advisor and Cost Explorer,
// Azure Advisor), which the connectors store as they sync, and Canopy's own
// Microsoft 365 licence recommendations derived from the directory and its
// usage report. It values each at the organisation's prices in its
// reporting currency, keeps the status people give them (open, dismissed
// with a reason, done) and measures the saving a done one realised from
// later cost data.
package recommend

import (
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Sources of recommendations.
const (
	SourceTrustedAdvisor = "aws-trusted-advisor"
	SourceCERightsizing  = "aws-cost-explorer-rightsizing"
	SourceCESavingsPlans = "aws-cost-explorer-savings-plans"
	SourceAzureAdvisor   = "azure-advisor"
	SourceM365           = "m365-licences"
	// SourceM365Usage is the inactive-user part of the licence
	// recommendations: it needs the usage report, so it is replaced only
	// when the report could be matched to users.
	SourceM365Usage = "m365-usage"
)

// Categories of recommendations.
const (
	CategoryRightsizing = "rightsizing"
	CategoryIdle        = "idle-resource"
	CategoryCommitment  = "commitment"
	CategoryCost        = "cost"
	CategoryUnassigned  = "unassigned-licence"
	CategoryInactive    = "inactive-licence"
	CategoryOverlapping = "overlapping-licence"
)

// SourceLabels and CategoryLabels name sources and categories for people.
var (
	SourceLabels = map[string]string{SourceTrustedAdvisor: "AWS Trusted Advisor",
		SourceCERightsizing: "AWS Cost Explorer rightsizing", SourceCESavingsPlans: "AWS Cost Explorer Savings Plans",
		SourceAzureAdvisor: "Azure Advisor", SourceM365: "Microsoft 365 licences (Canopy)",
		SourceM365Usage: "Microsoft 365 usage (Canopy)"}
	CategoryLabels = map[string]string{CategoryRightsizing: "Rightsizing", CategoryIdle: "Idle resource",
		CategoryCommitment: "Commitment (reservations, savings plans)", CategoryCost: "Other cost",
		CategoryUnassigned: "Unassigned licences", CategoryInactive: "Licences of inactive users",
		CategoryOverlapping: "Overlapping licences"}
)

// Statuses.
const (
	StatusOpen      = "open"
	StatusDismissed = "dismissed"
	StatusDone      = "done"
	StatusResolved  = "resolved"
)

// Seats is a number of seats of one licence product in a licence
// recommendation.
type Seats struct {
	SkuPartNumber string `json:"sku_part_number"`
	Seats         int64  `json:"seats"`
}

// Recommendation is one recommendation as people and programs see it.
type Recommendation struct {
	ID           string     `json:"id"`
	ConnectionID string     `json:"connection_id"`
	Connection   string     `json:"connection"`
	Source       string     `json:"source"`
	SourceKey    string     `json:"source_key"`
	Category     string     `json:"category"`
	Account      string     `json:"account"`
	ResourceID   string     `json:"resource_id,omitempty"`
	Region       string     `json:"region,omitempty"`
	Title        string     `json:"title"`
	Detail       string     `json:"detail"`
	Licences     []Seats    `json:"licences,omitempty"`
	Status       string     `json:"status"`
	StatusReason string     `json:"status_reason,omitempty"`
	StatusBy     string     `json:"status_by,omitempty"`
	StatusAt     *time.Time `json:"status_at,omitempty"`
	DoneAt       *time.Time `json:"done_at,omitempty"`
	FirstSeen    time.Time  `json:"first_seen"`
	LastSeen     time.Time  `json:"last_seen"`
	GoneAt       *time.Time `json:"gone_at,omitempty"`
	Estimate     Estimate   `json:"estimate"`
	Realised     *Realised  `json:"realised,omitempty"`
}

// Estimate is a recommendation's estimated monthly saving in the
// organisation's reporting currency, with how it was reached. Error says
// why there is none (no price known, a missing exchange rate).
type Estimate struct {
	Monthly  *domain.Amount `json:"monthly,omitempty"`
	Currency string         `json:"currency"`
	Basis    string         `json:"basis"`
	Error    string         `json:"error,omitempty"`
}

// Realised is the saving a done recommendation realised: the average
// daily cost of what it concerns in the window before it was done against
// the window after, scaled to a month (30 days).
type Realised struct {
	Measurable  bool           `json:"measurable"`
	Monthly     *domain.Amount `json:"monthly,omitempty"`
	Currency    string         `json:"currency"`
	BeforeFrom  time.Time      `json:"before_from"`
	BeforeTo    time.Time      `json:"before_to"`
	AfterFrom   time.Time      `json:"after_from"`
	AfterTo     time.Time      `json:"after_to"`
	BeforeDaily *domain.Amount `json:"before_daily,omitempty"`
	AfterDaily  *domain.Amount `json:"after_daily,omitempty"`
	Basis       string         `json:"basis"`
	Error       string         `json:"error,omitempty"`
}

func decodeSeats(b []byte) []Seats {
	var out []Seats
	_ = json.Unmarshal(b, &out) // written by this package; empty on anything else
	return out
}

func encodeSeats(s []Seats) []byte {
	b, _ := json.Marshal(s) // plain structs always encode
	return b
}
