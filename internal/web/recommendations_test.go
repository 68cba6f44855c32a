package web_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// seedRecs stores two open recommendations in org's AWS connection and
// returns their IDs by source key.
func (f *fixture) seedRecs(org string) map[string]string {
	f.t.Helper()
	ctx := context.Background()
	o := f.orgs[org]
	c, err := f.st.CreateConnection(ctx, store.Connection{OrgID: o.ID, Kind: "aws", Name: "AWS " + org, Settings: []byte("{}"), Enabled: true})
	if err != nil {
		f.t.Fatal(err)
	}
	recs := []store.SourceRecommendation{
		{SourceKey: "ta/i-1", Category: recommend.CategoryIdle, Account: "111122223333", ResourceID: "i-1",
			Title: "Low Utilization Amazon EC2 Instances (i-1)", Detail: "Average CPU 2 % over 14 days", SourceSavings: "40.5", SourceCurrency: string(o.ReportingCurrency)},
		{SourceKey: "ta/i-2", Category: recommend.CategoryRightsizing, Account: "444455556666", ResourceID: "i-2",
			Title: "Downsize i-2", Detail: "m5.xlarge to m5.large", SourceSavings: "9.5", SourceCurrency: string(o.ReportingCurrency)},
	}
	if _, err := f.st.ReplaceRecommendations(ctx, o.ID, c.ID, recommend.SourceTrustedAdvisor, recs, domain.Now()); err != nil {
		f.t.Fatal(err)
	}
	list, _ := f.st.ListRecommendations(ctx, o.ID, store.RecFilter{})
	out := map[string]string{}
	for _, r := range list {
		out[r.SourceKey] = r.ID
	}
	return out
}

// The owner sees the open recommendations with their total, filters by
// account, opens one, is told a reason is needed, dismisses it with one
// and marks the other done; the viewer sees them without actions.
func TestRecommendationsPagesFlow(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		ids := f.seedRecs("A")
		owner, viewer := f.client("owner-a@example.com"), f.client("viewer-a@example.com")
		code, body := f.do(owner, "GET", "/recommendations", nil)
		if code != 200 || !strings.Contains(body, `id="rec-open-total">50.00`) || !strings.Contains(body, "Low Utilization Amazon EC2 Instances (i-1)") {
			t.Fatalf("list: %d %s", code, body)
		}
		_, body = f.do(owner, "GET", "/recommendations?account=444455556666", nil)
		if strings.Contains(body, "(i-1)") || !strings.Contains(body, "Downsize i-2") {
			t.Fatalf("account filter: %s", body)
		}
		one := "/recommendations/" + ids["ta/i-1"]
		if _, body = f.do(viewer, "GET", one, nil); !strings.Contains(body, "Average CPU 2 %") || strings.Contains(body, `action="`+one+`/dismiss"`) {
			t.Fatalf("viewer detail: %s", body)
		}
		if code, _ = f.do(viewer, "POST", one+"/dismiss", url.Values{"reason": {"x"}}); code != http.StatusForbidden {
			t.Fatalf("viewer dismisses: %d", code)
		}
		code, body = f.do(owner, "POST", one+"/dismiss", url.Values{"reason": {" "}})
		if code != http.StatusBadRequest || !strings.Contains(body, "Say why the recommendation is dismissed.") {
			t.Fatalf("dismiss without a reason: %d", code)
		}
		if code, _ = f.do(owner, "POST", one+"/dismiss", url.Values{"reason": {"Needed at month end"}}); code != http.StatusSeeOther {
			t.Fatalf("dismiss: %d", code)
		}
		if _, body = f.do(owner, "GET", one, nil); !strings.Contains(body, "Needed at month end") || !strings.Contains(body, `action="`+one+`/reopen"`) {
			t.Fatalf("dismissed detail: %s", body)
		}
		two := "/recommendations/" + ids["ta/i-2"]
		if code, _ = f.do(owner, "POST", two+"/done", nil); code != http.StatusSeeOther {
			t.Fatalf("done: %d", code)
		}
		if _, body = f.do(owner, "GET", two, nil); !strings.Contains(body, "Not measurable yet") {
			t.Fatalf("done detail: %s", body)
		}
		if _, body = f.do(owner, "GET", "/recommendations", nil); !strings.Contains(body, `id="rec-open-count">0`) {
			t.Fatalf("after acting: %s", body)
		}
		if _, body = f.do(owner, "GET", "/recommendations?status=dismissed", nil); !strings.Contains(body, "(i-1)") || strings.Contains(body, "Downsize i-2") {
			t.Fatalf("dismissed filter: %s", body)
		}
		ownerB := f.client("owner-b@example.com")
		if code, _ = f.do(ownerB, "GET", one, nil); code != http.StatusNotFound {
			t.Fatalf("B reads A's recommendation: %d", code)
		}
		if code, body = f.do(owner, "GET", "/recommendations?status=snoozed", nil); code != 200 || !strings.Contains(body, `Unknown status &#34;snoozed&#34;`) {
			t.Fatalf("bad filter: %d %s", code, body)
		}
	})
}
