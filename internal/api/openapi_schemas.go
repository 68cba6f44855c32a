package api

import (
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
)

// schemas describes every JSON shape of the API; each matches a view or
// request type (see views.go), which a test checks field by field.
func schemas() map[string]*schema {
	s := peopleSchemas()
	for k, v := range orgAndTokenSchemas() {
		s[k] = v
	}
	for k, v := range fxSchemas() {
		s[k] = v
	}
	for k, v := range costSchemas() {
		s[k] = v
	}
	for k, v := range importSchemas() {
		s[k] = v
	}
	for k, v := range connectionSchemas() {
		s[k] = v
	}
	for k, v := range directorySchemas() {
		s[k] = v
	}
	for k, v := range m365AnalyticsSchemas() {
		s[k] = v
	}
	for k, v := range allocationSchemas() {
		s[k] = v
	}
	for k, v := range chargebackSchemas() {
		s[k] = v
	}
	for k, v := range tagSyncSchemas() {
		s[k] = v
	}
	for k, v := range resourceSchemas() {
		s[k] = v
	}
	for k, v := range budgetSchemas() {
		s[k] = v
	}
	for k, v := range webhookSchemas() {
		s[k] = v
	}
	for k, v := range alertSchemas() {
		s[k] = v
	}
	for k, v := range marketplaceSchemas() {
		s[k] = v
	}
	for k, v := range catalogAdminSchemas() {
		s[k] = v
	}
	for k, v := range recommendationSchemas() {
		s[k] = v
	}
	for k, v := range ssoSchemas() {
		s[k] = v
	}
	for k, v := range serviceAccountSchemas() {
		s[k] = v
	}
	for k, v := range delegationSchemas() {
		s[k] = v
	}
	return s
}

// peopleSchemas: errors, the caller, users and their roles.
func peopleSchemas() map[string]*schema {
	return map[string]*schema{
		"Error": object("Every error response", props{"error": object("", props{
			"code": {Type: "string", Enum: []string{domain.CodeInvalid, domain.CodeNotFound, domain.CodeConflict, domain.CodeForbidden,
				domain.CodeUnauthenticated, domain.CodeRateLimited, domain.CodeTooLarge, domain.CodeUnavailable, domain.CodeInternal}},
			"message": text("What went wrong, for a person"),
			"field":   text("The input field it is about, when there is one"),
		}, "code", "message")}, "error"),
		"OpenAPIDocument": {Type: "object", Description: "This document"},
		"Account":         object("A person's account", accountProps(), "id", "email", "name", "mfa_enabled", "last_sign_in_at", "created_at"),
		"User": object("A member of the organisation", merge(accountProps(), props{
			"status": {Type: "string", Enum: userStatuses, Description: "invited until they set a password, then their status in this organisation"},
			"roles":  stringList("Org-wide role keys"),
		}), "id", "email", "name", "status", "roles", "mfa_enabled", "created_at"),
		"UserList": list("User"),
		"UserCreate": closed("A person to add", props{
			"email": {Type: "string", Format: "email"},
			"name":  text("Display name (optional)"),
			"roles": stringList("Role keys; at least one"),
			"mode":  {Type: "string", Enum: []string{"invite", "password"}, Description: "invite: email a link to set a password; password: create with a one-time password returned once"},
		}, "email", "roles", "mode"),
		"UserCreated": object("The added member", props{
			"user":              ref("User"),
			"existing":          {Type: "boolean", Description: "true when the email already had an account, which was only added to this organisation"},
			"one_time_password": text("Only for mode password and a new account: hand it over securely; it is not shown again"),
			"warning":           text("Set when the member was added but the email to them could not be sent"),
		}, "user", "existing"),
		"RoleAssignment": closed("The member's new org-wide roles", props{"roles": stringList("Role keys; at least one")}, "roles"),
		"Me": object("The caller", props{
			"user": ref("Account"), "org": ref("Org"), "roles": stringList("Org-wide role keys"),
			"permissions": stringList("Permission keys held org-wide"), "token_id": text("The API token in use"),
		}, "user", "org", "roles", "permissions", "token_id"),
	}
}

// orgAndTokenSchemas: organisations, roles, tokens, sessions and audit.
func orgAndTokenSchemas() map[string]*schema {
	return map[string]*schema{
		"Org": object("An organisation", props{
			"id": text(""), "name": text(""), "mfa_required": {Type: "boolean"},
			"reporting_currency": currencyCode("Costs are converted to it for reports"),
			"created_at":         timestamp(), "updated_at": timestamp(),
		}, "id", "name", "mfa_required", "reporting_currency", "created_at", "updated_at"),
		"OrgList": list("Org"),
		"OrgUpdate": closed("Settings to change; absent ones stay", props{
			"name": text("1 to 200 characters"), "mfa_required": {Type: "boolean"},
			"reporting_currency": currencyCode("Changing it also needs currency.manage"),
		}),
		"Role": object("A built-in role", props{
			"key": text(""), "name": text(""), "description": text(""), "permissions": stringList("Permission keys"),
		}, "key", "name", "description", "permissions"),
		"RoleList":       list("Role"),
		"Permission":     object("A permission", props{"key": text(""), "description": text("")}, "key", "description"),
		"PermissionList": list("Permission"),
		"Token":          object("An API token (never its secret)", tokenProps(), "id", "name", "prefix", "active", "created_at"),
		"TokenList":      list("Token"),
		"TokenCreate": closed("A token to create", props{
			"name":            text("1 to 100 characters"),
			"expires_in_days": {Type: "integer", Minimum: intPtr(0), Maximum: intPtr(maxTokenDays), Description: "0 or absent: never expires"},
		}, "name"),
		"TokenCreated": object("The new token, with its secret shown this once", merge(tokenProps(), props{
			"token": text("The secret to send as \"Authorization: Bearer <token>\""),
		}), "id", "name", "prefix", "active", "created_at", "token"),
		"Session": object("A signed-in browser session", props{
			"id": text(""), "ip": text(""), "user_agent": text(""), "created_at": timestamp(), "last_seen_at": timestamp(),
		}, "id", "ip", "user_agent", "created_at", "last_seen_at"),
		"SessionList": list("Session"),
		"AuditEvent":  object("One entry of the hash-chained audit log", auditProps(), "seq", "id", "at", "action", "details", "hash"),
		"AuditList":   list("AuditEvent"),
	}
}

// fxSchemas: exchange rates. Rates are strings holding exact decimals.
func fxSchemas() map[string]*schema {
	return map[string]*schema{
		"FXRate":     object("1 base is worth rate quote on day", rateProps(), "day", "base", "quote", "rate", "source"),
		"FXRateList": list("FXRate"),
		"FXRateChange": object("One change of a rate", merge(rateProps(), props{
			"previous":   {Type: []string{"string", "null"}, Description: "The rate before this change, an exact decimal; null when the rate was new"},
			"changed_at": timestamp(), "changed_by": text("Email of who made the change"),
		}), "day", "base", "quote", "rate", "previous", "source", "changed_at", "changed_by"),
		"FXRateChangeList": list("FXRateChange"),
		"FXRateSet": closed("One day's rate", props{
			"day": {Type: "string", Format: "date"}, "base": currencyCode(""), "quote": currencyCode("Not the same as base"),
			"rate": decimal("Positive, e.g. \"1.0925\"; stored exactly as written"),
		}, "day", "base", "quote", "rate"),
		"FXRatesSaved": object("What was stored", props{
			"added":     {Type: "integer", Description: "Rates for days and pairs that had none"},
			"corrected": {Type: "integer", Description: "Rates that differed from the stored one; the old value is in the history"},
			"unchanged": {Type: "integer", Description: "Rates equal to the stored one"},
		}, "added", "corrected", "unchanged"),
		"FXRatesCSV": {Type: "string", Description: "A CSV file: ECB reference rates (Date,USD,JPY,... with EUR as the base) or date,base,quote,rate"},
	}
}

func rateProps() props {
	return props{
		"day": {Type: "string", Format: "date", Description: "UTC day"}, "base": currencyCode(""), "quote": currencyCode(""),
		"rate": decimal("Exact decimal"), "source": text("Where it came from: ecb, manual, import, ..."),
	}
}

type props = map[string]*schema

func accountProps() props {
	return props{
		"id": text("usr_..."), "email": {Type: "string", Format: "email"}, "name": text(""),
		"mfa_enabled": {Type: "boolean"}, "last_sign_in_at": nullableTimestamp(), "created_at": timestamp(),
	}
}

func tokenProps() props {
	return props{
		"id": text("tok_..."), "name": text(""), "prefix": text("The token's first characters, to recognise it"),
		"active": {Type: "boolean", Description: "Neither revoked nor expired"}, "created_at": timestamp(),
		"expires_at": nullableTimestamp(), "last_used_at": nullableTimestamp(), "revoked_at": nullableTimestamp(),
	}
}

func auditProps() props {
	return props{
		"seq": {Type: "integer"}, "id": text(""), "at": timestamp(), "actor_id": text(""), "actor_email": text(""),
		"action": text("e.g. user.add, role.change, token.create"), "target_type": text(""), "target_id": text(""),
		"ip": text(""), "user_agent": text(""), "details": {Type: "object", Description: "Action-specific facts"},
		"prev_hash": text("Hash of the previous entry in the chain"), "hash": text("SHA-256 over prev_hash and this entry"),
	}
}

func object(desc string, p props, required ...string) *schema {
	return &schema{Type: "object", Description: desc, Properties: p, Required: required}
}

// closed is a request body: unknown fields are refused.
func closed(desc string, p props, required ...string) *schema {
	s := object(desc, p, required...)
	no := false
	s.AdditionalProperties = &no
	return s
}

func list(item string) *schema {
	return object("A page of "+item+" items", props{
		"items":       {Type: "array", Items: ref(item)},
		"next_cursor": text("Pass as ?cursor= for the next page; absent on the last page"),
	}, "items")
}

func merge(a, b props) props {
	for k, v := range b {
		a[k] = v
	}
	return a
}

func ref(name string) *schema { return &schema{Ref: "#/components/schemas/" + name} }

func text(desc string) *schema { return &schema{Type: "string", Description: desc} }

func stringList(desc string) *schema {
	return &schema{Type: "array", Items: &schema{Type: "string"}, Description: desc}
}

func currencyCode(desc string) *schema {
	return &schema{Type: "string", Pattern: "^[A-Z]{3}$", Description: strings.TrimPrefix(desc+"; ISO 4217 code", "; ")}
}

func decimal(desc string) *schema {
	return &schema{Type: "string", Pattern: `^[0-9]+(\.[0-9]+)?$`, Description: desc}
}

func timestamp() *schema {
	return &schema{Type: "string", Format: "date-time", Description: "RFC 3339, UTC"}
}

func nullableTimestamp() *schema {
	return &schema{Type: []string{"string", "null"}, Format: "date-time", Description: "RFC 3339, UTC, or null"}
}
