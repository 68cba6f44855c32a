package awsconn

import (
	"context"
	"fmt"
	"strings"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
)

// recSources maps this package's sources to Canopy's.
var recSources = map[string]string{SourceTrustedAdvisor: recommend.SourceTrustedAdvisor,
	SourceCERightsizing: recommend.SourceCERightsizing, SourceCESavingsPlans: recommend.SourceCESavingsPlans}

// storeRecommendations keeps what the sync read as the connection's
// recommendations, per source read completely: a source that was refused
// or switched off keeps its stored findings.
func storeRecommendations(ctx context.Context, run *connect.Run, conn connect.Connection, res RecResult) error {
	bySource := map[string][]store.SourceRecommendation{}
	for _, r := range res.Recs {
		bySource[r.Source] = append(bySource[r.Source], storedRec(r))
	}
	at := domain.Now()
	for _, src := range res.Read {
		if _, err := run.Store().ReplaceRecommendations(ctx, conn.OrgID, conn.ID, recSources[src], bySource[src], at); err != nil {
			return fmt.Errorf("save the recommendations: %w", err)
		}
	}
	return nil
}

func storedRec(r Recommendation) store.SourceRecommendation {
	return store.SourceRecommendation{SourceKey: r.ID, Category: recCategory(r), Account: r.AccountID,
		ResourceID: r.ResourceID, Region: r.Region, Title: r.Title, Detail: r.Detail,
		SourceSavings: r.EstimatedMonthlySavings, SourceCurrency: r.Currency}
}

// recCategory sorts a finding: rightsizing's TERMINATE and Trusted
// Advisor's idle/low-utilisation checks are idle resources, reservation
// and Savings Plans advice is a commitment.
func recCategory(r Recommendation) string {
	switch r.Source {
	case SourceCESavingsPlans:
		return recommend.CategoryCommitment
	case SourceCERightsizing:
		if r.Check == "TERMINATE" {
			return recommend.CategoryIdle
		}
		return recommend.CategoryRightsizing
	}
	t := strings.ToLower(r.Title)
	switch {
	case strings.Contains(t, "reserved") || strings.Contains(t, "savings plan"):
		return recommend.CategoryCommitment
	case strings.Contains(t, "idle") || strings.Contains(t, "low utilization") || strings.Contains(t, "underutilized") ||
		strings.Contains(t, "unassociated"):
		return recommend.CategoryIdle
	}
	return recommend.CategoryCost
}
