package arm

import (
	"encoding/json"
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// maxTags is Azure's limit of tags per resource, group or subscription.
const maxTags = 50

// tagsAtScope serves {scope}/providers/Microsoft.Resources/tags/default:
// GET reads, PUT replaces, PATCH merges/replaces/deletes (by "operation"),
// DELETE removes every tag.
func (a *ARM) tagsAtScope(w http.ResponseWriter, r *http.Request, scope string) {
	scope = cleanScope(scope)
	action := map[string]string{http.MethodGet: "read", http.MethodPut: "write", http.MethodPatch: "write", http.MethodDelete: "delete"}[r.Method]
	if action == "" {
		methodNotAllowed(w, r)
		return
	}
	if _, err := a.check(r, scope, "Microsoft.Resources/tags/"+action); err != nil {
		writeAuthError(w, err)
		return
	}
	var body struct {
		Operation  string `json:"operation"`
		Properties struct {
			Tags map[string]string `json:"tags"`
		} `json:"properties"`
	}
	if r.Method == http.MethodPut || r.Method == http.MethodPatch {
		if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(&body); err != nil {
			sbx.WriteARMError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: '"+err.Error()+"'.")
			return
		}
	}
	if r.Method == http.MethodPut {
		body.Operation = "Replace"
	}
	tags, apiErr := a.updateTags(scope, r.Method, body.Operation, body.Properties.Tags)
	if apiErr != nil {
		writeAuthError(w, apiErr)
		return
	}
	if r.Method == http.MethodDelete {
		w.Header().Set("x-ms-request-id", newRequestID())
		w.WriteHeader(http.StatusOK)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": scope + "/providers/Microsoft.Resources/tags/default", "name": "default", "type": "Microsoft.Resources/tags",
		"properties": map[string]any{"tags": tags},
	})
}

// updateTags applies one tags operation to the entity at scope and returns
// its tags afterwards.
func (a *ARM) updateTags(scope, method, op string, in map[string]string) (map[string]string, *sbx.AuthError) {
	a.mu.Lock()
	defer a.mu.Unlock()
	tags, apiErr := a.tagsOfLocked(scope)
	if apiErr != nil {
		return nil, apiErr
	}
	next := copyTags(*tags)
	switch {
	case method == http.MethodGet:
	case method == http.MethodDelete:
		next = map[string]string{}
	case strings.EqualFold(op, "Replace"):
		next = copyTags(in)
	case strings.EqualFold(op, "Merge"):
		for k, v := range in {
			deleteTag(next, k)
			next[k] = v
		}
	case strings.EqualFold(op, "Delete"):
		for k, v := range in {
			if old, ok := lookupTag(next, k); ok && (v == "" || old == v) {
				deleteTag(next, k)
			}
		}
	default:
		return nil, &sbx.AuthError{Status: 400, Code: "InvalidTagOperation", Message: "The tag operation '" + op + "' is not valid. Supported values are 'Merge', 'Replace' and 'Delete'."}
	}
	if err := validTags(next); err != nil {
		return nil, err
	}
	*tags = next
	return copyTags(next), nil
}

func deleteTag(m map[string]string, name string) {
	for k := range m {
		if strings.EqualFold(k, name) {
			delete(m, k)
		}
	}
}

func validTags(m map[string]string) *sbx.AuthError {
	if len(m) > maxTags {
		return &sbx.AuthError{Status: 400, Code: "TagsLimitExceeded", Message: "The number of tags exceeds the maximum of 50 allowed for a resource, resource group or subscription."}
	}
	for k, v := range m {
		if k == "" || len(k) > 512 || strings.ContainsAny(k, "<>%&\\?/") {
			return &sbx.AuthError{Status: 400, Code: "InvalidTagNameCharacters", Message: "The tag names '" + k + "' have reserved characters '<,>,%,&,\\,?,/' or control characters."}
		}
		if len(v) > 256 {
			return &sbx.AuthError{Status: 400, Code: "InvalidTagValueLength", Message: "The tag value '" + v[:32] + "...' exceeds the maximum length of 256 characters."}
		}
	}
	return nil
}

// tagsOfLocked finds the tag map of a subscription, group or resource.
func (a *ARM) tagsOfLocked(scope string) (*map[string]string, *sbx.AuthError) {
	s := a.subs[strings.ToLower(subscriptionOf(scope))]
	if s == nil {
		return nil, &sbx.AuthError{Status: 404, Code: "SubscriptionNotFound", Message: "The subscription '" + subscriptionOf(scope) + "' could not be found."}
	}
	parts := strings.Split(strings.Trim(scope, "/"), "/")
	if len(parts) == 2 {
		return &s.tags, nil
	}
	if len(parts) == 4 && strings.EqualFold(parts[2], "resourceGroups") {
		for _, g := range s.groups {
			if strings.EqualFold(g.Name, parts[3]) {
				return &g.Tags, nil
			}
		}
		return nil, &sbx.AuthError{Status: 404, Code: "ResourceGroupNotFound", Message: "Resource group '" + parts[3] + "' could not be found."}
	}
	for _, res := range s.resources {
		if strings.EqualFold(res.ID, scope) {
			return &res.Tags, nil
		}
	}
	group := ""
	if len(parts) > 3 {
		group = parts[3]
	}
	return nil, &sbx.AuthError{Status: 404, Code: "ResourceNotFound", Message: "The Resource '" + strings.Join(parts[min(5, len(parts)-1):], "/") + "' under resource group '" + group + "' was not found. For more details please go to https://aka.ms/ARMResourceNotFoundFix"}
}
