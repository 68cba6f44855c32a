package api_test

import (
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
)

// seedRecommendation stores one open Trusted Advisor recommendation on
// the tenant's connection, as an AWS sync would.
func (f *fixture) seedRecommendation(p *auth.Principal, connectionID, slug string) string {
	f.t.Helper()
	rec := store.SourceRecommendation{SourceKey: "check-1/i-" + slug, Category: recommend.CategoryIdle, Account: "1111" + slug,
		ResourceID: "i-" + slug, Region: "us-east-1", Title: "Low Utilization Amazon EC2 Instances", Detail: "idle",
		SourceSavings: "12.50", SourceCurrency: string(p.Org.ReportingCurrency)}
	if _, err := f.st.ReplaceRecommendations(f.ctx, p.Org.ID, connectionID, recommend.SourceTrustedAdvisor, []store.SourceRecommendation{rec}, domain.Now()); err != nil {
		f.t.Fatal(err)
	}
	list, err := f.st.ListRecommendations(f.ctx, p.Org.ID, store.RecFilter{})
	if err != nil || len(list) != 1 {
		f.t.Fatalf("seeded recommendations: %v %v", list, err)
	}
	return list[0].ID
}
