package web

import (
	"time"

	"github.com/canopyhq/canopy/internal/alerts"
)

func alertSamplePages() []pageCase {
	l := sampleLayout(NavAlerts)
	l.Can["alerts.read"], l.Can["alerts.write"] = true, true
	acked := time.Date(2026, 11, 25, 8, 30, 0, 0, time.UTC)
	until := acked.AddDate(0, 0, 7)
	inbox := AlertInboxPage{Layout: l, CanWrite: true, Status: "open", RuleID: "alr_2",
		Rules: []alerts.Rule{{ID: "alr_1", Name: "Daily spikes"}, {ID: "alr_2", Name: "Idle reservations"}}, Alerts: []alerts.Alert{
			{ID: "alt_1", RuleID: "alr_1", RuleName: "Daily spikes", Kind: alerts.KindSpike, Day: "2026-11-24", SubjectDim: "service",
				Subject: "Virtual Machines", SubjectLabel: "Virtual Machines", Severity: alerts.SeverityCritical, Status: "open",
				Message:    "Tuesday 24 Nov: 412.10 EUR on Virtual Machines, 3.1× the 14-day average of 131.20 EUR",
				ExploreURL: "/spend?filter=service%3AVirtual+Machines&from=2026-11-10&to=2026-11-24"},
			{ID: "alt_2", RuleID: "alr_2", RuleName: "Idle reservations", Kind: alerts.KindReservation, Day: "2026-11-23", Severity: "warning",
				Status: "acknowledged", Message: "Reservation VM_RI_batch was used 40.2 %", AckedBy: "ada@example.com", AckedAt: &acked}},
		Mutes: []alerts.Mute{{ID: "mut_1", SubjectDim: "service", Subject: "Storage", Until: &until, CreatedBy: "ada@example.com"}}}
	rules := AlertRulesPage{Layout: l, CanWrite: true, Options: ruleOptions(), Schedule: alerts.Schedule{Hour: 23, Default: true},
		Rules: []alerts.Rule{{ID: "alr_1", Name: "Daily spikes", Kind: alerts.KindSpike, SplitBy: "service", Sensitivity: "medium", MinAmount: "50", Enabled: true}},
		Form:  alerts.Rule{Kind: alerts.KindSpike}, FormErrors: FormErrors{FieldErrors: FieldErrors{"min_amount": "min_amount must be a number of 0 or more, like 50 or 12.5."}}}
	return []pageCase{
		{inbox, []string{`3.1× the 14-day average of 131.20 EUR`, `href="/spend?filter=service%3AVirtual&#43;Machines&amp;from=2026-11-10&amp;to=2026-11-24"`,
			`action="/alerts/ack/alt_1"`, `name="subject" value="Virtual Machines"`, `acknowledged by ada@example.com on 2026-11-25 08:30 UTC`,
			`action="/alerts/mutes/mut_1/delete"`, `value="open" selected`, `action="/alerts/evaluate"`, `<option value="alr_2" selected>Idle reservations</option>`}},
		{rules, []string{`href="/alerts/rules/alr_1"`, `each service; sensitivity medium; rises of at least 50`, `daily at 23:00 UTC (the installation`,
			`action="/alerts/rules"`, `min_amount must be a number`, `aria-invalid="true"`}},
	}
}
