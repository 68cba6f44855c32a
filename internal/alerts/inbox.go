package alerts

import (
	"context"
	"slices"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Statuses an inbox filter accepts.
var Statuses = []string{store.AlertOpen, store.AlertAcknowledged, store.AlertMuted}

func alertOf(a store.Alert) Alert {
	return Alert{OrgID: a.OrgID, ID: a.ID, RuleID: a.RuleID, RuleName: a.RuleName, Kind: a.Kind, Day: a.Day.Format(time.DateOnly),
		SubjectDim: a.SubjectDim, Subject: a.Subject, SubjectLabel: a.SubjectLabel, Severity: a.Severity, Status: a.Status,
		Message: a.Message, Amount: a.Amount, Baseline: a.Baseline, Currency: a.Currency, ExploreURL: a.Link,
		AckedBy: a.AckedBy, AckedAt: a.AckedAt, CreatedAt: a.CreatedAt}
}

// InboxFilter narrows the inbox: statuses (default open and
// acknowledged), kind, rule and severity.
type InboxFilter struct {
	Statuses []string
	Kind     string
	RuleID   string
	Severity string
}

// Inbox lists the organisation's alerts, newest day first.
func (s *Service) Inbox(ctx context.Context, p *auth.Principal, f InboxFilter) ([]Alert, error) {
	if err := p.Require(auth.PermAlertsRead); err != nil {
		return nil, err
	}
	if len(f.Statuses) == 0 {
		f.Statuses = []string{store.AlertOpen, store.AlertAcknowledged}
	}
	for _, st := range f.Statuses {
		if !slices.Contains(Statuses, st) {
			return nil, domain.FieldError("status", "Unknown status %q (open, acknowledged or muted).", st)
		}
	}
	if f.Kind != "" && !slices.Contains(Kinds, f.Kind) {
		return nil, domain.FieldError("kind", "Unknown kind %q (spike, overage or reservation).", f.Kind)
	}
	list, err := s.Store.ListAlerts(ctx, p.Org.ID, store.AlertFilter{Statuses: f.Statuses, Kind: f.Kind, RuleID: f.RuleID,
		Severity: f.Severity})
	out := make([]Alert, len(list))
	for i, a := range list {
		out[i] = alertOf(a)
	}
	return out, err
}

// Get returns one alert.
func (s *Service) Get(ctx context.Context, p *auth.Principal, id string) (Alert, error) {
	if err := p.Require(auth.PermAlertsRead); err != nil {
		return Alert{}, err
	}
	a, err := s.Store.GetAlert(ctx, p.Org.ID, id)
	return alertOf(a), err
}

// Acknowledge records who acknowledged an alert and when.
func (s *Service) Acknowledge(ctx context.Context, p *auth.Principal, who audit.Actor, id string) (Alert, error) {
	if err := p.Require(auth.PermAlertsWrite); err != nil {
		return Alert{}, err
	}
	a, err := s.Store.GetAlert(ctx, p.Org.ID, id)
	if err != nil {
		return Alert{}, err
	}
	if a.Status == store.AlertAcknowledged {
		return alertOf(a), nil
	}
	if err := s.Store.AckAlert(ctx, p.Org.ID, id, who.Email, s.Now()); err != nil {
		return Alert{}, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "alert.acknowledge", TargetType: "alert",
		TargetID: id, Details: map[string]any{"rule": a.RuleName, "day": a.Day.Format(time.DateOnly)}})
	return s.Get(ctx, p, id)
}

func muteOf(m store.AlertMute) Mute {
	return Mute{ID: m.ID, RuleID: m.RuleID, SubjectDim: m.SubjectDim, Subject: m.Subject, Until: m.Until,
		CreatedBy: m.CreatedBy, CreatedAt: m.CreatedAt}
}

// Mutes lists the mutes in force.
func (s *Service) Mutes(ctx context.Context, p *auth.Principal) ([]Mute, error) {
	if err := p.Require(auth.PermAlertsRead); err != nil {
		return nil, err
	}
	list, err := s.Store.ActiveAlertMutes(ctx, p.Org.ID, s.Now())
	out := make([]Mute, len(list))
	for i, m := range list {
		out[i] = muteOf(m)
	}
	return out, err
}

// MaxMuteDays bounds a timed mute (a year); longer is "until unmuted".
const MaxMuteDays = 366

// CreateMute silences a rule or a subject for in.Days days (0: until
// unmuted); the open alerts it covers become muted.
func (s *Service) CreateMute(ctx context.Context, p *auth.Principal, who audit.Actor, in MuteInput) (Mute, error) {
	if err := p.Require(auth.PermAlertsWrite); err != nil {
		return Mute{}, err
	}
	in.Subject, in.SubjectDim = strings.TrimSpace(in.Subject), strings.TrimSpace(in.SubjectDim)
	switch {
	case in.RuleID == "" && in.SubjectDim == "":
		return Mute{}, domain.FieldError("rule_id", "Name the rule to mute, or a subject (subject_dim and subject).")
	case in.SubjectDim != "" && in.Subject == "":
		return Mute{}, domain.FieldError("subject", "Name the %s to mute.", in.SubjectDim)
	case in.Days < 0 || in.Days > MaxMuteDays:
		return Mute{}, domain.FieldError("days", "Mute for 1 to %d days, or 0 for until unmuted.", MaxMuteDays)
	}
	if in.RuleID != "" {
		if _, err := s.Store.GetAlertRule(ctx, p.Org.ID, in.RuleID); err != nil {
			return Mute{}, domain.FieldError("rule_id", "Alert rule %s does not exist in this organisation.", in.RuleID)
		}
	}
	m := store.AlertMute{OrgID: p.Org.ID, RuleID: in.RuleID, SubjectDim: in.SubjectDim, Subject: in.Subject, CreatedBy: who.Email}
	if in.Days > 0 {
		until := s.Now().AddDate(0, 0, in.Days)
		m.Until = &until
	}
	var n int64
	err := s.Store.InTx(ctx, func(tx *store.Tx) error {
		var err error
		if m, err = tx.CreateAlertMute(ctx, m); err != nil {
			return err
		}
		n, err = tx.MuteOpenAlerts(ctx, m)
		return err
	})
	if err != nil {
		return Mute{}, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "alert.mute", TargetType: "alert_mute", TargetID: m.ID,
		Details: map[string]any{"rule": m.RuleID, "subject": m.SubjectDim + "=" + m.Subject, "days": in.Days, "alerts_muted": n}})
	return muteOf(m), nil
}

// DeleteMute ends a mute (alerts it muted stay muted; new ones notify).
func (s *Service) DeleteMute(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermAlertsWrite); err != nil {
		return err
	}
	if err := s.Store.DeleteAlertMute(ctx, p.Org.ID, id); err != nil {
		return err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "alert.unmute", TargetType: "alert_mute", TargetID: id})
	return nil
}
