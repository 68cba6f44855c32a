package recommend

import (
	"context"
	"time"

	"github.com/canopyhq/canopy/internal/store"
)

// RefreshLicences derives the connection's licence recommendations from
// its stored directory and usage report and stores them (a re-run updates
// them; those no longer derived are resolved). It returns why inactive
// users were skipped ("" when they were judged).
func RefreshLicences(ctx context.Context, st *store.Store, orgID, connectionID, tenant string, at time.Time) (store.RecSyncResult, string, error) {
	users, skus, err := st.LicenceHolders(ctx, orgID)
	if err != nil {
		return store.RecSyncResult{}, "", err
	}
	d := Directory{Tenant: tenant}
	for _, u := range users {
		if u.ConnectionID == connectionID {
			d.Users = append(d.Users, u)
		}
	}
	for _, k := range skus {
		if k.ConnectionID == connectionID && k.DeletedAt == nil {
			d.SKUs = append(d.SKUs, k)
		}
	}
	reps, err := st.M365ActivityReports(ctx, orgID)
	if err != nil {
		return store.RecSyncResult{}, "", err
	}
	for i := range reps {
		if reps[i].ConnectionID == connectionID {
			d.Report = &reps[i]
		}
	}
	if d.Activity, err = st.M365UserActivity(ctx, orgID, connectionID); err != nil {
		return store.RecSyncResult{}, "", err
	}
	licences, inactive, skipped := LicenceRecommendations(d)
	res, err := st.ReplaceRecommendations(ctx, orgID, connectionID, SourceM365, licences, at)
	if err != nil || skipped != "" { // inactive users not judged: keep what the last judgement found
		return res, skipped, err
	}
	res2, err := st.ReplaceRecommendations(ctx, orgID, connectionID, SourceM365Usage, inactive, at)
	res.Added, res.Updated, res.Gone, res.Reopened = res.Added+res2.Added, res.Updated+res2.Updated, res.Gone+res2.Gone, res.Reopened+res2.Reopened
	return res, skipped, err
}

// skippedReason is why inactive users of a connection cannot be judged.
func skippedReason(rep *store.M365ActivityReport) string {
	_, msg := inactiveUsers(Directory{Report: rep}, nil)
	return msg
}
