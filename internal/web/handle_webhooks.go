package web

import (
	"net/http"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/notify"
)

// webhooksPage lists the endpoints and, with {id}, one endpoint's form
// and delivery log.
func (s *Server) webhooksPage(r *http.Request) (WebhooksPage, error) {
	ctx, p, id := r.Context(), principalFrom(r.Context()), r.PathValue("id")
	n := s.notifier()
	page := WebhooksPage{Layout: s.layout(r, NavSettingsWebhooks), Kinds: notify.Kinds, Form: notify.WebhookInput{Events: []string{}}}
	var err error
	if page.Webhooks, err = n.Webhooks(ctx, p); err != nil || id == "" {
		return page, err
	}
	hook, err := n.Webhook(ctx, p, id)
	if err != nil {
		return page, err
	}
	page.Selected, page.Title = &hook, hook.Name
	page.Form = notify.WebhookInput{Name: hook.Name, URL: hook.URL, Enabled: &hook.Enabled, Events: hook.Events}
	page.Deliveries, err = n.Deliveries(ctx, p, id)
	return page, err
}

func (s *Server) webhooks(w http.ResponseWriter, r *http.Request) {
	page, err := s.webhooksPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) saveWebhook(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, p, id := r.Context(), principalFrom(r.Context()), r.PathValue("id")
	enabled := r.PostFormValue("enabled") == "on"
	in := notify.WebhookInput{Name: r.PostFormValue("name"), URL: r.PostFormValue("url"), Secret: r.PostFormValue("secret"),
		Enabled: &enabled, Events: r.PostForm["events"]}
	if id != "" {
		_, err := s.notifier().UpdateWebhook(ctx, p, actor(r), id, in)
		s.webhookSaved(w, r, err, in, "/settings/webhooks/"+id)
		return
	}
	hook, secret, err := s.notifier().CreateWebhook(ctx, p, actor(r), in)
	if err != nil {
		s.webhookSaved(w, r, err, in, "")
		return
	}
	// The secret is shown on this one answer only (never stored in the
	// session): the page renders directly instead of redirecting.
	r.SetPathValue("id", hook.ID)
	page, err := s.webhooksPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.NewSecret = secret
	s.R.Render(w, http.StatusCreated, page)
}

func (s *Server) webhookSaved(w http.ResponseWriter, r *http.Request, err error, in notify.WebhookInput, to string) {
	if err == nil {
		s.flash(r, FlashSuccess, "Webhook saved.")
		redirect(w, r, to)
		return
	}
	page, perr := s.webhooksPage(r)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
		s.fail(w, r, firstError(perr, err))
		return
	}
	in.Secret = ""
	page.Form = in
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func firstError(a, b error) error {
	if a != nil {
		return a
	}
	return b
}

func (s *Server) deleteWebhook(w http.ResponseWriter, r *http.Request) {
	if err := s.notifier().DeleteWebhook(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Webhook deleted.")
	redirect(w, r, "/settings/webhooks")
}

func (s *Server) testWebhook(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	if _, err := s.notifier().SendTest(r.Context(), principalFrom(r.Context()), actor(r), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Test event queued. Reload to see the delivery below.")
	redirect(w, r, "/settings/webhooks/"+id)
}
