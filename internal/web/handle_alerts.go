package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
)

// alertsSvc is the configured alerts service or one over the store.
func (s *Server) alertsSvc() *alerts.Service {
	if s.Alerts != nil {
		return s.Alerts
	}
	return alerts.New(s.Auth.Store, spend.New(s.Auth.Store), alerts.DefaultHour)
}

func (s *Server) alertRoutes() []Route {
	perm := func(p string, pm auth.Permission, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: pm, handler: h}
	}
	read, write := auth.PermAlertsRead, auth.PermAlertsWrite
	return []Route{
		perm("GET /alerts", read, s.alertInbox),
		perm("POST /alerts/ack/{id}", write, s.ackAlert),
		perm("POST /alerts/mutes", write, s.muteAlerts),
		perm("POST /alerts/mutes/{id}/delete", write, s.unmuteAlerts),
		perm("GET /alerts/rules", read, s.alertRules),
		perm("POST /alerts/rules", write, s.createAlertRule),
		perm("GET /alerts/rules/{id}", read, s.alertRule),
		perm("POST /alerts/rules/{id}", write, s.updateAlertRule),
		perm("POST /alerts/rules/{id}/delete", write, s.deleteAlertRule),
		perm("POST /alerts/evaluate", write, s.evaluateAlerts),
		perm("POST /alerts/schedule", write, s.setAlertSchedule),
	}
}

func (s *Server) alertInboxPage(r *http.Request) (AlertInboxPage, error) {
	ctx, p, q := r.Context(), principalFrom(r.Context()), r.URL.Query()
	page := AlertInboxPage{Layout: s.layout(r, NavAlerts), CanWrite: p.Can(auth.PermAlertsWrite),
		Status: q.Get("status"), Kind: q.Get("kind"), Severity: q.Get("severity"), RuleID: q.Get("rule_id")}
	page.Title = "Alerts"
	f := alerts.InboxFilter{Kind: page.Kind, Severity: page.Severity, RuleID: page.RuleID}
	if page.Status != "" {
		f.Statuses = []string{page.Status}
	}
	var err error
	if page.Rules, err = s.alertsSvc().Rules(ctx, p); err != nil {
		return page, err
	}
	if page.Alerts, err = s.alertsSvc().Inbox(ctx, p, f); err != nil {
		return page, err
	}
	page.Mutes, err = s.alertsSvc().Mutes(ctx, p)
	return page, err
}

func (s *Server) alertInbox(w http.ResponseWriter, r *http.Request) {
	page, err := s.alertInboxPage(r)
	if domain.ErrorCode(err) == domain.CodeInvalid {
		page.Error = domain.ErrorMessage(err) // the filters have no field to show it beside
		s.R.Render(w, http.StatusBadRequest, page)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) ackAlert(w http.ResponseWriter, r *http.Request) {
	a, err := s.alertsSvc().Acknowledge(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Alert of "+a.Day+" acknowledged.")
	redirect(w, r, "/alerts")
}

func (s *Server) muteAlerts(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	days, err := strconv.Atoi(strings.TrimSpace(r.PostFormValue("days")))
	if err != nil {
		s.fail(w, r, domain.FieldError("days", "Choose how many days to mute for."))
		return
	}
	in := alerts.MuteInput{RuleID: r.PostFormValue("rule_id"), SubjectDim: r.PostFormValue("subject_dim"),
		Subject: r.PostFormValue("subject"), Days: days}
	if _, err := s.alertsSvc().CreateMute(r.Context(), principalFrom(r.Context()), actor(r), in); err != nil {
		s.fail(w, r, err)
		return
	}
	what := "the rule"
	if in.SubjectDim != "" {
		what = in.Subject
	}
	until := "until unmuted"
	if days > 0 {
		until = "for " + strconv.Itoa(days) + " days"
	}
	s.flash(r, FlashSuccess, "Alerts about "+what+" muted "+until+".")
	redirect(w, r, "/alerts")
}

func (s *Server) unmuteAlerts(w http.ResponseWriter, r *http.Request) {
	if err := s.alertsSvc().DeleteMute(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Unmuted: new alerts will be notified again.")
	redirect(w, r, "/alerts")
}
