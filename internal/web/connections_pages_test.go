package web

import "github.com/canopyhq/canopy/internal/connect"

func connectionSamplePages() []pageCase {
	l := sampleLayout(NavConnections)
	l.Can["connections.manage"] = true
	row := ConnectionRow{ID: "con_a", Kind: "aws", KindLabel: "Amazon Web Services", Name: "Prod AWS", Status: "partial",
		StatusLabel: "Synced with warnings", Badge: "warn", LastSync: "14 Mar 2026 03:01 UTC", NextSync: "15 Mar 2026 03:00 UTC",
		SyncedThrough: "2026-03-14", Enabled: true, HasSecret: true}
	form := ConnectionForm{Kind: "aws", Name: "Prod AWS", Settings: `{"account_id":"123456789012"}`, SyncHour: 3, Enabled: true}
	return []pageCase{
		{ConnectionsPage{Layout: l, CanManage: true, Rows: []ConnectionRow{row}, Kinds: kindOptions(), Hours: hourOptions(),
			Form: ConnectionForm{SyncHour: 3, Enabled: true, Settings: "{}"}},
			[]string{`href="/connections/con_a"`, `Synced with warnings`, `action="/connections"`, `name="kind"`, `name="secret" type="password" value=""`,
				`<option value="3" selected>03:00 UTC</option>`, `href="/connections" aria-current="page"`}},
		{ConnectionsPage{Layout: sampleLayout(NavConnections)},
			[]string{`No connections yet.`}},
		{ConnectionPage{Layout: l, CanManage: true, Conn: row, Form: form, Hours: hourOptions(),
			Progress: &SyncProgress{ConnID: "con_a", ID: "syn_1", State: "running", Phase: "Costs of 2026-03-12", Done: 2, Total: 6, Percent: 33},
			History: []SyncRow{{ID: "syn_0", Trigger: "scheduled", State: "partial", Badge: "warn", Started: "14 Mar 2026 03:00 UTC",
				Duration: "2.5s", Window: "2026-03-10 to 2026-03-14", Rows: 240, Warnings: []string{"Trusted Advisor needs a Business support plan"}}},
			NextCursor: "syn_0", CheckedAt: "14 Mar 2026 09:00 UTC",
			Checks: []CheckRow{{Feature: "Costs", Needs: "ce:GetCostAndUsage", Granted: true}, {Feature: "Recommendations", Needs: "support:*", Fix: "aws-support-plan"}}},
			[]string{`hx-get="/connections/con_a/progress"`, `Syncing: Costs of 2026-03-12`, `action="/connections/con_a/sync"`, `data-sync="syn_0"`,
				`Trusted Advisor needs a Business support plan`, `href="/help/aws-support-plan"`, `action="/connections/con_a/doctor"`,
				`action="/connections/con_a"`, `leave empty to keep`, `action="/connections/con_a/delete"`, `href="/connections/con_a?cursor=syn_0#history"`}},
		{HelpPageView{Layout: l, Help: connect.HelpPage{Slug: "aws-support-plan", Title: "Upgrade the AWS support plan",
			Steps: []string{"Open the AWS Support Center."}, Code: []connect.HelpCode{{Label: "IAM policy", Language: "json", Text: `{"Version":"2012-10-17"}`}}}},
			[]string{`Upgrade the AWS support plan`, `Open the AWS Support Center.`, `IAM policy`, `&#34;Version&#34;`}},
	}
}
