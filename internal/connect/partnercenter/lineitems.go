package partnercenter

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Line item kinds of an invoice.
const (
	KindBilling = "billing" // invoice reconciliation: licences, Azure plan meters per month
	KindUsage   = "usage"   // daily rated usage: Azure plan meters per resource and day
)

// collection is one page of a Partner Center collection.
type collection struct {
	TotalCount        int              `json:"totalCount"`
	Items             []map[string]any `json:"items"`
	ContinuationToken string           `json:"continuationToken"`
	Links             struct {
		Next *struct {
			URI     string `json:"uri"`
			Headers []struct {
				Key   string `json:"key"`
				Value string `json:"value"`
			} `json:"headers"`
		} `json:"next"`
	} `json:"links"`
}

// maxPages guards against a continuation that never ends.
const maxPages = 100000

// LineItems calls fn for every line item of the invoice's kind (billing
// or usage), following links.next with its MS-ContinuationToken. Amounts
// are json.Number, exactly as sent. A page is decoded completely before
// its items reach fn; on error the caller must discard what fn received.
func (c *Client) LineItems(ctx context.Context, invoiceID, kind string, fn func(map[string]any) error) error {
	typ, err := lineItemType(kind)
	if err != nil {
		return err
	}
	q := url.Values{"provider": {"onetime"}, "invoicelineitemtype": {typ}, "size": {strconv.Itoa(c.pageSize)}}
	if typ == "usagelineitems" { // billed daily rated usage (API v1) also names currency and period
		q.Set("currencycode", c.currency)
		q.Set("period", "current")
	}
	return c.eachItem(ctx, "/invoices/"+url.PathEscape(invoiceID)+"/lineitems?"+q.Encode(), fn)
}

// UnbilledUsage calls fn for every daily rated usage line not invoiced
// yet: period "current" (this month so far) or "previous" (last month,
// until its invoice is issued).
func (c *Client) UnbilledUsage(ctx context.Context, period string, fn func(map[string]any) error) error {
	return c.unbilled(ctx, period, "usagelineitems", fn)
}

// UnbilledBilling is UnbilledUsage for the not yet invoiced reconciliation
// lines (licence charges and monthly meter lines).
func (c *Client) UnbilledBilling(ctx context.Context, period string, fn func(map[string]any) error) error {
	return c.unbilled(ctx, period, "billinglineitems", fn)
}

func (c *Client) unbilled(ctx context.Context, period, typ string, fn func(map[string]any) error) error {
	if period != "current" && period != "previous" {
		return fmt.Errorf("partner center: unbilled period %q: use current or previous", period)
	}
	q := url.Values{"provider": {"onetime"}, "invoicelineitemtype": {typ}, "currencycode": {c.currency},
		"period": {period}, "size": {strconv.Itoa(c.pageSize)}}
	return c.eachItem(ctx, "/invoices/unbilled/lineitems?"+q.Encode(), fn)
}

func lineItemType(kind string) (string, error) {
	switch strings.ToLower(kind) {
	case KindBilling:
		return "billinglineitems", nil
	case KindUsage:
		return "usagelineitems", nil
	}
	return "", fmt.Errorf("partner center: line item kind %q: use billing or usage", kind)
}

// eachItem walks a collection from path through its continuation pages.
func (c *Client) eachItem(ctx context.Context, path string, fn func(map[string]any) error) error {
	var hdr map[string]string
	for n := 0; path != ""; n++ {
		if n >= maxPages {
			return fmt.Errorf("partner center: more than %d pages; stopping", maxPages)
		}
		p, err := c.page(ctx, path, hdr)
		if err != nil {
			return err
		}
		for _, item := range p.Items {
			if err := fn(item); err != nil {
				return err
			}
		}
		path, hdr, err = c.next(p)
		if err != nil {
			return err
		}
	}
	return nil
}

func (c *Client) page(ctx context.Context, path string, hdr map[string]string) (*collection, error) {
	var p collection
	if err := c.getJSON(ctx, c.endpoint(path), hdr, &p); err != nil {
		return nil, err
	}
	return &p, nil
}

// next returns the path and headers of the following page ("" at the
// end). The token goes in the MS-ContinuationToken header, as the API
// expects; links.next names it, and the body's continuationToken is the
// fallback.
func (c *Client) next(p *collection) (string, map[string]string, error) {
	if p.Links.Next == nil || p.Links.Next.URI == "" {
		return "", nil, nil
	}
	u, err := url.Parse(p.Links.Next.URI)
	if err != nil || (u.Host != "" && !strings.EqualFold(u.Host, c.base.Host)) {
		return "", nil, fmt.Errorf("partner center: links.next %q is not a Partner Center path", p.Links.Next.URI)
	}
	hdr := map[string]string{}
	for _, h := range p.Links.Next.Headers {
		hdr[h.Key] = h.Value
	}
	if hdr["MS-ContinuationToken"] == "" {
		if p.ContinuationToken == "" {
			return "", nil, fmt.Errorf("partner center: links.next without a continuation token")
		}
		hdr["MS-ContinuationToken"] = p.ContinuationToken
	}
	return u.RequestURI(), hdr, nil
}
