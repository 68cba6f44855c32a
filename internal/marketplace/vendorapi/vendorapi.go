// Package vendorapi is Canopy's client of a vendor's ordering system
// (the protocol internal/sandbox/vendor emulates): the only package that
// speaks it. It implements marketplace.Adapter, and Fulfiller builds one
// per vendor from the vendor's URL and its API key sealed in the key
// vault.
package vendorapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/marketplace"
)

// Client talks to one vendor.
type Client struct {
	BaseURL string
	APIKey  string
	HTTP    *http.Client
}

// KeyAAD binds a sealed vendor API key to its vendor.
func KeyAAD(vendorID string) string { return marketplace.KeyAAD(vendorID) }

// Fulfiller finds the client of vendors that have an API configured.
type Fulfiller struct {
	Vault keyvault.KeyVault
	// HTTP returns the client to reach vendors with (the installation's,
	// which may trust an extra CA); nil uses http.DefaultClient.
	HTTP func() *http.Client
}

// Adapter implements marketplace.Fulfiller.
func (f Fulfiller) Adapter(v marketplace.Vendor) (marketplace.Adapter, bool) {
	if v.APIURL == "" || v.APIKey == "" || f.Vault == nil {
		return nil, false
	}
	key, err := keyvault.OpenString(f.Vault, v.APIKey, KeyAAD(v.ID))
	if err != nil {
		return brokenAdapter{fmt.Errorf("the API key of %s cannot be opened (%w); enter it again", v.Name, err)}, true
	}
	c := &Client{BaseURL: v.APIURL, APIKey: key}
	if f.HTTP != nil {
		c.HTTP = f.HTTP()
	}
	return c, true
}

// brokenAdapter reports why a configured vendor cannot be reached.
type brokenAdapter struct{ err error }

func (b brokenAdapter) Send(context.Context, marketplace.Request) (string, error) { return "", b.err }
func (b brokenAdapter) Status(context.Context, string) (marketplace.Outcome, error) {
	return marketplace.Outcome{}, b.err
}
func (b brokenAdapter) Answer(context.Context, string, string) error { return b.err }

type order struct {
	Ref     string `json:"ref"`
	State   string `json:"state"`
	Message string `json:"message"`
}

// Send places the order; the vendor answers a retried send with the
// same reference.
func (c *Client) Send(ctx context.Context, r marketplace.Request) (string, error) {
	var o order
	if err := c.do(ctx, http.MethodPost, "/v1/orders", r, &o); err != nil {
		return "", err
	}
	if o.Ref == "" {
		return "", fmt.Errorf("vendor: the answer to order %s has no reference", r.OrderID)
	}
	return o.Ref, nil
}

// Status reads where the vendor is with an order.
func (c *Client) Status(ctx context.Context, ref string) (marketplace.Outcome, error) {
	var o order
	if err := c.do(ctx, http.MethodGet, "/v1/orders/"+url.PathEscape(ref), nil, &o); err != nil {
		return marketplace.Outcome{}, err
	}
	switch o.State {
	case marketplace.OutcomeProcessing, marketplace.OutcomeCompleted, marketplace.OutcomeFailed, marketplace.OutcomeQuerying:
		return marketplace.Outcome{State: o.State, Message: o.Message}, nil
	}
	return marketplace.Outcome{}, fmt.Errorf("vendor: order %s has the unknown state %q", ref, o.State)
}

// Answer sends the buyer's answer to the vendor's query.
func (c *Client) Answer(ctx context.Context, ref, answer string) error {
	return c.do(ctx, http.MethodPost, "/v1/orders/"+url.PathEscape(ref)+"/answer", map[string]string{"answer": answer}, nil)
}

func (c *Client) do(ctx context.Context, method, path string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, method, strings.TrimSuffix(c.BaseURL, "/")+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.APIKey)
	req.Header.Set("Content-Type", "application/json")
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return fmt.Errorf("vendor: %w", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if err != nil {
		return fmt.Errorf("vendor: reading the answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		return fmt.Errorf("vendor: %s %s: %s: %s", method, path, resp.Status, vendorMessage(raw))
	}
	if out == nil || len(raw) == 0 {
		return nil
	}
	if err := json.Unmarshal(raw, out); err != nil {
		return fmt.Errorf("vendor: the answer is not JSON: %w", err)
	}
	return nil
}

func vendorMessage(raw []byte) string {
	var e struct {
		Error struct{ Code, Message string } `json:"error"`
	}
	if json.Unmarshal(raw, &e) == nil && e.Error.Message != "" {
		return e.Error.Code + ": " + e.Error.Message
	}
	if len(raw) > 200 {
		raw = raw[:200]
	}
	return string(raw)
}
