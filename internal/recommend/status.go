package recommend

import (
	"context"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// maxReason bounds a dismissal reason.
const maxReason = 1000

// Dismiss closes an open recommendation for a reason (required).
func (s *Service) Dismiss(ctx context.Context, p *auth.Principal, who audit.Actor, id, reason string) (Recommendation, error) {
	reason = strings.TrimSpace(reason)
	if err := p.Require(auth.PermRecommendationsAct); err != nil {
		return Recommendation{}, err
	}
	if _, err := s.Store.GetRecommendation(ctx, p.Org.ID, id); err != nil { // another org's is not found, not invalid
		return Recommendation{}, err
	}
	if reason == "" {
		return Recommendation{}, domain.FieldError("reason", "Say why the recommendation is dismissed.")
	}
	if utf8.RuneCountInString(reason) > maxReason {
		return Recommendation{}, domain.FieldError("reason", "The reason is longer than %d characters.", maxReason)
	}
	return s.change(ctx, p, who, id, []string{StatusOpen}, StatusDismissed, reason, "recommendation.dismiss")
}

// Done marks a recommendation carried out: from then on its realised
// saving is measured. An open one, or one its source resolved, can be.
func (s *Service) Done(ctx context.Context, p *auth.Principal, who audit.Actor, id string) (Recommendation, error) {
	if err := p.Require(auth.PermRecommendationsAct); err != nil {
		return Recommendation{}, err
	}
	return s.change(ctx, p, who, id, []string{StatusOpen, StatusResolved}, StatusDone, "", "recommendation.done")
}

// Reopen makes a dismissed or done recommendation open again (resolved,
// when its source no longer lists it).
func (s *Service) Reopen(ctx context.Context, p *auth.Principal, who audit.Actor, id string) (Recommendation, error) {
	if err := p.Require(auth.PermRecommendationsAct); err != nil {
		return Recommendation{}, err
	}
	return s.change(ctx, p, who, id, []string{StatusDismissed, StatusDone}, StatusOpen, "", "recommendation.reopen")
}

func (s *Service) change(ctx context.Context, p *auth.Principal, who audit.Actor, id string, from []string, to, reason, action string) (Recommendation, error) {
	r, err := s.Store.GetRecommendation(ctx, p.Org.ID, id)
	if err != nil {
		return Recommendation{}, err
	}
	if !slices.Contains(from, r.Status) {
		return Recommendation{}, domain.Errorf(domain.CodeConflict, "a %s recommendation cannot become %s", StatusLabels[r.Status], StatusLabels[to])
	}
	st := store.RecStatus{Status: to, Reason: reason, By: actorName(p), At: s.now()}
	if to == StatusDone {
		st.DoneAt = &st.At
	}
	if to == StatusOpen && r.GoneAt != nil {
		st.Status, st.Reason = StatusResolved, "No longer listed by the source."
	}
	if err := s.Store.SetRecommendationStatus(ctx, p.Org.ID, id, r.Status, st); err != nil {
		return Recommendation{}, err
	}
	record(ctx, s.Store, who, p.Org.ID, id, action, map[string]any{"from": r.Status, "to": st.Status, "reason": reason, "title": r.Title})
	return s.Get(ctx, p, id)
}

func actorName(p *auth.Principal) string {
	if p.User.Email != "" {
		return p.User.Email
	}
	return p.User.ID
}
