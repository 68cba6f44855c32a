package arm

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// apiVersions are the api-versions each area accepts (real published ones).
var apiVersions = map[string][]string{
	"subscriptions": {"2014-04-01", "2015-01-01", "2016-06-01", "2018-06-01", "2019-06-01", "2019-11-01", "2020-01-01", "2021-01-01", "2022-01-01", "2022-12-01"},
	"resources":     {"2019-10-01", "2020-06-01", "2020-10-01", "2021-01-01", "2021-04-01", "2022-09-01", "2023-07-01", "2024-03-01", "2024-07-01", "2024-11-01", "2025-04-01"},
	"authorization": {"2015-07-01", "2018-01-01-preview", "2018-07-01", "2018-09-01-preview", "2020-04-01-preview", "2020-08-01-preview", "2020-10-01-preview", "2022-04-01", "2022-05-01-preview"},
	"partner":       {"2018-02-01"},
}

// route dispatches an ARM request by path.
func (a *ARM) route(w http.ResponseWriter, r *http.Request) {
	path := cleanPath(r.URL.Path)
	lower := strings.ToLower(path)
	if h := a.mounted(lower); h != nil {
		h.ServeHTTP(w, r)
		return
	}
	v := r.URL.Query().Get("api-version")
	if v == "" {
		sbx.WriteARMError(w, http.StatusBadRequest, "MissingApiVersionParameter", "The api-version query parameter (?api-version=) is required for all requests.")
		return
	}
	area, serve := a.dispatch(path, lower)
	if serve == nil {
		sbx.WriteARMError(w, http.StatusNotFound, "InvalidResourceType", "The resource type could not be found in the namespace for api version '"+v+"'. Path '"+path+"'.")
		return
	}
	if !contains(apiVersions[area], v) {
		sbx.WriteARMError(w, http.StatusBadRequest, "InvalidApiVersionParameter", "The api-version '"+v+"' is invalid. The supported versions are '"+strings.Join(apiVersions[area], ",")+"'.")
		return
	}
	serve(w, r)
}

// dispatch picks the handler and api-version area for a path.
func (a *ARM) dispatch(path, lower string) (string, http.HandlerFunc) {
	const authz, tags, partners = "/providers/microsoft.authorization/", "/providers/microsoft.resources/tags/default", "/providers/microsoft.managementpartner/partners"
	switch {
	case strings.HasPrefix(lower, partners):
		return "partner", func(w http.ResponseWriter, r *http.Request) { a.partner(w, r, path[len(partners):]) }
	case strings.Contains(lower, authz):
		i := strings.LastIndex(lower, authz)
		return "authorization", func(w http.ResponseWriter, r *http.Request) { a.authorization(w, r, path[:i], path[i+len(authz):]) }
	case strings.HasSuffix(lower, tags):
		return "resources", func(w http.ResponseWriter, r *http.Request) { a.tagsAtScope(w, r, path[:len(path)-len(tags)]) }
	}
	parts := strings.Split(strings.Trim(path, "/"), "/")
	if !strings.EqualFold(parts[0], "subscriptions") {
		return "", nil
	}
	switch {
	case len(parts) == 1:
		return "subscriptions", a.listSubscriptions
	case len(parts) == 2:
		return "subscriptions", func(w http.ResponseWriter, r *http.Request) { a.getSubscription(w, r, parts[1]) }
	case len(parts) == 3 && strings.EqualFold(parts[2], "resourcegroups"):
		return "resources", func(w http.ResponseWriter, r *http.Request) { a.listGroups(w, r, parts[1]) }
	case len(parts) == 4 && strings.EqualFold(parts[2], "resourcegroups"):
		return "resources", func(w http.ResponseWriter, r *http.Request) { a.getGroup(w, r, parts[1], parts[3]) }
	case len(parts) == 3 && strings.EqualFold(parts[2], "resources"):
		return "resources", func(w http.ResponseWriter, r *http.Request) { a.listResources(w, r, parts[1], "") }
	case len(parts) == 5 && strings.EqualFold(parts[2], "resourcegroups") && strings.EqualFold(parts[4], "resources"):
		return "resources", func(w http.ResponseWriter, r *http.Request) { a.listResources(w, r, parts[1], parts[3]) }
	}
	return "", nil
}

func (a *ARM) mounted(lower string) http.Handler {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, m := range a.mounts {
		if strings.Contains(lower, m.contains) {
			return m.h
		}
	}
	return nil
}

// cleanPath collapses the double slashes SDKs produce for "/{scope}" with
// a scope that starts with a slash, and drops a trailing slash.
func cleanPath(p string) string {
	for strings.Contains(p, "//") {
		p = strings.ReplaceAll(p, "//", "/")
	}
	if len(p) > 1 {
		p = strings.TrimSuffix(p, "/")
	}
	return p
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if strings.EqualFold(x, s) {
			return true
		}
	}
	return false
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json; charset=utf-8")
	w.Header().Set("x-ms-request-id", newRequestID())
	w.WriteHeader(status)
	if v != nil {
		_ = json.NewEncoder(w).Encode(v)
	}
}

// methodNotAllowed answers an unsupported verb as ARM does.
func methodNotAllowed(w http.ResponseWriter, r *http.Request) {
	sbx.WriteARMError(w, http.StatusMethodNotAllowed, "MethodNotAllowed", "The requested resource does not support http method '"+r.Method+"'.")
}

// page returns one page of items with a nextLink when more follow; the
// $skiptoken is the offset.
func (a *ARM) page(r *http.Request, items []any) map[string]any {
	size := a.pageSize
	if t := atoi(r.URL.Query().Get("$top")); t > 0 && t < size {
		size = t
	}
	off := atoi(r.URL.Query().Get("$skiptoken"))
	if off > len(items) {
		off = len(items)
	}
	end := min(off+size, len(items))
	out := map[string]any{"value": items[off:end]}
	if end < len(items) {
		q := r.URL.Query()
		q.Set("$skiptoken", itoa(end))
		out["nextLink"] = "https://" + r.Host + cleanPath(r.URL.Path) + "?" + q.Encode()
	}
	return out
}
