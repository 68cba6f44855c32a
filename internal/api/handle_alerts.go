package api

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/auth"
)

// WithAlerts serves /alerts, /alert-rules and /alert-schedule.
func (a *API) WithAlerts(s *alerts.Service) *API {
	a.alerts = s
	return a
}

// alertRoutes are the consumption-alert endpoints.
func (a *API) alertRoutes() []route {
	return []route{
		signedIn("GET", "/alerts", auth.PermAlertsRead, a.listAlerts),
		signedIn("GET", "/alerts/{alert_id}", auth.PermAlertsRead, a.getAlert),
		signedIn("POST", "/alerts/{alert_id}/ack", auth.PermAlertsWrite, a.ackAlert),
		signedIn("GET", "/alerts/mutes", auth.PermAlertsRead, a.listMutes),
		signedIn("POST", "/alerts/mutes", auth.PermAlertsWrite, a.createMute),
		signedIn("DELETE", "/alerts/mutes/{mute_id}", auth.PermAlertsWrite, a.deleteMute),
		signedIn("GET", "/alert-rules", auth.PermAlertsRead, a.listAlertRules),
		signedIn("POST", "/alert-rules", auth.PermAlertsWrite, a.createAlertRule),
		signedIn("POST", "/alert-rules/evaluate", auth.PermAlertsWrite, a.evaluateAlerts),
		signedIn("GET", "/alert-rules/{rule_id}", auth.PermAlertsRead, a.getAlertRule),
		signedIn("PATCH", "/alert-rules/{rule_id}", auth.PermAlertsWrite, a.updateAlertRule),
		signedIn("DELETE", "/alert-rules/{rule_id}", auth.PermAlertsWrite, a.deleteAlertRule),
		signedIn("GET", "/alert-schedule", auth.PermAlertsRead, a.getAlertSchedule),
		signedIn("PUT", "/alert-schedule", auth.PermAlertsWrite, a.setAlertSchedule),
	}
}

func (a *API) listAlerts(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	var statuses []string
	for _, s := range q["status"] {
		for part := range strings.SplitSeq(s, ",") {
			if part = strings.TrimSpace(part); part != "" {
				statuses = append(statuses, part)
			}
		}
	}
	list, err := a.alerts.Inbox(r.Context(), c.P, alerts.InboxFilter{Statuses: statuses, Kind: q.Get("kind"),
		RuleID: q.Get("rule_id"), Severity: q.Get("severity")})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, func(x alerts.Alert) alerts.Alert { return x }, ""))
}

func (a *API) getAlert(w http.ResponseWriter, r *http.Request, c *call) error {
	x, err := a.alerts.Get(r.Context(), c.P, r.PathValue("alert_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, x)
}

func (a *API) ackAlert(w http.ResponseWriter, r *http.Request, c *call) error {
	x, err := a.alerts.Acknowledge(r.Context(), c.P, c.Who, r.PathValue("alert_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, x)
}

func (a *API) listMutes(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.alerts.Mutes(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, func(x alerts.Mute) alerts.Mute { return x }, ""))
}

func (a *API) createMute(w http.ResponseWriter, r *http.Request, c *call) error {
	var in alerts.MuteInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	m, err := a.alerts.CreateMute(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, m)
}

func (a *API) deleteMute(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.alerts.DeleteMute(r.Context(), c.P, c.Who, r.PathValue("mute_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listAlertRules(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.alerts.Rules(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, func(x alerts.Rule) alerts.Rule { return x }, ""))
}

func (a *API) createAlertRule(w http.ResponseWriter, r *http.Request, c *call) error {
	var in alerts.RuleInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	x, err := a.alerts.CreateRule(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/alert-rules/"+url.PathEscape(x.ID))
	return writeJSON(w, http.StatusCreated, x)
}

func (a *API) getAlertRule(w http.ResponseWriter, r *http.Request, c *call) error {
	x, err := a.alerts.Rule(r.Context(), c.P, r.PathValue("rule_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, x)
}

func (a *API) updateAlertRule(w http.ResponseWriter, r *http.Request, c *call) error {
	var in alerts.RuleInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	x, err := a.alerts.UpdateRule(r.Context(), c.P, c.Who, r.PathValue("rule_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, x)
}

func (a *API) deleteAlertRule(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.alerts.DeleteRule(r.Context(), c.P, c.Who, r.PathValue("rule_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) evaluateAlerts(w http.ResponseWriter, r *http.Request, c *call) error {
	ev, err := a.alerts.EvaluateNow(r.Context(), c.P, c.Who)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, ev)
}

func (a *API) getAlertSchedule(w http.ResponseWriter, r *http.Request, c *call) error {
	sc, err := a.alerts.Schedule(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sc)
}

// scheduleBody is PUT /alert-schedule: hour null returns to the default.
type scheduleBody struct {
	Hour *int `json:"hour"`
}

func (a *API) setAlertSchedule(w http.ResponseWriter, r *http.Request, c *call) error {
	var in scheduleBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	sc, err := a.alerts.SetHour(r.Context(), c.P, c.Who, in.Hour)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, sc)
}
