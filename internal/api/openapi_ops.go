package api

import (
	"net/http"
	"slices"
	"strconv"
)

// opEntry is one documented operation.
type opEntry struct {
	method, path string
	op           *operation
}

// opSpec is the compact, hand-written description of an operation that
// build expands into OpenAPI, adding the error responses that apply.
type opSpec struct {
	id, summary, description string
	perm                     string // a permission key, "any" or "public"
	tag                      string
	params                   []parameter
	body                     string // request body schema name, "" for none
	bodyMedia                string // the body's media type, "" for application/json
	status                   int    // success status
	result                   string // success body schema name, "" for none
	resultMedia              string // the success body's media type, "" for application/json
}

func operations() []opEntry {
	users := []parameter{userIDParam}
	return append([]opEntry{
		doc("GET", "/openapi.json", opSpec{id: "getOpenAPI", summary: "This OpenAPI document", perm: "public", tag: "meta", status: 200, result: "OpenAPIDocument"}),
		doc("GET", "/me", opSpec{id: "getMe", summary: "The caller: user, organisation, roles, permissions and token", perm: "any", tag: "meta", status: 200, result: "Me"}),
		doc("GET", "/orgs", opSpec{id: "listOrgs", summary: "Organisations the caller is an active member of", perm: "any", tag: "orgs", status: 200, result: "OrgList"}),
		doc("GET", "/org", opSpec{id: "getOrg", summary: "The token's organisation", perm: "any", tag: "orgs", status: 200, result: "Org"}),
		doc("PATCH", "/org", opSpec{id: "updateOrg", summary: "Change the organisation's name, MFA policy or reporting currency", perm: "settings.manage", tag: "orgs", body: "OrgUpdate", status: 200, result: "Org",
			description: "Absent fields keep their value. When mfa_required becomes true, tokens of members without MFA stop working until they enrol. " +
				"Changing reporting_currency also needs currency.manage (403 otherwise)."}),
		doc("GET", "/roles", opSpec{id: "listRoles", summary: "Built-in roles and their permissions", perm: "any", tag: "roles", status: 200, result: "RoleList"}),
		doc("GET", "/permissions", opSpec{id: "listPermissions", summary: "The permission catalog", perm: "any", tag: "roles", status: 200, result: "PermissionList"}),
		doc("GET", "/users", opSpec{id: "listUsers", summary: "Members of the organisation, by email", perm: "users.read", tag: "users",
			params: []parameter{qParam, statusParam, limitParam, cursorParam}, status: 200, result: "UserList"}),
		doc("POST", "/users", opSpec{id: "createUser", summary: "Invite a person, or create them with a one-time password", perm: "users.manage", tag: "users", body: "UserCreate", status: 201, result: "UserCreated",
			description: "An email that already has an account is only added to this organisation (existing: true); its password is never set."}),
		doc("GET", "/users/{user_id}", opSpec{id: "getUser", summary: "One member", perm: "users.read", tag: "users", params: users, status: 200, result: "User"}),
		doc("PUT", "/users/{user_id}/roles", opSpec{id: "setUserRoles", summary: "Replace a member's roles", perm: "roles.manage", tag: "users", params: users, body: "RoleAssignment", status: 200, result: "User",
			description: "Assigning or removing the owner role needs org.owner; the organisation always keeps an active owner (409)."}),
		doc("POST", "/users/{user_id}/deactivate", opSpec{id: "deactivateUser", summary: "Deactivate a member in this organisation", perm: "users.manage", tag: "users", params: users, status: 200, result: "User",
			description: "Their sessions and tokens stop working here at once. You cannot deactivate yourself or the last owner (409)."}),
		doc("POST", "/users/{user_id}/reactivate", opSpec{id: "reactivateUser", summary: "Reactivate a member", perm: "users.manage", tag: "users", params: users, status: 200, result: "User"}),
		doc("POST", "/users/{user_id}/mfa-reset", opSpec{id: "resetUserMFA", summary: "Clear a member's MFA and sign them out everywhere", perm: "users.manage", tag: "users", params: users, status: 200, result: "User"}),
		doc("GET", "/users/{user_id}/sessions", opSpec{id: "listUserSessions", summary: "A user's signed-in browser sessions", perm: "any", tag: "sessions", params: users, status: 200, result: "SessionList",
			description: "Your own sessions, or a member's when you hold users.manage."}),
		doc("DELETE", "/users/{user_id}/sessions/{session_id}", opSpec{id: "revokeUserSession", summary: "End one browser session", perm: "any", tag: "sessions",
			params: []parameter{userIDParam, sessionIDParam}, status: 204, description: "Your own session, or a member's when you hold users.manage."}),
		doc("GET", "/tokens", opSpec{id: "listTokens", summary: "Your API tokens in this organisation", perm: "tokens.manage", tag: "tokens", status: 200, result: "TokenList"}),
		doc("POST", "/tokens", opSpec{id: "createToken", summary: "Create an API token for yourself", perm: "tokens.manage", tag: "tokens", body: "TokenCreate", status: 201, result: "TokenCreated",
			description: "The secret is in the response's token field, this once only."}),
		doc("DELETE", "/tokens/{token_id}", opSpec{id: "revokeToken", summary: "Revoke one of your API tokens", perm: "tokens.manage", tag: "tokens", params: []parameter{tokenIDParam}, status: 204}),
		doc("GET", "/audit", opSpec{id: "listAudit", summary: "The organisation's audit log, newest first", perm: "audit.read", tag: "audit",
			params: []parameter{actionParam, actorParam, fromParam, toParam, limitParam, cursorParam}, status: 200, result: "AuditList"}),
	}, slices.Concat(fxOperations(), costOperations(), importOperations(), connectionOperations(), directoryOperations(), allocationOperations(), chargebackOperations(), tagSyncOperations(), resourceOperations(), budgetOperations(), alertOperations(), marketplaceOperations(), recommendationOperations(), ssoOperations(), delegationOperations(), m365AnalyticsOperations(), serviceAccountOperations())...)
}

func fxOperations() []opEntry {
	pair := []parameter{required(currencyParam("base", "The base currency: 1 base = rate quote")), required(currencyParam("quote", "The quote currency"))}
	return []opEntry{
		doc("GET", "/fx/rates", opSpec{id: "listFXRates", summary: "The organisation's daily exchange rates in a date range", perm: "costs.read", tag: "fx",
			params: []parameter{required(fromParam), required(toParam)}, status: 200, result: "FXRateList",
			description: "Both days are inclusive (UTC) and at most 3700 days apart. Ordered by base, quote and day; not paged."}),
		doc("PUT", "/fx/rates", opSpec{id: "setFXRate", summary: "Enter or correct one day's rate by hand", perm: "currency.manage", tag: "fx", body: "FXRateSet", status: 200, result: "FXRatesSaved",
			description: "The rate is stored exactly as written, with source manual; a changed rate is a correction and its old value stays in the history."}),
		doc("POST", "/fx/rates/import", opSpec{id: "importFXRates", summary: "Import a CSV file of rates", perm: "currency.manage", tag: "fx",
			params: []parameter{queryParam("source", "Label stored with the rates (1 to 40 of A-Z a-z 0-9 . _ -); default import")},
			status: 200, result: "FXRatesSaved", body: "FXRatesCSV", bodyMedia: "text/csv",
			description: "The request body is the file (at most 32 MiB): an ECB reference-rate CSV (history or daily; EUR is the base) or a CSV with the header date,base,quote,rate. " +
				"The import is all or nothing: a bad line is refused (400, the message names line and column) and nothing is stored."}),
		doc("GET", "/fx/rates/history", opSpec{id: "listFXRateHistory", summary: "Every change of one currency pair's rates, oldest first", perm: "costs.read", tag: "fx",
			params: pair, status: 200, result: "FXRateChangeList"}),
	}
}

func doc(method, path string, s opSpec) opEntry {
	return opEntry{method: method, path: Prefix + path, op: s.build()}
}

func (s opSpec) build() *operation {
	op := &operation{OperationID: s.id, Summary: s.summary, Description: s.description, Tags: []string{s.tag},
		Parameters: s.params, Permission: s.perm, Responses: map[string]*response{}}
	ok := &response{Description: http.StatusText(s.status)}
	if s.result != "" {
		ok.Content = jsonContent(s.result)
	}
	if s.resultMedia != "" {
		ok.Content = map[string]mediaType{s.resultMedia: {Schema: ref(s.result)}}
	}
	if s.status == http.StatusCreated {
		ok.Headers = map[string]header{"Location": {Description: "URL of the new resource", Schema: &schema{Type: "string"}}}
	}
	op.Responses[strconv.Itoa(s.status)] = ok
	if s.body != "" {
		op.RequestBody = &requestBody{Required: true, Content: jsonContent(s.body)}
		if s.bodyMedia != "" {
			op.RequestBody.Content = map[string]mediaType{s.bodyMedia: {Schema: ref(s.body)}}
		}
		s.addErrors(op, 400, 413, 415)
	}
	if s.perm == "public" {
		op.Security = &[]securityRequirement{}
	} else {
		s.addErrors(op, 401, 403)
	}
	for _, p := range s.params {
		s.addErrors(op, map[string]int{"path": 404, "query": 400}[p.In])
	}
	op.Responses["default"] = errorResponse("Any other error (409 conflict, 429 rate limited, 500 internal; 503 unavailable with Retry-After when the node is saturated with cost queries)")
	return op
}

func (s opSpec) addErrors(op *operation, statuses ...int) {
	for _, st := range statuses {
		op.Responses[strconv.Itoa(st)] = errorResponse(http.StatusText(st))
	}
}

func errorResponse(desc string) *response {
	return &response{Description: desc, Content: jsonContent("Error")}
}

func jsonContent(name string) map[string]mediaType {
	return map[string]mediaType{"application/json": {Schema: ref(name)}}
}

var (
	userIDParam    = pathParam("user_id", "A user's ID (usr_...)")
	sessionIDParam = pathParam("session_id", "A session's ID (ses_...)")
	tokenIDParam   = pathParam("token_id", "An API token's ID (tok_...)")
	limitParam     = parameter{Name: "limit", In: "query", Description: "Page size, default 50",
		Schema: &schema{Type: "integer", Minimum: intPtr(1), Maximum: intPtr(maxLimit)}}
	cursorParam = queryParam("cursor", "next_cursor of the previous page")
	qParam      = queryParam("q", "Substring of the email or name")
	statusParam = parameter{Name: "status", In: "query", Description: "Only members with this status",
		Schema: &schema{Type: "string", Enum: userStatuses}}
	actionParam = queryParam("action", "An action (user.signin), or a family ending in a dot (user.)")
	actorParam  = queryParam("actor", "Substring of the actor's email")
	fromParam   = parameter{Name: "from", In: "query", Description: "First day, inclusive (UTC)", Schema: &schema{Type: "string", Format: "date"}}
	toParam     = parameter{Name: "to", In: "query", Description: "Last day, inclusive (UTC)", Schema: &schema{Type: "string", Format: "date"}}
)

func pathParam(name, desc string) parameter {
	return parameter{Name: name, In: "path", Description: desc, Required: true, Schema: &schema{Type: "string"}}
}

func currencyParam(name, desc string) parameter {
	return parameter{Name: name, In: "query", Description: desc + " (ISO 4217, e.g. EUR)", Schema: &schema{Type: "string", Pattern: "^[A-Za-z]{3}$"}}
}

// required marks a query parameter as one that must be sent.
func required(p parameter) parameter {
	p.Required = true
	return p
}

func queryParam(name, desc string) parameter {
	return parameter{Name: name, In: "query", Description: desc, Schema: &schema{Type: "string"}}
}

func intPtr(n int) *int { return &n }
