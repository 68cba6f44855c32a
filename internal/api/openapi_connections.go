package api

import "github.com/canopyhq/canopy/internal/store"

var (
	connectionIDParam = pathParam("connection_id", "A connection's ID (con_...)")
	syncIDParam       = pathParam("sync_id", "A sync's ID (syn_...)")
)

func connectionOperations() []opEntry {
	conn := []parameter{connectionIDParam}
	return append([]opEntry{
		doc("GET", "/connections", opSpec{id: "listConnections", summary: "The organisation's cloud connections", perm: "connections.read", tag: "connections",
			status: 200, result: "ConnectionList", description: "Each with its status (the last sync's outcome), last and next sync, and the sync running now, if any."}),
		doc("POST", "/connections", opSpec{id: "createConnection", summary: "Connect Azure, AWS, Microsoft 365 or Partner Center", perm: "connections.manage", tag: "connections",
			body: "ConnectionCreate", status: 201, result: "Connection",
			description: "The secret is encrypted at rest and never returned (has_secret says whether one is stored). The first sync runs at the next sync hour, or use POST .../sync."}),
		doc("GET", "/connections/{connection_id}", opSpec{id: "getConnection", summary: "One connection", perm: "connections.read", tag: "connections", params: conn, status: 200, result: "Connection"}),
		doc("PATCH", "/connections/{connection_id}", opSpec{id: "updateConnection", summary: "Change a connection", perm: "connections.manage", tag: "connections",
			params: conn, body: "ConnectionUpdate", status: 200, result: "Connection", description: "Absent fields keep their value; an absent or empty secret keeps the stored one."}),
		doc("DELETE", "/connections/{connection_id}", opSpec{id: "deleteConnection", summary: "Remove a connection, its sync history and doctor results", perm: "connections.manage", tag: "connections",
			params: conn, status: 204, description: "Costs it imported stay."}),
		doc("POST", "/connections/{connection_id}/sync", opSpec{id: "syncConnection", summary: "Sync now", perm: "connections.manage", tag: "connections",
			params: conn, status: 202, result: "ConnectionSync", description: "Queues a manual sync (409 when one is already queued or running). Poll the sync at Location."}),
		doc("GET", "/connections/{connection_id}/syncs", opSpec{id: "listConnectionSyncs", summary: "A connection's sync history, newest first", perm: "connections.read", tag: "connections",
			params: []parameter{connectionIDParam, limitParam, cursorParam}, status: 200, result: "ConnectionSyncList"}),
		doc("GET", "/connections/{connection_id}/syncs/{sync_id}", opSpec{id: "getConnectionSync", summary: "One sync, with its progress while it runs", perm: "connections.read", tag: "connections",
			params: []parameter{connectionIDParam, syncIDParam}, status: 200, result: "ConnectionSync"}),
		doc("GET", "/connections/{connection_id}/doctor", opSpec{id: "getConnectionDoctor", summary: "The last connection-doctor result", perm: "connections.read", tag: "connections",
			params: conn, status: 200, result: "ConnectionCheckList", description: "Per feature: what it needs, whether it was granted when probed, and the help page that fixes it. Empty before the first run."}),
		doc("POST", "/connections/{connection_id}/doctor", opSpec{id: "runConnectionDoctor", summary: "Probe every feature's permissions now", perm: "connections.manage", tag: "connections",
			params: conn, status: 200, result: "ConnectionCheckList"}),
	}, onboardOperations()...)
}

func connectionSchemas() map[string]*schema {
	kinds := &schema{Type: "string", Enum: []string{"azure", "aws", "m365", "partnercenter"}}
	hour := &schema{Type: "integer", Minimum: intPtr(0), Maximum: intPtr(23), Description: "UTC hour of the daily sync; default 3"}
	settings := &schema{Type: "object", Description: "Non-secret settings of the kind (tenant ID, account ID, per-subscription access levels, options)"}
	secret := &schema{Type: "string", Description: "The credential (client secret, secret access key); write-only, never returned"}
	body := props{"name": text("Unique in the organisation, 1-100 characters"), "settings": settings, "secret": secret,
		"sync_hour": hour, "enabled": {Type: "boolean"}}
	nullableDay := &schema{Type: []string{"string", "null"}, Format: "date"}
	return map[string]*schema{
		"ConnectionCreate": closed("A new connection", merge(props{"kind": kinds}, body), "kind", "name"),
		"ConnectionUpdate": closed("Changes to a connection", body),
		"Connection": object("A cloud connection (never its secret)", props{
			"id": text("con_..."), "kind": kinds, "name": text(""), "settings": settings, "has_secret": {Type: "boolean"},
			"sync_hour": hour, "enabled": {Type: "boolean"},
			"status":         {Type: "string", Enum: []string{store.ConnectionNew, store.ConnectionOK, store.ConnectionPartial, store.ConnectionFailed}},
			"synced_through": nullableDay, "last_sync_at": nullableTimestamp(), "next_sync_at": nullableTimestamp(),
			"active_sync": {Type: []string{"object", "null"}, Description: "The queued or running ConnectionSync"},
			"created_at":  timestamp(), "updated_at": timestamp(),
		}, "id", "kind", "name", "settings", "has_secret", "sync_hour", "enabled", "status", "created_at", "updated_at"),
		"ConnectionList": list("Connection"),
		"ConnectionSync": object("One sync of a connection", props{
			"id": text("syn_..."), "trigger": {Type: "string", Enum: []string{store.TriggerScheduled, store.TriggerManual, store.TriggerRetry}},
			"state":      {Type: "string", Enum: []string{store.SyncQueued, store.SyncRunning, store.SyncSucceeded, store.SyncFailed, store.SyncPartial}},
			"created_at": timestamp(), "started_at": nullableTimestamp(), "finished_at": nullableTimestamp(),
			"rows": {Type: "integer", Description: "Cost lines imported"}, "warnings": stringList("What did not work, without failing the sync"),
			"error": text("Why the sync failed"), "attempts": {Type: "integer"},
			"progress":    object("", props{"done": {Type: "integer"}, "total": {Type: "integer"}, "phase": text("What is being done")}, "done", "total", "phase"),
			"window_from": {Type: "string", Format: "date", Description: "First day synced"},
			"window_to":   {Type: "string", Format: "date", Description: "Day after the last day synced"},
		}, "id", "trigger", "state", "created_at", "rows", "warnings", "progress", "window_from", "window_to"),
		"ConnectionSyncList": list("ConnectionSync"),
		"ConnectionCheck": object("One feature's doctor result", props{
			"feature": text("e.g. Costs, Tag write-back"), "needs": text("The permission or role it needs"), "granted": {Type: "boolean"},
			"detail": text("What the probe saw"), "fix": text("Help page slug"), "fix_url": text("/help/{fix}"), "probed_at": timestamp(),
		}, "feature", "needs", "granted", "detail", "probed_at"),
		"ConnectionCheckList":  list("ConnectionCheck"),
		"AWSExternalIDRequest": closed("The AWS account the role will be in", props{"account_id": text("12 digits")}, "account_id"),
		"AWSExternalID": object("A new external ID and the role's policies", props{"account_id": text(""), "external_id": text("Name it in the role's trust and in settings.external_id"),
			"canopy_principal": text("Canopy's AWS account, which the role trusts"), "trust_policy": text("The role's trust policy (JSON)"), "iam_policy": text("The read-only permissions policy (JSON)")},
			"account_id", "external_id", "canopy_principal", "trust_policy", "iam_policy"),
		"ConnectionTest": closed("Unsaved values to probe", props{"kind": kinds, "settings": settings, "secret": secret}, "kind"),
		"ConsentStart": closed("An admin consent to start", props{"name": text("The connection's name"), "tenant": text("Tenant ID or verified domain"),
			"tag_write": {Type: "boolean", Description: "azure: ask for Tag Contributor"}, "reservations": {Type: "boolean", Description: "azure: ask for Reservations Reader"}}, "name"),
		"ConsentURL": object("Where to send the admin", props{"kind": text(""), "consent_url": text("Entra's admin-consent URL"),
			"state": text("The OAuth state; the callback finishes the onboarding for a member of this organisation signed in to Canopy"), "callback_url": text("Canopy's redirect URI")},
			"kind", "consent_url", "state", "callback_url"),
	}
}

var consentKindParam = parameter{Name: "kind", In: "path", Required: true, Description: "azure, m365 or partnercenter", Schema: &schema{Type: "string", Enum: []string{"azure", "m365", "partnercenter"}}}

func onboardOperations() []opEntry {
	return []opEntry{
		doc("POST", "/connections/aws/external-id", opSpec{id: "newAWSExternalID", summary: "A new external ID with the role's trust and IAM policies", perm: "connections.manage", tag: "connections",
			body: "AWSExternalIDRequest", status: 200, result: "AWSExternalID", description: "Nothing is stored: keep the external ID and send it in settings.external_id when creating the connection."}),
		doc("POST", "/connections/test", opSpec{id: "testConnection", summary: "Probe a kind, settings and secret without saving", perm: "connections.manage", tag: "connections",
			body: "ConnectionTest", status: 200, result: "ConnectionCheckList", description: "Each feature's check as the doctor shows it; the secret is used once and dropped."}),
		doc("POST", "/connections/{kind}/consent", opSpec{id: "startConnectionConsent", summary: "The admin-consent URL for Azure, Microsoft 365 or Partner Center", perm: "connections.manage", tag: "connections",
			params: []parameter{consentKindParam}, body: "ConsentStart", status: 200, result: "ConsentURL",
			description: "Send the admin's browser to consent_url. Entra redirects to Canopy's callback, which (for a member of this organisation with connections.manage, signed in) probes, creates the connection and queues its first sync."}),
	}
}
