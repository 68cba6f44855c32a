package m365

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/connect/msapi"
)

// maxBatch is Graph's JSON batching limit per $batch request.
const maxBatch = 20

// BatchRequest is one request of a JSON batch. URL is relative to the
// version ("/users/{id}?$select=..."). An empty ID is given the request's
// position (1-based).
type BatchRequest struct {
	ID      string            `json:"id"`
	Method  string            `json:"method"`
	URL     string            `json:"url"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// BatchResponse is the answer to one BatchRequest. Body is the inner
// JSON body (or a JSON string holding base64 for non-JSON bodies).
type BatchResponse struct {
	ID      string            `json:"id"`
	Status  int               `json:"status"`
	Headers map[string]string `json:"headers,omitempty"`
	Body    json.RawMessage   `json:"body,omitempty"`
}

// Batch sends reqs as JSON batches of at most 20 and returns one response
// per request, in the order of reqs. Inner requests Graph throttled (429)
// are sent again, after their Retry-After, at most MaxRetries times; a
// response still 429 after that is returned as it is. IDs must be unique.
func (c *Client) Batch(ctx context.Context, reqs []BatchRequest) ([]BatchResponse, error) {
	reqs = withIDs(reqs)
	byID := make(map[string]BatchResponse, len(reqs))
	for start := 0; start < len(reqs); start += maxBatch {
		chunk := reqs[start:min(start+maxBatch, len(reqs))]
		if err := c.batchChunk(ctx, chunk, byID); err != nil {
			return nil, err
		}
	}
	out := make([]BatchResponse, len(reqs))
	for i, r := range reqs {
		resp, ok := byID[r.ID]
		if !ok {
			return nil, fmt.Errorf("graph: $batch returned no response for request %q", r.ID)
		}
		out[i] = resp
	}
	return out, nil
}

func withIDs(reqs []BatchRequest) []BatchRequest {
	out := make([]BatchRequest, len(reqs))
	for i, r := range reqs {
		if r.ID == "" {
			r.ID = strconv.Itoa(i + 1)
		}
		out[i] = r
	}
	return out
}

// batchChunk sends one chunk, then re-sends its throttled requests.
func (c *Client) batchChunk(ctx context.Context, chunk []BatchRequest, byID map[string]BatchResponse) error {
	policy := c.api.Policy()
	pending := chunk
	for attempt := 0; len(pending) > 0; attempt++ {
		resps, err := c.postBatch(ctx, pending)
		if err != nil {
			return err
		}
		var again []BatchRequest
		var wait time.Duration
		for _, r := range pending {
			resp, ok := resps[r.ID]
			if !ok {
				return fmt.Errorf("graph: $batch returned no response for request %q", r.ID)
			}
			byID[r.ID] = resp
			if resp.Status == http.StatusTooManyRequests && attempt < policy.MaxRetries {
				again = append(again, r)
				wait = max(wait, retryAfter(headerOf(resp.Headers), c.api.Now()))
			}
		}
		if len(again) == 0 {
			return nil
		}
		if wait == 0 {
			wait = backoff(attempt)
		}
		if wait > policy.MaxWait {
			return nil // leave them 429: the caller reschedules
		}
		if err := c.api.Sleep(ctx, wait); err != nil {
			return err
		}
		pending = again
	}
	return nil
}

// postBatch sends one $batch request and indexes its responses by ID.
func (c *Client) postBatch(ctx context.Context, reqs []BatchRequest) (map[string]BatchResponse, error) {
	body, err := json.Marshal(map[string]any{"requests": reqs})
	if err != nil {
		return nil, err
	}
	resp, err := c.api.Do(ctx, msapi.Request{Method: http.MethodPost, URL: c.endpoint("/v1.0/$batch"), Body: body, Idempotent: allReads(reqs)})
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	var out struct {
		Responses []BatchResponse `json:"responses"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		return nil, fmt.Errorf("graph: reading the $batch answer (truncated or malformed): %w", err)
	}
	byID := make(map[string]BatchResponse, len(out.Responses))
	for _, r := range out.Responses {
		byID[r.ID] = r
	}
	return byID, nil
}

// allReads reports whether every request is a GET, so that the batch may
// be retried after a 5xx without doing anything twice.
func allReads(reqs []BatchRequest) bool {
	for _, r := range reqs {
		if !strings.EqualFold(r.Method, http.MethodGet) {
			return false
		}
	}
	return true
}

func headerOf(m map[string]string) http.Header {
	h := http.Header{}
	for k, v := range m {
		h.Set(k, v)
	}
	return h
}
