package azureconn

import (
	"context"
	"fmt"
	"path"
	"sort"
	"strings"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
)

// syncRecommendations stores each readable subscription's Advisor cost
// recommendations. A subscription whose recommendations cannot be read
// is a warning and keeps what was stored of it.
func syncRecommendations(ctx context.Context, cl *Client, run *connect.Run, conn connect.Connection, subs []Subscription) error {
	at := domain.Now()
	n := 0
	for i, s := range subs {
		if !cl.level(s.ID).ListsResources() {
			continue
		}
		run.Progress(int64(i), int64(len(subs)), "Advisor recommendations of "+s.Name)
		recs, err := cl.Recommendations(ctx, s.ID)
		if IsState(err, TokenIncomplete) || statusOf(err) == 403 {
			run.Warn("Subscription " + s.Name + " (" + s.ID + "): its Advisor recommendations could not be read (" + brief(err) + "). Give Canopy's service principal Reader there (see /help/azure-service-principal-roles).")
			continue
		}
		if err != nil {
			return fmt.Errorf("Advisor recommendations of %s (%s): %w", s.Name, s.ID, err)
		}
		list := make([]store.SourceRecommendation, len(recs))
		for j, r := range recs {
			list[j] = storedRec(s.ID, r)
		}
		if _, err := run.Store().ReplaceAccountRecommendations(ctx, conn.OrgID, conn.ID, recommend.SourceAzureAdvisor, s.ID, list, at); err != nil {
			return fmt.Errorf("save the Advisor recommendations of %s: %w", s.Name, err)
		}
		n += len(recs)
	}
	run.Progress(int64(len(subs)), int64(len(subs)), fmt.Sprintf("%d Advisor recommendations read", n))
	return nil
}

func storedRec(sub string, r Recommendation) store.SourceRecommendation {
	out := store.SourceRecommendation{SourceKey: r.ID, Category: advisorCategory(r), Account: sub, ResourceID: r.ResourceID,
		Region: r.Extended["regionId"], Title: r.Problem, Detail: advisorDetail(r), SourceCurrency: r.Currency}
	// Name the resource in the title, unless the advice is about the
	// subscription as a whole (the account column says which).
	if name := path.Base(r.ResourceID); name != "" && name != "." && name != "/" && !strings.EqualFold(name, sub) {
		out.Title += " (" + name + ")"
	}
	if r.MonthlySavings != nil {
		out.SourceSavings = r.MonthlySavings.Text('f')
	}
	return out
}

// advisorCategory sorts an Advisor cost recommendation by what it acts on.
func advisorCategory(r Recommendation) string {
	p, id := strings.ToLower(r.Problem+" "+r.Extended["recommendationType"]), strings.ToLower(r.ResourceID)
	switch {
	case strings.Contains(p, "reserv") || strings.Contains(p, "savings plan"):
		return recommend.CategoryCommitment
	case strings.Contains(p, "skuchange") || strings.Contains(p, "right-size"):
		return recommend.CategoryRightsizing
	case strings.Contains(id, "/disks/") || strings.Contains(p, "shutdown") || strings.Contains(p, "idle") || strings.Contains(p, "unused"):
		return recommend.CategoryIdle
	}
	return recommend.CategoryCost
}

// advisorDetail is the solution, impact and Advisor's extended
// properties (sorted) as the source states them.
func advisorDetail(r Recommendation) string {
	keys := make([]string, 0, len(r.Extended))
	for k := range r.Extended {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := []string{r.Solution, "Impact: " + r.Impact}
	for _, k := range keys {
		parts = append(parts, k+": "+r.Extended[k])
	}
	return strings.Join(parts, "; ")
}
