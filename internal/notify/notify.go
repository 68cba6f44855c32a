// Package notify delivers an organisation's notifications: e-mail to
// chosen recipients (through the e-mail job) and signed JSON webhooks to
// the endpoints configured in Settings (through the webhook job, with
// retries and a delivery log). Callers build an Event and call SendTx in
// the transaction that decided to notify, so a notification exists only
// if that decision commits, and exactly once.
package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail"
	"github.com/canopyhq/canopy/internal/store"
)

// Event is one notification.
type Event struct {
	ID      string         // evt_...; SendTx sets it when empty
	Kind    string         // one of Kinds, e.g. KindBudgetThreshold
	OrgID   string         // the organisation it belongs to
	Subject string         // one line: the e-mail subject
	Text    string         // plain text: the e-mail body
	Link    string         // where to look: a path ("/budgets/bud_...") or an absolute URL
	Data    map[string]any // machine-readable details for webhooks
	// Emails are the addresses to mail; webhooks go to every enabled
	// endpoint of the organisation subscribed to Kind.
	Emails []string
	At     time.Time // SendTx sets it when zero
}

// Kind is a kind of event an endpoint can subscribe to.
type Kind struct {
	Key, Description string
}

// Event kinds. Other packages add theirs to Kinds (in an init) so
// endpoints can subscribe to them.
const (
	KindBudgetThreshold = "budget.threshold"
	KindTest            = "test" // "Send test event"; always delivered to the one endpoint asked
)

// Kinds lists the kinds endpoints may subscribe to.
var Kinds = []Kind{
	{KindBudgetThreshold, "A budget's actual or forecast spend crossed an alert threshold"},
}

// KnownKind reports whether k is in Kinds.
func KnownKind(k string) bool {
	return slices.ContainsFunc(Kinds, func(x Kind) bool { return x.Key == k })
}

// Service sends events and manages webhook endpoints.
type Service struct {
	Store   *store.Store
	Jobs    *jobs.Runner
	Vault   keyvault.KeyVault
	BaseURL string // makes Event.Link paths absolute
	Log     *slog.Logger
	// Client posts webhooks (default: 10 s timeout, no redirects).
	Client *http.Client
	// RetryBase and RetryMax bound the webhook backoff (doubling per
	// attempt); tests use milliseconds.
	RetryBase, RetryMax time.Duration
	Now                 func() time.Time
}

// Webhook delivery defaults.
const (
	DefaultRetryBase   = 10 * time.Second
	DefaultRetryMax    = 30 * time.Minute
	MaxWebhookAttempts = 8
)

// New returns a service; Jobs must be set before events are sent.
func New(st *store.Store, kv keyvault.KeyVault, baseURL string, log *slog.Logger) *Service {
	if log == nil {
		log = slog.Default()
	}
	return &Service{Store: st, Vault: kv, BaseURL: strings.TrimRight(baseURL, "/"), Log: log,
		RetryBase: DefaultRetryBase, RetryMax: DefaultRetryMax, Now: domain.Now,
		Client: &http.Client{Timeout: 10 * time.Second,
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// Register adds the webhook worker to reg.
func (s *Service) Register(reg *jobs.Registry) {
	jobs.Register(reg, &webhookWorker{svc: s})
}

// SendTx enqueues ev's e-mails and webhook deliveries inside tx: they
// exist only if tx commits.
func (s *Service) SendTx(ctx context.Context, tx *store.Tx, ev Event) error {
	if s.Jobs == nil {
		return fmt.Errorf("notify: no job runner")
	}
	ev = s.complete(ev)
	for _, to := range dedupe(ev.Emails) {
		m := mail.Message{To: to, Subject: ev.Subject, Text: ev.Text + "\n\n" + ev.Link + "\n"}
		if err := jobs.EnqueueEmailTx(ctx, s.Jobs, tx.SQLTx(), s.Vault, m); err != nil {
			return err
		}
	}
	endpoints, err := tx.ListWebhooks(ctx, ev.OrgID)
	if err != nil {
		return err
	}
	body, err := Payload(ev)
	if err != nil {
		return err
	}
	for _, e := range endpoints {
		if !e.Enabled || (len(e.Events) > 0 && !slices.Contains(e.Events, ev.Kind)) {
			continue
		}
		if err := s.enqueueWebhook(ctx, tx, e.ID, ev, body); err != nil {
			return err
		}
	}
	return nil
}

func (s *Service) enqueueWebhook(ctx context.Context, tx *store.Tx, endpointID string, ev Event, body []byte) error {
	args := WebhookArgs{OrgID: ev.OrgID, EndpointID: endpointID, EventID: ev.ID, EventKind: ev.Kind, Body: string(body)}
	return s.Jobs.EnqueueTx(ctx, tx.SQLTx(), args, nil)
}

// complete fills in the ID, time and absolute link.
func (s *Service) complete(ev Event) Event {
	if ev.ID == "" {
		ev.ID = domain.NewID("evt_")
	}
	if ev.At.IsZero() {
		ev.At = s.Now()
	}
	if strings.HasPrefix(ev.Link, "/") {
		ev.Link = s.BaseURL + ev.Link
	}
	return ev
}

func dedupe(addrs []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, a := range addrs {
		a = strings.TrimSpace(a)
		if a != "" && !seen[strings.ToLower(a)] {
			seen[strings.ToLower(a)] = true
			out = append(out, a)
		}
	}
	return out
}

// payload is the JSON body of a webhook delivery.
type payload struct {
	ID        string         `json:"id"`
	Kind      string         `json:"kind"`
	OrgID     string         `json:"org_id"`
	CreatedAt time.Time      `json:"created_at"`
	Subject   string         `json:"subject"`
	Text      string         `json:"text"`
	Link      string         `json:"link"`
	Data      map[string]any `json:"data"`
}

// Payload is the webhook body for ev (docs/notifications.md shows one).
func Payload(ev Event) ([]byte, error) {
	data := ev.Data
	if data == nil {
		data = map[string]any{}
	}
	return json.Marshal(payload{ID: ev.ID, Kind: ev.Kind, OrgID: ev.OrgID, CreatedAt: ev.At.UTC(), Subject: ev.Subject,
		Text: ev.Text, Link: ev.Link, Data: data})
}
