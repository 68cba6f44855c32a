package arm

import (
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

var guidRE = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// authorization serves {scope}/providers/Microsoft.Authorization/{rest}.
func (a *ARM) authorization(w http.ResponseWriter, r *http.Request, scope, rest string) {
	kind, name, _ := strings.Cut(rest, "/")
	switch strings.ToLower(kind) {
	case "roledefinitions":
		a.roleDefinitions(w, r, scope, name)
	case "roleassignments":
		if name == "" {
			a.listAssignments(w, r, scope)
		} else {
			a.assignment(w, r, scope, name)
		}
	case "permissions":
		a.permissions(w, r, scope)
	default:
		sbx.WriteARMError(w, http.StatusNotFound, "InvalidResourceType", "The resource type '"+kind+"' could not be found in the namespace 'Microsoft.Authorization'.")
	}
}

// roleDefinitions lists the built-in roles ($filter roleName eq '...') or
// returns one by GUID.
func (a *ARM) roleDefinitions(w http.ResponseWriter, r *http.Request, scope, id string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	if _, err := a.check(r, scope, "Microsoft.Authorization/roleDefinitions/read"); err != nil {
		writeAuthError(w, err)
		return
	}
	if id != "" {
		rd, ok := roleByID(id)
		if !ok {
			sbx.WriteARMError(w, http.StatusNotFound, "RoleDefinitionDoesNotExist", "The specified role definition with ID '"+id+"' does not exist.")
			return
		}
		writeJSON(w, http.StatusOK, roleJSON(rd, scope))
		return
	}
	want := ""
	if f := r.URL.Query().Get("$filter"); f != "" {
		if k, v, ok := strings.Cut(f, " eq "); ok && strings.EqualFold(strings.TrimSpace(k), "roleName") {
			want = strings.Trim(strings.TrimSpace(v), "'")
		}
	}
	items := []any{}
	for _, rd := range BuiltInRoles {
		if want == "" || strings.EqualFold(rd.Name, want) {
			items = append(items, roleJSON(rd, scope))
		}
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": items})
}

// roleJSON is a RoleDefinition as ARM sends it; its ID is under the
// scope's subscription (or the root for tenant-level scopes).
func roleJSON(rd RoleDefinition, scope string) map[string]any {
	return map[string]any{
		"id":   roleDefinitionID(rd.ID, scope),
		"type": "Microsoft.Authorization/roleDefinitions", "name": rd.ID,
		"properties": map[string]any{
			"roleName": rd.Name, "type": "BuiltInRole", "description": rd.Description, "assignableScopes": []string{"/"},
			"permissions": []any{map[string]any{"actions": rd.Actions, "notActions": nonNil(rd.NotActions), "dataActions": []string{}, "notDataActions": []string{}}},
			"createdOn":   "2015-02-02T21:55:09.8806423Z", "updatedOn": "2021-11-11T20:13:47.8628684Z", "createdBy": nil, "updatedBy": nil,
		},
	}
}

func roleDefinitionID(guid, scope string) string {
	prefix := ""
	if sub := subscriptionOf(scope); sub != "" {
		prefix = "/subscriptions/" + sub
	}
	return prefix + "/providers/Microsoft.Authorization/roleDefinitions/" + guid
}

func nonNil(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

// permissions serves .../providers/Microsoft.Authorization/permissions:
// the caller's effective actions at the scope, one entry per role.
func (a *ARM) permissions(w http.ResponseWriter, r *http.Request, scope string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	c, err := a.check(r, scope, "")
	if err != nil {
		writeAuthError(w, err)
		return
	}
	items := []any{}
	for _, rd := range a.rolesAt(c.String("oid"), scope) {
		items = append(items, map[string]any{"actions": rd.Actions, "notActions": nonNil(rd.NotActions), "dataActions": []string{}, "notDataActions": []string{}})
	}
	writeJSON(w, http.StatusOK, map[string]any{"value": items})
}

// assignmentJSON is a RoleAssignment (api-version 2022-04-01).
func assignmentJSON(as Assignment) map[string]any {
	return map[string]any{
		"id":   as.Scope + "/providers/Microsoft.Authorization/roleAssignments/" + as.Name,
		"type": "Microsoft.Authorization/roleAssignments", "name": as.Name,
		"properties": map[string]any{
			"roleDefinitionId": roleDefinitionID(as.RoleDefinitionID, as.Scope), "principalId": as.PrincipalID,
			"principalType": as.PrincipalType, "scope": scopeOrRoot(as.Scope), "condition": nil, "conditionVersion": nil,
			"createdOn": as.CreatedOn.Format(time.RFC3339Nano), "updatedOn": as.CreatedOn.Format(time.RFC3339Nano),
			"createdBy": nilIfEmpty(as.CreatedBy), "updatedBy": nilIfEmpty(as.CreatedBy),
			"delegatedManagedIdentityResourceId": nil, "description": nil,
		},
	}
}

func scopeOrRoot(s string) string {
	if s == "" {
		return "/"
	}
	return s
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// assignmentBody is the PUT body of a role assignment.
type assignmentBody struct {
	Properties struct {
		RoleDefinitionID string `json:"roleDefinitionId"`
		PrincipalID      string `json:"principalId"`
		PrincipalType    string `json:"principalType"`
	} `json:"properties"`
}

func decodeAssignment(r *http.Request) (assignmentBody, bool) {
	var b assignmentBody
	err := json.NewDecoder(http.MaxBytesReader(nil, r.Body, 1<<16)).Decode(&b)
	return b, err == nil
}
