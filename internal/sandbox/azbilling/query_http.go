package azbilling

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// ActionQuery is the RBAC action the query API is authorized with; Reader
// (*/read) and Cost Management Reader grant it.
const ActionQuery = "Microsoft.CostManagement/query/read"

// serveQuery answers POST {scope}/providers/Microsoft.CostManagement/query.
func (b *Billing) serveQuery(w http.ResponseWriter, r *http.Request, rt routed) {
	if _, ok := b.authorize(w, r, rt.scope(), ActionQuery); !ok {
		return
	}
	sub, ok := b.subscription(rt.sub)
	if !ok {
		sbx.WriteARMError(w, http.StatusNotFound, "SubscriptionNotFound", "The subscription '"+rt.sub+"' could not be found.")
		return
	}
	if !b.admitQuery(w, rt.scope()) {
		return
	}
	body, err := io.ReadAll(io.LimitReader(r.Body, 1<<20))
	if err != nil {
		sbx.WriteARMError(w, http.StatusBadRequest, "BadRequest", "Invalid query definition: the request body could not be read.")
		return
	}
	q, err := parseQuery(bytes.NewReader(body), b.clock.Now())
	var bad badQuery
	if errors.As(err, &bad) {
		sbx.WriteARMError(w, http.StatusBadRequest, "BadRequest", bad.Error())
		return
	}
	offset, ok := decodeSkipToken(r.URL.Query().Get("$skiptoken"), body)
	if !ok {
		sbx.WriteARMError(w, http.StatusBadRequest, "BadRequest", "Invalid query definition: '$skiptoken' is not valid for this query.")
		return
	}
	b.writeQueryPage(w, r, rt, q, b.run(q, sub, rt.rg), offset, body, sub.currency())
}

func (b *Billing) writeQueryPage(w http.ResponseWriter, r *http.Request, rt routed, q *query, rows []*bucket, offset int, body []byte, currency string) {
	b.mu.Lock()
	size := b.pageSize
	b.mu.Unlock()
	if top, err := strconv.Atoi(r.URL.Query().Get("$top")); err == nil && top > 0 {
		size = min(size, top)
	}
	offset = min(offset, len(rows))
	end := min(offset+size, len(rows))
	out := make([][]any, 0, end-offset)
	for _, bk := range rows[offset:end] {
		out = append(out, q.row(bk, currency))
	}
	var next *string
	if end < len(rows) {
		link := nextLink(r, skipToken(end, body))
		next = &link
	}
	name := uuid(b.seed, "query", strings.ToLower(rt.scope()), bodyHash(body), strconv.Itoa(offset))
	writeJSON(w, http.StatusOK, map[string]any{
		"id":   strings.TrimPrefix(rt.scope(), "/") + "/providers/Microsoft.CostManagement/query/" + name,
		"name": name, "type": "Microsoft.CostManagement/query",
		"location": nil, "sku": nil, "eTag": nil,
		"properties": map[string]any{"nextLink": next, "columns": q.columns(), "rows": out},
	})
}

// nextLink is the request's own URL with a $skiptoken, on the host the
// client called (the client POSTs the same body to it).
func nextLink(r *http.Request, token string) string {
	v := url.Values{}
	for k, vals := range r.URL.Query() {
		if k != "$skiptoken" {
			v[k] = vals
		}
	}
	v.Set("$skiptoken", token)
	return "https://" + r.Host + cleanPath(r.URL.Path) + "?" + v.Encode()
}

func bodyHash(body []byte) string {
	var canon any
	if json.Unmarshal(body, &canon) == nil {
		body, _ = json.Marshal(canon) // key order and spacing do not matter
	}
	sum := sha256.Sum256(body)
	return hex.EncodeToString(sum[:8])
}

func skipToken(offset int, body []byte) string {
	return base64.RawURLEncoding.EncodeToString([]byte(strconv.Itoa(offset) + ":" + bodyHash(body)))
}

// decodeSkipToken returns the row offset a token stands for; a token from
// another query is refused.
func decodeSkipToken(tok string, body []byte) (int, bool) {
	if tok == "" {
		return 0, true
	}
	raw, err := base64.RawURLEncoding.DecodeString(tok)
	if err != nil {
		return 0, false
	}
	n, h, _ := strings.Cut(string(raw), ":")
	off, err := strconv.Atoi(n)
	return off, err == nil && off >= 0 && h == bodyHash(body)
}
