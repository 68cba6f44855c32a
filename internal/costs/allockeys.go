package costs

import (
	"context"
	"time"
)

// AllocKey is what allocation rules look at on a cost line: its
// dimensions and tags. Lines with equal keys are allocated alike, so an
// engine sums lines per key before any rule is evaluated.
type AllocKey struct {
	Provider       string            `json:"provider"`
	BillingAccount string            `json:"billing_account"`
	SubAccount     string            `json:"sub_account"`
	SubAccountName string            `json:"sub_account_name,omitempty"`
	ResourceGroup  string            `json:"resource_group,omitempty"`
	Service        string            `json:"service"`
	Category       string            `json:"service_category,omitempty"`
	Region         string            `json:"region,omitempty"`
	Resource       string            `json:"resource,omitempty"`
	ResourceName   string            `json:"resource_name,omitempty"`
	SKU            string            `json:"sku,omitempty"`
	ChargeCategory string            `json:"charge_category"`
	Tags           map[string]string `json:"tags,omitempty"`
}

// AllocRow sums the lines of one charge day, key (an index into the keys
// AllocationKeys returns) and billing currency.
type AllocRow struct {
	Day      time.Time
	Key      int
	Currency string
	Lines    int64
	Measures Measures
}

// AllocKeyer sums lines per allocation key; the cost store implements it
// beside Querier (q's GroupBy is ignored, its filters apply).
type AllocKeyer interface {
	AllocationKeys(ctx context.Context, orgID string, q Query) ([]AllocKey, []AllocRow, error)
}
