package store

import (
	"context"
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// WebhookEndpoint is where an organisation's notifications are POSTed.
// SealedSecret is the signing secret sealed with the key vault.
type WebhookEndpoint struct {
	OrgID, ID, Name, URL string
	SealedSecret         string
	Enabled              bool
	Events               []string // kinds; empty: every kind
	CreatedAt, UpdatedAt time.Time
}

const webhookCols = `org_id, id, name, url, secret, enabled, events, created_at, updated_at`

func scanWebhook(s scanner) (WebhookEndpoint, error) {
	var w WebhookEndpoint
	var events string
	if err := s.Scan(&w.OrgID, &w.ID, &w.Name, &w.URL, &w.SealedSecret, &w.Enabled, &events, &w.CreatedAt, &w.UpdatedAt); err != nil {
		return w, err
	}
	w.CreatedAt, w.UpdatedAt = w.CreatedAt.UTC(), w.UpdatedAt.UTC()
	return w, json.Unmarshal([]byte(events), &w.Events)
}

// CreateWebhook inserts w (timestamps set here; ID when empty).
func (q *Queries) CreateWebhook(ctx context.Context, w WebhookEndpoint) (WebhookEndpoint, error) {
	now := domain.Now()
	if w.ID == "" {
		w.ID = domain.NewID("whk_")
	}
	w.CreatedAt, w.UpdatedAt = now, now
	_, err := q.w().exec(ctx, `INSERT INTO webhook_endpoints (`+webhookCols+`) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		w.OrgID, w.ID, w.Name, w.URL, w.SealedSecret, w.Enabled, jsonText(nonNilList(w.Events)), now, now)
	return w, err
}

// UpdateWebhook writes w's name, URL, secret, enabled flag and kinds.
func (q *Queries) UpdateWebhook(ctx context.Context, w WebhookEndpoint) error {
	res, err := q.w().exec(ctx, `UPDATE webhook_endpoints SET name = ?, url = ?, secret = ?, enabled = ?, events = ?,
		updated_at = ? WHERE org_id = ? AND id = ?`, w.Name, w.URL, w.SealedSecret, w.Enabled, jsonText(nonNilList(w.Events)),
		domain.Now(), w.OrgID, w.ID)
	return mustAffect(res, err, "webhook")
}

// DeleteWebhook removes an endpoint and its delivery log.
func (q *Queries) DeleteWebhook(ctx context.Context, orgID, id string) error {
	if _, err := q.w().exec(ctx, `DELETE FROM webhook_deliveries WHERE org_id = ? AND endpoint_id = ?`, orgID, id); err != nil {
		return err
	}
	res, err := q.w().exec(ctx, `DELETE FROM webhook_endpoints WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "webhook")
}

// GetWebhook returns one endpoint of the organisation.
func (q *Queries) GetWebhook(ctx context.Context, orgID, id string) (WebhookEndpoint, error) {
	w, err := scanWebhook(q.w().row(ctx, `SELECT `+webhookCols+` FROM webhook_endpoints WHERE org_id = ? AND id = ?`, orgID, id))
	return w, notFound(err, "webhook")
}

// ListWebhooks returns the organisation's endpoints by name.
func (q *Queries) ListWebhooks(ctx context.Context, orgID string) ([]WebhookEndpoint, error) {
	rows, err := q.w().query(ctx, `SELECT `+webhookCols+` FROM webhook_endpoints WHERE org_id = ? ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanWebhook)
}

// WebhookDelivery is one delivery attempt.
type WebhookDelivery struct {
	OrgID, ID, EndpointID string
	EventID, EventKind    string
	Attempt, StatusCode   int
	Error                 string
	OK                    bool
	At                    time.Time
}

// AddWebhookDelivery logs an attempt.
func (q *Queries) AddWebhookDelivery(ctx context.Context, d WebhookDelivery) error {
	d.ID = domain.NewID("whd_")
	if d.At.IsZero() {
		d.At = domain.Now()
	}
	_, err := q.w().exec(ctx, `INSERT INTO webhook_deliveries (org_id, id, endpoint_id, event_id, event_kind, attempt,
		status_code, error, ok, at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`, d.OrgID, d.ID, d.EndpointID, d.EventID,
		d.EventKind, d.Attempt, d.StatusCode, d.Error, d.OK, d.At)
	return err
}

// WebhookDeliveries lists an endpoint's latest attempts, newest first.
func (q *Queries) WebhookDeliveries(ctx context.Context, orgID, endpointID string, limit int) ([]WebhookDelivery, error) {
	rows, err := q.r().query(ctx, `SELECT org_id, id, endpoint_id, event_id, event_kind, attempt, status_code, error, ok, at
		FROM webhook_deliveries WHERE org_id = ? AND endpoint_id = ? ORDER BY at DESC, attempt DESC LIMIT ?`,
		orgID, endpointID, limit)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, func(s scanner) (WebhookDelivery, error) {
		var d WebhookDelivery
		err := s.Scan(&d.OrgID, &d.ID, &d.EndpointID, &d.EventID, &d.EventKind, &d.Attempt, &d.StatusCode, &d.Error, &d.OK, &d.At)
		d.At = d.At.UTC()
		return d, err
	})
}
