package api

import (
	"net/http"
	"net/url"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/notify"
)

// WithBudgets serves /budgets and /webhooks.
func (a *API) WithBudgets(b *budgets.Service, n *notify.Service) *API {
	a.budgets, a.notify = b, n
	return a
}

// budgetRoutes are the /budgets and /webhooks endpoints.
func (a *API) budgetRoutes() []route {
	return []route{
		heavy(signedIn("GET", "/budgets", auth.PermBudgetsRead, a.listBudgets)),
		signedIn("POST", "/budgets", auth.PermBudgetsWrite, a.createBudget),
		signedIn("GET", "/budgets/{budget_id}", auth.PermBudgetsRead, a.getBudget),
		signedIn("PUT", "/budgets/{budget_id}", auth.PermBudgetsWrite, a.updateBudget),
		signedIn("DELETE", "/budgets/{budget_id}", auth.PermBudgetsWrite, a.deleteBudget),
		signedIn("GET", "/budgets/{budget_id}/history", auth.PermBudgetsRead, a.budgetHistory),
		signedIn("GET", "/budgets/{budget_id}/events", auth.PermBudgetsRead, a.budgetEvents),
		signedIn("POST", "/budgets/{budget_id}/evaluate", auth.PermBudgetsWrite, a.evaluateBudget),
		signedIn("GET", "/budgets/{budget_id}/change-requests", auth.PermBudgetsRead, a.listChangeRequests),
		// Group owners without budgets.write may ask too; the service decides.
		signedIn("POST", "/budgets/{budget_id}/change-requests", auth.PermBudgetsRead, a.createChangeRequest),
		signedIn("POST", "/budgets/{budget_id}/change-requests/{request_id}/approve", auth.PermBudgetsApprove, a.decideChangeRequest(true)),
		signedIn("POST", "/budgets/{budget_id}/change-requests/{request_id}/reject", auth.PermBudgetsApprove, a.decideChangeRequest(false)),
		signedIn("GET", "/webhooks", auth.PermSettingsManage, a.listWebhooks),
		signedIn("POST", "/webhooks", auth.PermSettingsManage, a.createWebhook),
		signedIn("GET", "/webhooks/{webhook_id}", auth.PermSettingsManage, a.getWebhook),
		signedIn("PATCH", "/webhooks/{webhook_id}", auth.PermSettingsManage, a.updateWebhook),
		signedIn("DELETE", "/webhooks/{webhook_id}", auth.PermSettingsManage, a.deleteWebhook),
		signedIn("GET", "/webhooks/{webhook_id}/deliveries", auth.PermSettingsManage, a.webhookDeliveries),
		signedIn("POST", "/webhooks/{webhook_id}/test", auth.PermSettingsManage, a.testWebhook),
	}
}

func same[T any](v T) T { return v }

func (a *API) listBudgets(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.budgets.List(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[budgets.Status], ""))
}

func (a *API) createBudget(w http.ResponseWriter, r *http.Request, c *call) error {
	var in budgets.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	b, err := a.budgets.Create(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/budgets/"+url.PathEscape(b.ID))
	return writeJSON(w, http.StatusCreated, b)
}

func (a *API) getBudget(w http.ResponseWriter, r *http.Request, c *call) error {
	st, err := a.budgets.Get(r.Context(), c.P, r.PathValue("budget_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, st)
}

func (a *API) updateBudget(w http.ResponseWriter, r *http.Request, c *call) error {
	var in budgets.Input
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	b, err := a.budgets.Update(r.Context(), c.P, c.Who, r.PathValue("budget_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, b)
}

func (a *API) deleteBudget(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.budgets.Delete(r.Context(), c.P, c.Who, r.PathValue("budget_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) budgetHistory(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.budgets.History(r.Context(), c.P, r.PathValue("budget_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[budgets.Change], ""))
}

func (a *API) budgetEvents(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.budgets.Events(r.Context(), c.P, r.PathValue("budget_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[budgets.Event], ""))
}

// evaluatedView is what POST /budgets/{id}/evaluate answers.
type evaluatedView struct {
	Fired int `json:"fired"`
}

func (a *API) evaluateBudget(w http.ResponseWriter, r *http.Request, c *call) error {
	n, err := a.budgets.EvaluateNow(r.Context(), c.P, c.Who, r.PathValue("budget_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, evaluatedView{Fired: n})
}

func (a *API) listChangeRequests(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.budgets.Requests(r.Context(), c.P, r.PathValue("budget_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[budgets.ChangeRequest], ""))
}

func (a *API) createChangeRequest(w http.ResponseWriter, r *http.Request, c *call) error {
	if _, err := a.budgets.Requester(r.Context(), c.P, r.PathValue("budget_id")); err != nil {
		return err
	}
	var in budgets.RequestInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	cr, err := a.budgets.RequestChange(r.Context(), c.P, c.Who, r.PathValue("budget_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusCreated, cr)
}

func (a *API) decideChangeRequest(approve bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		var d budgets.Decision
		if r.ContentLength != 0 {
			if err := decodeJSON(w, r, &d); err != nil {
				return err
			}
		}
		cr, err := a.budgets.Decide(r.Context(), c.P, c.Who, r.PathValue("budget_id"), r.PathValue("request_id"), approve, d)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, cr)
	}
}

func (a *API) listWebhooks(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.notify.Webhooks(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[notify.Webhook], ""))
}

// webhookCreatedView shows the signing secret once.
type webhookCreatedView struct {
	notify.Webhook
	Secret string `json:"secret"`
}

func (a *API) createWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	var in notify.WebhookInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	hook, secret, err := a.notify.CreateWebhook(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/webhooks/"+url.PathEscape(hook.ID))
	return writeJSON(w, http.StatusCreated, webhookCreatedView{Webhook: hook, Secret: secret})
}

func (a *API) getWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	hook, err := a.notify.Webhook(r.Context(), c.P, r.PathValue("webhook_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, hook)
}

func (a *API) updateWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	var in notify.WebhookInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	hook, err := a.notify.UpdateWebhook(r.Context(), c.P, c.Who, r.PathValue("webhook_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, hook)
}

func (a *API) deleteWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.notify.DeleteWebhook(r.Context(), c.P, c.Who, r.PathValue("webhook_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) webhookDeliveries(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.notify.Deliveries(r.Context(), c.P, r.PathValue("webhook_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[notify.Delivery], ""))
}

// testSentView is what POST /webhooks/{id}/test answers.
type testSentView struct {
	EventID string `json:"event_id"`
}

func (a *API) testWebhook(w http.ResponseWriter, r *http.Request, c *call) error {
	id, err := a.notify.SendTest(r.Context(), c.P, c.Who, r.PathValue("webhook_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusAccepted, testSentView{EventID: id})
}
