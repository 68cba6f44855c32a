package api_test

import (
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

type recJSON struct {
	ID           string `json:"id"`
	Source       string `json:"source"`
	Category     string `json:"category"`
	Account      string `json:"account"`
	Status       string `json:"status"`
	StatusReason string `json:"status_reason"`
	Estimate     struct {
		Monthly  string `json:"monthly"`
		Currency string `json:"currency"`
		Basis    string `json:"basis"`
	} `json:"estimate"`
	Realised *struct {
		Measurable bool   `json:"measurable"`
		Basis      string `json:"basis"`
	} `json:"realised"`
}

type recListJSON struct {
	Items  []recJSON `json:"items"`
	Totals struct {
		Open        int    `json:"open"`
		OpenMonthly string `json:"open_monthly"`
		Currency    string `json:"currency"`
	} `json:"totals"`
	Facets struct {
		Accounts []string `json:"accounts"`
	} `json:"facets"`
}

// A program lists recommendations by filter with totals, reads one with
// its estimate basis, dismisses it with a reason (without one: invalid,
// naming the field), reopens it and marks it done; a viewer reads but
// cannot act.
func TestRecommendationsAPI(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		a := f.a
		extra := store.SourceRecommendation{SourceKey: "savings-plans/COMPUTE_SP", Category: recommend.CategoryCommitment, Account: "999",
			Title: "Buy a 1-year Compute Savings Plan", SourceSavings: "100", SourceCurrency: string(a.org.ReportingCurrency)}
		if _, err := f.st.ReplaceRecommendations(f.ctx, a.org.ID, a.connectionID, recommend.SourceCESavingsPlans, []store.SourceRecommendation{extra}, domain.Now()); err != nil {
			t.Fatal(err)
		}
		var list recListJSON
		r := f.do("GET", "/api/v1/recommendations", a.viewerToken, nil)
		if r.decode(t, &list); r.status != 200 || len(list.Items) != 2 || list.Totals.Open != 2 || list.Totals.OpenMonthly != "112.5" || len(list.Facets.Accounts) != 2 {
			t.Fatalf("list: %d %s", r.status, r.body)
		}
		r = f.do("GET", "/api/v1/recommendations?category=commitment&status=open", a.viewerToken, nil)
		if r.decode(t, &list); len(list.Items) != 1 || list.Items[0].Source != recommend.SourceCESavingsPlans || list.Items[0].Estimate.Monthly != "100" {
			t.Fatalf("filtered: %s", r.body)
		}
		r = f.do("GET", "/api/v1/recommendations?source=aws-trusted-advisor,azure-advisor", a.viewerToken, nil)
		if r.decode(t, &list); len(list.Items) != 1 || list.Items[0].ID != a.recID {
			t.Fatalf("by sources: %s", r.body)
		}
		f.do("GET", "/api/v1/recommendations?status=snoozed", a.viewerToken, nil).wantError(t, "unknown status", 400, domain.CodeInvalid)
		var rec recJSON
		r = f.do("GET", "/api/v1/recommendations/"+a.recID, a.viewerToken, nil)
		if r.decode(t, &rec); r.status != 200 || rec.Estimate.Monthly != "12.5" || !strings.Contains(rec.Estimate.Basis, "Trusted Advisor") {
			t.Fatalf("get: %s", r.body)
		}
		path := "/api/v1/recommendations/" + a.recID
		f.do("POST", path+"/dismiss", a.viewerToken, map[string]string{"reason": "x"}).wantError(t, "viewer dismisses", 403, domain.CodeForbidden)
		e := f.do("POST", path+"/dismiss", a.ownerToken, map[string]string{"reason": ""}).wantError(t, "no reason", 400, domain.CodeInvalid)
		if !strings.Contains(e.Error.Message+e.Error.Field, "reason") {
			t.Fatalf("error does not name the field: %+v", e)
		}
		r = f.do("POST", path+"/dismiss", a.ownerToken, map[string]string{"reason": "Reserved for failover"})
		if r.decode(t, &rec); r.status != 200 || rec.Status != "dismissed" || rec.StatusReason != "Reserved for failover" {
			t.Fatalf("dismiss: %d %s", r.status, r.body)
		}
		f.do("POST", path+"/done", a.ownerToken, nil).wantError(t, "done while dismissed", 409, domain.CodeConflict)
		f.do("POST", path+"/reopen", a.ownerToken, nil).wantStatus(t, "reopen", 200)
		r = f.do("POST", path+"/done", a.ownerToken, nil)
		if r.decode(t, &rec); r.status != 200 || rec.Status != "done" || rec.Realised == nil || rec.Realised.Measurable ||
			!strings.Contains(rec.Realised.Basis, "Not measurable yet") {
			t.Fatalf("done: %d %s", r.status, r.body)
		}
		r = f.do("GET", "/api/v1/recommendations?status=done", a.viewerToken, nil)
		if r.decode(t, &list); len(list.Items) != 1 || list.Totals.Open != 0 {
			t.Fatalf("done list: %s", r.body)
		}
		f.do("GET", "/api/v1/recommendations/"+f.b.recID, a.ownerToken, nil).wantError(t, "B's recommendation", http.StatusNotFound, domain.CodeNotFound)
	})
}
