package graph

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
)

// apiError is an OData query or request error to answer with.
type apiError struct {
	status    int
	code, msg string
}

func badRequest(code, msg string) *apiError {
	return &apiError{status: http.StatusBadRequest, code: code, msg: msg}
}

func (e *apiError) write(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, e.status, e.code, e.msg)
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;odata.metadata=minimal;odata.streaming=true;IEEE754Compatible=false;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// baseURL is the root the client reached, so nextLinks lead back here.
func baseURL(r *http.Request) string {
	return "https://" + r.Host
}

// parseSelect returns the $select list (nil when absent), rejecting
// properties the type does not have as Graph does.
func parseSelect(r *http.Request, allowed map[string]bool, typeName string) ([]string, *apiError) {
	raw := r.URL.Query().Get("$select")
	if raw == "" {
		return nil, nil
	}
	var out []string
	for _, p := range strings.Split(raw, ",") {
		p = strings.TrimSpace(p)
		name, ok := lookupProp(allowed, p)
		if !ok {
			return nil, badRequest("Request_BadRequest", fmt.Sprintf("Could not find a property named '%s' on type '%s'.", p, typeName))
		}
		out = append(out, name)
	}
	return out, nil
}

// lookupProp matches a property name case-insensitively, as Graph does,
// returning its canonical spelling.
func lookupProp(allowed map[string]bool, p string) (string, bool) {
	if allowed[p] {
		return p, true
	}
	for k := range allowed {
		if strings.EqualFold(k, p) {
			return k, true
		}
	}
	return "", false
}

// project keeps only props of m ("id" always stays, as in Graph).
func project(m map[string]any, props []string) map[string]any {
	out := make(map[string]any, len(props)+1)
	for _, p := range props {
		out[p] = m[p]
	}
	if _, ok := m["id"]; ok {
		out["id"] = m["id"]
	}
	return out
}

// pageParams reads $top (1..999, default 100) and $skiptoken (an offset).
func pageParams(r *http.Request) (offset, size int, e *apiError) {
	q := r.URL.Query()
	size = 100
	if t := q.Get("$top"); t != "" {
		n, err := strconv.Atoi(t)
		if err != nil || n < 1 || n > 999 {
			return 0, 0, badRequest("Request_BadRequest", fmt.Sprintf("Invalid page size specified: '%s'. Must be between 1 and 999 inclusive.", t))
		}
		size = n
	}
	if s := q.Get("$skiptoken"); s != "" {
		b, err := base64.RawURLEncoding.DecodeString(s)
		n, err2 := strconv.Atoi(strings.TrimPrefix(string(b), "X'"))
		if err != nil || err2 != nil || !strings.HasPrefix(string(b), "X'") || n < 0 {
			return 0, 0, badRequest("Directory_ExpiredPageToken", "The specified page token value has expired and can no longer be included in your request.")
		}
		offset = n
	}
	return offset, size, nil
}

// nextLink is the request's own URL with $skiptoken moved to offset, keeping
// $select, $filter, $top and $count as Graph's nextLinks do.
func nextLink(r *http.Request, offset int) string {
	q := r.URL.Query()
	q.Set("$skiptoken", base64.RawURLEncoding.EncodeToString([]byte("X'"+strconv.Itoa(offset))))
	keys := make([]string, 0, len(q))
	for k := range q {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	parts := make([]string, 0, len(keys))
	for _, k := range keys {
		parts = append(parts, k+"="+url.QueryEscape(q.Get(k)))
	}
	return baseURL(r) + r.URL.Path + "?" + strings.Join(parts, "&")
}

// writePage writes one page of items with @odata.nextLink when more
// remain, and @odata.count when count is not negative.
func writePage(w http.ResponseWriter, r *http.Request, ctx string, items []map[string]any, offset, size, count int) {
	end := min(offset+size, len(items))
	if offset > len(items) {
		offset = len(items)
	}
	body := map[string]any{"@odata.context": baseURL(r) + "/" + r.PathValue("ver") + "/$metadata#" + ctx, "value": items[offset:end]}
	if count >= 0 {
		body["@odata.count"] = count
	}
	if end < len(items) {
		body["@odata.nextLink"] = nextLink(r, end)
	}
	writeJSON(w, http.StatusOK, body)
}

// wantsCount reports whether $count=true was asked and is allowed: Graph
// needs the ConsistencyLevel: eventual header for it on directory objects.
func wantsCount(r *http.Request) (bool, *apiError) {
	c := r.URL.Query().Get("$count")
	if c == "" || strings.EqualFold(c, "false") {
		return false, nil
	}
	if !strings.EqualFold(c, "true") {
		return false, badRequest("BadRequest", "Invalid value '"+c+"' for $count.")
	}
	if !eventual(r) {
		return false, badRequest("Request_BadRequest", "$count is not currently supported.")
	}
	return true, nil
}

func eventual(r *http.Request) bool {
	return strings.EqualFold(r.Header.Get("ConsistencyLevel"), "eventual")
}
