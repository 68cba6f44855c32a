package alerts

import (
	"context"
	"fmt"
	"net/url"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// EvaluateNow runs the organisation's rules for today at once (the
// "Evaluate now" button); what the daily run would find is stored once.
func (s *Service) EvaluateNow(ctx context.Context, p *auth.Principal, who audit.Actor) (Evaluation, error) {
	if err := p.Require(auth.PermAlertsWrite); err != nil {
		return Evaluation{}, err
	}
	ev, err := s.Evaluate(ctx, p.Org.ID)
	if err == nil {
		audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "alerts.evaluate", TargetType: "org",
			TargetID: p.Org.ID, Details: map[string]any{"day": ev.Day, "created": ev.Created, "muted": ev.Muted}})
	}
	return ev, err
}

// Evaluate runs every enabled rule of the organisation as of today (the
// service's clock) and stores what they find. Running it again, or on
// two workers at once, stores nothing twice: an alert's rule, day and
// subject are unique.
func (s *Service) Evaluate(ctx context.Context, orgID string) (Evaluation, error) {
	today := s.today()
	ev := Evaluation{Day: today.Format(time.DateOnly)}
	rules, err := s.Store.ListAlertRules(ctx, orgID)
	if err != nil {
		return ev, err
	}
	sys, err := s.system(ctx, orgID)
	if err != nil {
		return ev, err
	}
	var found []store.Alert
	recipients := map[string][]string{}
	for _, r := range rules {
		recipients[r.ID] = r.Recipients
		if !r.Enabled {
			continue
		}
		ev.Rules++
		list, err := s.evaluateRule(ctx, sys, r, today)
		if err != nil {
			return ev, fmt.Errorf("alert rule %s: %w", r.Name, err)
		}
		found = append(found, list...)
	}
	return ev, s.store(ctx, orgID, found, recipients, &ev)
}

func (s *Service) evaluateRule(ctx context.Context, sys *auth.Principal, r store.AlertRule, today time.Time) ([]store.Alert, error) {
	switch r.Kind {
	case KindSpike:
		return s.evaluateSpike(ctx, sys, r, today)
	case KindOverage:
		return s.evaluateOverage(ctx, r)
	case KindReservation:
		return s.evaluateReservations(ctx, r, today)
	}
	return nil, nil
}

// store inserts the findings, muted ones as muted, and notifies each new
// unmuted alert in the transaction that stores it.
func (s *Service) store(ctx context.Context, orgID string, found []store.Alert, recipients map[string][]string, ev *Evaluation) error {
	if len(found) == 0 {
		return nil
	}
	mutes, err := s.Store.ActiveAlertMutes(ctx, orgID, s.Now())
	if err != nil {
		return err
	}
	now := s.Now()
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		for _, a := range found {
			a.OrgID, a.ID, a.CreatedAt, a.Status = orgID, domain.NewID("alt_"), now, store.AlertOpen
			if mutedBy(mutes, a) {
				a.Status = store.AlertMuted
			}
			added, err := tx.InsertAlert(ctx, a)
			if err != nil || !added {
				if err != nil {
					return err
				}
				continue
			}
			if a.Status == store.AlertMuted {
				ev.Muted++
				continue
			}
			ev.Created++
			if s.Notify != nil {
				if err := s.Notify.AlertCreated(ctx, tx, alertOf(a), recipients[a.RuleID]); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// mutedBy reports whether a mute covers the alert: its rule (or any
// rule) and its subject (or any subject).
func mutedBy(mutes []store.AlertMute, a store.Alert) bool {
	for _, m := range mutes {
		if m.RuleID != "" && m.RuleID != a.RuleID {
			continue
		}
		if m.SubjectDim != "" && (m.SubjectDim != a.SubjectDim || m.Subject != a.Subject) {
			continue
		}
		return true
	}
	return false
}

// exploreURL is the spend explorer's address for days [from, to) with
// filters ("dim:value"), by day.
func exploreURL(from, to time.Time, groupBy string, filters ...string) string {
	q := url.Values{"from": {from.Format(time.DateOnly)}, "to": {to.AddDate(0, 0, -1).Format(time.DateOnly)},
		"granularity": {"day"}}
	if groupBy != "" {
		q.Set("group_by", groupBy)
	}
	for _, f := range filters {
		q.Add("filter", f)
	}
	return "/spend?" + q.Encode()
}
