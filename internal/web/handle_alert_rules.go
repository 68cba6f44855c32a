package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

func (s *Server) alertRulesPage(r *http.Request) (AlertRulesPage, error) {
	ctx, p := r.Context(), principalFrom(r.Context())
	page := AlertRulesPage{Layout: s.layout(r, NavAlerts), CanWrite: p.Can(auth.PermAlertsWrite), Options: ruleOptions(),
		Form: alerts.Rule{Kind: alerts.KindSpike, Sensitivity: alerts.SensitivityMedium, Enabled: true}}
	page.Title = "Alert rules"
	var err error
	if page.Rules, err = s.alertsSvc().Rules(ctx, p); err != nil {
		return page, err
	}
	page.Schedule, err = s.alertsSvc().Schedule(ctx, p)
	return page, err
}

func ruleOptions() AlertRuleOptions {
	return AlertRuleOptions{Kinds: alerts.Kinds, Sensitivities: alerts.Sensitivities, ScopeDims: alerts.ScopeDims,
		Bases: []string{alerts.BasisActual, alerts.BasisForecast}}
}

func (s *Server) alertRules(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.alertRulesPage)
}

func (s *Server) alertRule(w http.ResponseWriter, r *http.Request) {
	page, err := s.alertRulesPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rule, err := s.alertsSvc().Rule(r.Context(), principalFrom(r.Context()), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.Form, page.Editing, page.Title = rule, true, "Alert rule "+rule.Name
	s.R.Render(w, http.StatusOK, page)
}

// ruleInput reads the rule form; the kind's own fields only.
func ruleInput(r *http.Request) (alerts.RuleInput, alerts.Rule) {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	enabled := r.PostFormValue("enabled") != ""
	recipients := strings.FieldsFunc(r.PostFormValue("recipients"), func(c rune) bool { return c == ',' || c == '\n' || c == ' ' || c == '\r' })
	in := alerts.RuleInput{Name: f("name"), Kind: f("kind"), Enabled: &enabled, Recipients: recipients}
	switch in.Kind {
	case alerts.KindSpike:
		in.ScopeDim, in.ScopeValue, in.SplitBy, in.Sensitivity, in.MinAmount = f("scope_dim"), f("scope_value"), f("split_by"), f("sensitivity"), f("min_amount")
	case alerts.KindOverage:
		in.BudgetID, in.Basis = f("budget_id"), f("basis")
	case alerts.KindReservation:
		in.Threshold, in.Reservation = f("threshold"), f("reservation")
	}
	back := alerts.Rule{Name: in.Name, Kind: in.Kind, Enabled: enabled, ScopeDim: f("scope_dim"), ScopeValue: f("scope_value"),
		SplitBy: f("split_by"), Sensitivity: f("sensitivity"), MinAmount: f("min_amount"), BudgetID: f("budget_id"),
		Basis: f("basis"), Threshold: f("threshold"), Reservation: f("reservation"), Recipients: recipients}
	return in, back
}

func (s *Server) createAlertRule(w http.ResponseWriter, r *http.Request) {
	s.saveAlertRule(w, r, "")
}

func (s *Server) updateAlertRule(w http.ResponseWriter, r *http.Request) {
	s.saveAlertRule(w, r, r.PathValue("id"))
}

// saveAlertRule creates (id "") or updates a rule; a refused form is
// shown again with its values and the field's error.
func (s *Server) saveAlertRule(w http.ResponseWriter, r *http.Request, id string) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in, back := ruleInput(r)
	ctx, p, svc := r.Context(), principalFrom(r.Context()), s.alertsSvc()
	var err error
	if id == "" {
		_, err = svc.CreateRule(ctx, p, actor(r), in)
	} else {
		_, err = svc.UpdateRule(ctx, p, actor(r), id, in)
	}
	if err == nil {
		s.flash(r, FlashSuccess, "Alert rule "+in.Name+" saved.")
		redirect(w, r, "/alerts/rules")
		return
	}
	page, perr := s.alertRulesPage(r)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal || domain.ErrorCode(err) == domain.CodeNotFound {
		s.fail(w, r, err)
		return
	}
	back.ID = id
	page.Form, page.Editing = back, id != ""
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) deleteAlertRule(w http.ResponseWriter, r *http.Request) {
	if err := s.alertsSvc().DeleteRule(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Alert rule removed; its alerts stay in the inbox.")
	redirect(w, r, "/alerts/rules")
}

func (s *Server) evaluateAlerts(w http.ResponseWriter, r *http.Request) {
	ev, err := s.alertsSvc().EvaluateNow(r.Context(), principalFrom(r.Context()), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Evaluated "+strconv.Itoa(ev.Rules)+" rules: "+strconv.Itoa(ev.Created)+" new alerts, "+
		strconv.Itoa(ev.Muted)+" muted.")
	redirect(w, r, "/alerts")
}

func (s *Server) setAlertSchedule(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	var hour *int
	if v := strings.TrimSpace(r.PostFormValue("hour")); v != "" {
		h, err := strconv.Atoi(v)
		if err != nil {
			s.fail(w, r, domain.FieldError("hour", "The hour is 0 to 23 (UTC)."))
			return
		}
		hour = &h
	}
	sc, err := s.alertsSvc().SetHour(r.Context(), principalFrom(r.Context()), actor(r), hour)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Alerts are evaluated daily at "+strconv.Itoa(sc.Hour)+":00 UTC.")
	redirect(w, r, "/alerts/rules")
}
