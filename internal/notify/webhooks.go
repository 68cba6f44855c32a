package notify

import (
	"context"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

// Webhook is an endpoint as people and the API see it: never its secret.
type Webhook struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	Enabled   bool      `json:"enabled"`
	Events    []string  `json:"events"`
	CreatedAt time.Time `json:"created_at"`
	UpdatedAt time.Time `json:"updated_at"`
}

// WebhookInput creates or changes an endpoint. Secret "" keeps the
// current one (or generates one for a new endpoint); Enabled nil keeps
// the current flag (new endpoints start enabled).
type WebhookInput struct {
	Name    string   `json:"name"`
	URL     string   `json:"url"`
	Secret  string   `json:"secret,omitempty"`
	Enabled *bool    `json:"enabled,omitempty"`
	Events  []string `json:"events"`
}

// Delivery is one logged attempt.
type Delivery struct {
	EventID    string    `json:"event_id"`
	EventKind  string    `json:"event_kind"`
	Attempt    int       `json:"attempt"`
	StatusCode int       `json:"status_code"`
	OK         bool      `json:"ok"`
	Error      string    `json:"error"`
	At         time.Time `json:"at"`
}

func webhookView(e store.WebhookEndpoint) Webhook {
	events := e.Events
	if events == nil {
		events = []string{}
	}
	return Webhook{ID: e.ID, Name: e.Name, URL: e.URL, Enabled: e.Enabled, Events: events, CreatedAt: e.CreatedAt, UpdatedAt: e.UpdatedAt}
}

// Webhooks lists the organisation's endpoints.
func (s *Service) Webhooks(ctx context.Context, p *auth.Principal) ([]Webhook, error) {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return nil, err
	}
	list, err := s.Store.ListWebhooks(ctx, p.Org.ID)
	out := make([]Webhook, 0, len(list))
	for _, e := range list {
		out = append(out, webhookView(e))
	}
	return out, err
}

// Webhook returns one endpoint.
func (s *Service) Webhook(ctx context.Context, p *auth.Principal, id string) (Webhook, error) {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return Webhook{}, err
	}
	e, err := s.Store.GetWebhook(ctx, p.Org.ID, id)
	return webhookView(e), err
}

// CreateWebhook adds an endpoint; it returns the signing secret, which is
// shown once (generated when the input has none).
func (s *Service) CreateWebhook(ctx context.Context, p *auth.Principal, who audit.Actor, in WebhookInput) (Webhook, string, error) {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return Webhook{}, "", err
	}
	e := store.WebhookEndpoint{OrgID: p.Org.ID, ID: domain.NewID("whk_"), Enabled: in.Enabled == nil || *in.Enabled}
	if err := applyInput(&e, in); err != nil {
		return Webhook{}, "", err
	}
	secret := strings.TrimSpace(in.Secret)
	if secret == "" {
		secret = "whsec_" + domain.NewID("") + domain.NewID("")
	}
	var err error
	if e.SealedSecret, err = keyvault.SealString(s.Vault, secret, secretAAD(e.OrgID, e.ID)); err != nil {
		return Webhook{}, "", err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if e, err = tx.CreateWebhook(ctx, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "webhook.create", TargetType: "webhook",
			TargetID: e.ID, Details: map[string]any{"name": e.Name, "url": e.URL, "events": e.Events}})
	})
	return webhookView(e), secret, err
}

// UpdateWebhook changes an endpoint.
func (s *Service) UpdateWebhook(ctx context.Context, p *auth.Principal, who audit.Actor, id string, in WebhookInput) (Webhook, error) {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return Webhook{}, err
	}
	e, err := s.Store.GetWebhook(ctx, p.Org.ID, id)
	if err != nil {
		return Webhook{}, err
	}
	if err := applyInput(&e, in); err != nil {
		return Webhook{}, err
	}
	if in.Enabled != nil {
		e.Enabled = *in.Enabled
	}
	if secret := strings.TrimSpace(in.Secret); secret != "" {
		if e.SealedSecret, err = keyvault.SealString(s.Vault, secret, secretAAD(e.OrgID, e.ID)); err != nil {
			return Webhook{}, err
		}
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.UpdateWebhook(ctx, e); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "webhook.update", TargetType: "webhook",
			TargetID: e.ID, Details: map[string]any{"name": e.Name, "url": e.URL, "enabled": e.Enabled, "events": e.Events,
				"secret_changed": strings.TrimSpace(in.Secret) != ""}})
	})
	return webhookView(e), err
}

// DeleteWebhook removes an endpoint and its delivery log.
func (s *Service) DeleteWebhook(ctx context.Context, p *auth.Principal, who audit.Actor, id string) error {
	if err := p.Require(auth.PermSettingsManage); err != nil {
		return err
	}
	return s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := tx.DeleteWebhook(ctx, p.Org.ID, id); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "webhook.delete", TargetType: "webhook", TargetID: id})
	})
}

// Deliveries lists an endpoint's latest 100 attempts.
func (s *Service) Deliveries(ctx context.Context, p *auth.Principal, id string) ([]Delivery, error) {
	if _, err := s.Webhook(ctx, p, id); err != nil {
		return nil, err
	}
	list, err := s.Store.WebhookDeliveries(ctx, p.Org.ID, id, 100)
	out := make([]Delivery, 0, len(list))
	for _, d := range list {
		out = append(out, Delivery{EventID: d.EventID, EventKind: d.EventKind, Attempt: d.Attempt, StatusCode: d.StatusCode,
			OK: d.OK, Error: d.Error, At: d.At})
	}
	return out, err
}

// SendTest queues a test event to one endpoint (even a disabled one) and
// returns its ID; the delivery log shows how it went.
func (s *Service) SendTest(ctx context.Context, p *auth.Principal, who audit.Actor, id string) (string, error) {
	if _, err := s.Webhook(ctx, p, id); err != nil {
		return "", err
	}
	ev := s.complete(Event{Kind: KindTest, OrgID: p.Org.ID, Subject: "Canopy test event",
		Text: "A test event sent from Canopy's webhook settings by " + p.User.Email + ".", Link: "/settings/webhooks",
		Data: map[string]any{"endpoint_id": id}})
	body, err := Payload(ev)
	if err != nil {
		return "", err
	}
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if err := s.enqueueWebhook(ctx, tx, id, ev, body); err != nil {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "webhook.test", TargetType: "webhook", TargetID: id,
			Details: map[string]any{"event_id": ev.ID}})
	})
	return ev.ID, err
}

// applyInput checks and copies the name, URL and kinds.
func applyInput(e *store.WebhookEndpoint, in WebhookInput) error {
	e.Name = strings.TrimSpace(in.Name)
	if e.Name == "" || len(e.Name) > 100 {
		return domain.FieldError("name", "Give the endpoint a name of 1 to 100 characters.")
	}
	raw := strings.TrimSpace(in.URL)
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil || len(raw) > 2000 {
		return domain.FieldError("url", "The URL must be an http:// or https:// address without credentials, e.g. https://hooks.example.com/canopy.")
	}
	e.URL = raw
	e.Events = []string{}
	for _, k := range in.Events {
		if !KnownKind(k) {
			return domain.FieldError("events", "Unknown event kind %q: use %s.", k, kindList())
		}
		if !slices.Contains(e.Events, k) {
			e.Events = append(e.Events, k)
		}
	}
	return nil
}

func kindList() string {
	keys := make([]string, len(Kinds))
	for i, k := range Kinds {
		keys[i] = k.Key
	}
	return strings.Join(keys, ", ")
}
