package partnercenter

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"github.com/cockroachdb/apd/v3"
)

// Invoice is a Partner Center invoice. Amounts are exact decimals.
type Invoice struct {
	ID                 string
	InvoiceDate        time.Time
	BillingPeriodStart time.Time
	BillingPeriodEnd   time.Time // the last day of the period, included
	TotalCharges       *apd.Decimal
	PaidAmount         *apd.Decimal
	CurrencyCode       string
	InvoiceType        string // OneTime (new commerce) or Recurring (legacy)
	DocumentType       string
}

// invoiceJSON is the wire form of an invoice.
type invoiceJSON struct {
	ID                     string      `json:"id"`
	InvoiceDate            string      `json:"invoiceDate"`
	BillingPeriodStartDate string      `json:"billingPeriodStartDate"`
	BillingPeriodEndDate   string      `json:"billingPeriodEndDate"`
	TotalCharges           json.Number `json:"totalCharges"`
	PaidAmount             json.Number `json:"paidAmount"`
	CurrencyCode           string      `json:"currencyCode"`
	InvoiceType            string      `json:"invoiceType"`
	DocumentType           string      `json:"documentType"`
}

// Invoices lists the partner's issued invoices (newest first, as the API
// sends them).
func (c *Client) Invoices(ctx context.Context) ([]Invoice, error) {
	var out []Invoice
	err := c.eachItem(ctx, "/invoices", func(item map[string]any) error {
		inv, err := parseInvoice(item)
		if err != nil {
			return err
		}
		out = append(out, inv)
		return nil
	})
	return out, err
}

// parseInvoice converts a decoded item (json.Number amounts) to Invoice.
func parseInvoice(item map[string]any) (Invoice, error) {
	raw, err := json.Marshal(item)
	if err != nil {
		return Invoice{}, err
	}
	var w invoiceJSON
	if err := json.Unmarshal(raw, &w); err != nil {
		return Invoice{}, fmt.Errorf("partner center: invoice: %w", err)
	}
	inv := Invoice{ID: w.ID, CurrencyCode: w.CurrencyCode, InvoiceType: w.InvoiceType, DocumentType: w.DocumentType}
	for _, f := range []struct {
		dst *time.Time
		src string
	}{{&inv.InvoiceDate, w.InvoiceDate}, {&inv.BillingPeriodStart, w.BillingPeriodStartDate}, {&inv.BillingPeriodEnd, w.BillingPeriodEndDate}} {
		if *f.dst, err = parseStamp(f.src); err != nil {
			return Invoice{}, fmt.Errorf("partner center: invoice %s: %w", w.ID, err)
		}
	}
	if inv.TotalCharges, err = parseAmount(w.TotalCharges); err != nil {
		return Invoice{}, fmt.Errorf("partner center: invoice %s totalCharges: %w", w.ID, err)
	}
	if inv.PaidAmount, err = parseAmount(w.PaidAmount); err != nil {
		return Invoice{}, fmt.Errorf("partner center: invoice %s paidAmount: %w", w.ID, err)
	}
	return inv, nil
}

func parseStamp(s string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("date %q: %w", s, err)
	}
	return t.UTC(), nil
}

func parseAmount(n json.Number) (*apd.Decimal, error) {
	if n == "" {
		return nil, nil
	}
	d, _, err := apd.NewFromString(n.String())
	return d, err
}

// Available reports whether the invoice of month (any day of it) has been
// issued: a month's new-commerce invoice and its reconciliation lines
// appear by the 8th of the next month.
func (c *Client) Available(ctx context.Context, month time.Time) (bool, error) {
	inv, err := c.InvoiceFor(ctx, month)
	return inv != nil, err
}

// InvoiceFor returns the issued invoice whose billing period starts in
// month, or nil when it is not issued yet.
func (c *Client) InvoiceFor(ctx context.Context, month time.Time) (*Invoice, error) {
	list, err := c.Invoices(ctx)
	if err != nil {
		return nil, err
	}
	m := month.UTC()
	for i := range list {
		s := list[i].BillingPeriodStart
		if s.Year() == m.Year() && s.Month() == m.Month() {
			return &list[i], nil
		}
	}
	return nil, nil
}
