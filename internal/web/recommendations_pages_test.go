package web

import (
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/recommend"
)

func recommendationSamplePages() []pageCase {
	l := sampleLayout(NavRecommendations)
	l.Can["recommendations.read"], l.Can["recommendations.act"] = true, true
	monthly, before, after := domain.Amount{Units: 72}, domain.Amount{Units: 3, Nanos: 5_000_000_000}, domain.Amount{Units: 1}
	done := t0
	open := recommend.Recommendation{ID: "rec_idle", Source: recommend.SourceTrustedAdvisor, Category: recommend.CategoryIdle,
		Account: "111122223333", ResourceID: "i-0abc", Region: "us-east-1", Title: "Low Utilization Amazon EC2 Instances", Detail: "CPU below 10 % on 4 of 14 days",
		Status: recommend.StatusOpen, FirstSeen: t1, LastSeen: t0, Connection: "AWS payer",
		Estimate: recommend.Estimate{Monthly: &monthly, Currency: "EUR", Basis: "AWS Trusted Advisor's estimate: 78.26 USD a month (as of 2026-03-14), converted to EUR at 0.92"}}
	dismissed := open
	dismissed.ID, dismissed.Status, dismissed.StatusReason, dismissed.StatusBy, dismissed.StatusAt = "rec_dis", recommend.StatusDismissed, "Batch server, busy at month end", "ada@example.com", &t0
	doneRec := open
	doneRec.ID, doneRec.Status, doneRec.DoneAt = "rec_done", recommend.StatusDone, &done
	doneRec.Realised = &recommend.Realised{Measurable: true, Monthly: &monthly, BeforeDaily: &before, AfterDaily: &after, Currency: "EUR",
		BeforeFrom: t0.AddDate(0, 0, -30).Truncate(24 * time.Hour), BeforeTo: t0.Truncate(24 * time.Hour),
		AfterFrom: t0.AddDate(0, 0, 1).Truncate(24 * time.Hour), AfterTo: t0.AddDate(0, 0, 31).Truncate(24 * time.Hour),
		Basis: "Effective cost of resource i-0abc"}
	licence := recommend.Recommendation{ID: "rec_lic", Source: recommend.SourceM365, Category: recommend.CategoryUnassigned, Account: "tenant-1",
		Title: "3 unassigned SPE_E3 licences", Status: recommend.StatusOpen, FirstSeen: t1, LastSeen: t0,
		Licences: []recommend.Seats{{SkuPartNumber: "SPE_E3", Seats: 3}},
		Estimate: recommend.Estimate{Currency: "EUR", Error: "no price for SPE_E3: map it with a price in Allocation > Licence prices"}}
	list := RecsPage{Layout: l, Filter: RecFilterForm{Status: "open", Source: recommend.SourceTrustedAdvisor}}
	list.fill(recommend.List{Items: []recommend.Recommendation{open, licence, doneRec},
		Totals:  recommend.Totals{Open: 2, OpenMonthly: monthly, Currency: "EUR", OpenNotEstimate: 1, DoneRealised: monthly},
		Notices: []string{"Contoso 365: Licences of inactive users skipped: the tenant's usage reports conceal user names"},
		Facets:  recommend.Facets{Sources: []string{recommend.SourceTrustedAdvisor, recommend.SourceM365}, Categories: []string{recommend.CategoryIdle}, Accounts: []string{"111122223333"}}})
	openPage := RecPage{Layout: l, CanAct: true, Rec: recView(open), Reason: "too risky",
		FormErrors: FormErrors{FieldErrors: FieldErrors{"reason": "Say why the recommendation is dismissed."}}}
	return []pageCase{
		{list, []string{`id="rec-open-total">72.00 EUR`, `href="/recommendations/rec_idle"`, `72.00 EUR`, `No estimate`,
			`<option value="aws-trusted-advisor" selected>AWS Trusted Advisor</option>`, `<option value="open" selected>Open</option>`,
			`conceal user names`, `saved 72.00 EUR/month`, `<option value="111122223333">`}},
		{openPage, []string{`action="/recommendations/rec_idle/dismiss"`, `action="/recommendations/rec_idle/done"`, `CPU below 10 %`,
			`Basis:</strong> AWS Trusted Advisor&#39;s estimate`, `Say why the recommendation is dismissed.`, `>too risky</textarea>`, `aria-invalid="true"`}},
		{RecPage{Layout: l, CanAct: true, Rec: recView(dismissed)}, []string{`Batch server, busy at month end`, `action="/recommendations/rec_dis/reopen"`, `by ada@example.com`}},
		{RecPage{Layout: l, Rec: recView(doneRec)}, []string{`id="rec-realised">72.00 EUR a month`, `3.50 EUR`, `2026-02-12 to 2026-03-13`, `2026-03-15 to 2026-04-13`}},
		{RecPage{Layout: l, Rec: recView(licence)}, []string{`3 × <code>SPE_E3</code>`, `No estimate: no price for SPE_E3`}},
	}
}
