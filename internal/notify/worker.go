package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/riverqueue/river"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/store"
)

// WebhookArgs is one event's delivery to one endpoint. The body is fixed
// when the event is sent, so every attempt posts the same bytes (only
// the signature's timestamp changes).
type WebhookArgs struct {
	OrgID      string `json:"org_id"`
	EndpointID string `json:"endpoint_id"`
	EventID    string `json:"event_id"`
	EventKind  string `json:"kind"`
	Body       string `json:"body"`
}

// Kind implements river.JobArgs.
func (WebhookArgs) Kind() string { return "webhook_delivery" }

// InsertOpts bounds the attempts.
func (WebhookArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxWebhookAttempts}
}

type webhookWorker struct {
	river.WorkerDefaults[WebhookArgs]
	svc *Service
}

// Work posts the body once and logs the attempt. A non-2xx answer or a
// network error is retried with NextRetry's backoff; a removed endpoint
// or one that answered 410 Gone is not.
func (w *webhookWorker) Work(ctx context.Context, job *river.Job[WebhookArgs]) error {
	a := job.Args
	e, err := w.svc.Store.GetWebhook(ctx, a.OrgID, a.EndpointID)
	if domain.ErrorCode(err) == domain.CodeNotFound {
		return river.JobCancel(fmt.Errorf("webhook %s was removed", a.EndpointID))
	}
	if err != nil {
		return err
	}
	if !e.Enabled && a.EventKind != KindTest {
		return river.JobCancel(fmt.Errorf("webhook %s is disabled", a.EndpointID))
	}
	code, sendErr := w.svc.post(ctx, e, a)
	d := store.WebhookDelivery{OrgID: a.OrgID, EndpointID: a.EndpointID, EventID: a.EventID, EventKind: a.EventKind,
		Attempt: job.Attempt, StatusCode: code, OK: sendErr == nil}
	if sendErr != nil {
		d.Error = domain.Truncate(sendErr.Error(), 500)
	}
	if err := w.svc.Store.AddWebhookDelivery(ctx, d); err != nil {
		w.svc.Log.Error("webhook: cannot log delivery", "endpoint", a.EndpointID, "err", err)
	}
	if code == http.StatusGone {
		return river.JobCancel(sendErr)
	}
	return sendErr
}

// NextRetry doubles the delay per attempt.
func (w *webhookWorker) NextRetry(job *river.Job[WebhookArgs]) time.Time {
	return time.Now().Add(jobs.Backoff(job.Attempt, w.svc.RetryBase, w.svc.RetryMax))
}

// post sends one signed request; it returns the status code (0 when no
// answer came) and an error unless the endpoint answered 2xx.
func (s *Service) post(ctx context.Context, e store.WebhookEndpoint, a WebhookArgs) (int, error) {
	secret, err := keyvault.OpenString(s.Vault, e.SealedSecret, secretAAD(e.OrgID, e.ID))
	if err != nil {
		return 0, fmt.Errorf("open the endpoint's secret: %w", err)
	}
	body := []byte(a.Body)
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, e.URL, bytes.NewReader(body))
	if err != nil {
		return 0, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Canopy-Webhooks/1")
	req.Header.Set("Canopy-Event", a.EventKind)
	req.Header.Set("Canopy-Delivery", a.EventID)
	req.Header.Set(SignatureHeader, Sign(secret, time.Now(), body))
	res, err := s.Client.Do(req)
	if err != nil {
		return 0, err
	}
	defer res.Body.Close()
	_, _ = io.Copy(io.Discard, io.LimitReader(res.Body, 64<<10))
	if res.StatusCode < 200 || res.StatusCode > 299 {
		return res.StatusCode, errors.New("endpoint answered " + res.Status)
	}
	return res.StatusCode, nil
}

// secretAAD binds a sealed secret to its endpoint.
func secretAAD(orgID, id string) string { return "canopy/webhook/v1/" + orgID + "/" + id }
