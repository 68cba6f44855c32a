package api

import "github.com/canopyhq/canopy/internal/sso"

var ssoConnectionIDParam = pathParam("sso_connection_id", "A single sign-on connection's ID (sso_...)")

func ssoOperations() []opEntry {
	c := []parameter{ssoConnectionIDParam}
	return []opEntry{
		doc("GET", "/sso/connections", opSpec{id: "listSSOConnections", summary: "Single sign-on connections", perm: "settings.manage", tag: "sso", status: 200, result: "SSOConnectionList"}),
		doc("POST", "/sso/connections", opSpec{id: "createSSOConnection", summary: "Add a single sign-on connection", perm: "settings.manage", tag: "sso", body: "SSOConnectionInput", status: 201, result: "SSOConnection",
			description: "New connections are disabled unless enabled is true. A domain belongs to at most one connection across all organisations (409 otherwise). The client secret is stored encrypted and never returned. A connection naming a metadata_url has its identity provider metadata fetched when saved (a failure is shown in idp_metadata, not refused) and every hour."}),
		doc("GET", "/sso/connections/{sso_connection_id}", opSpec{id: "getSSOConnection", summary: "One single sign-on connection", perm: "settings.manage", tag: "sso", params: c, status: 200, result: "SSOConnection"}),
		doc("PUT", "/sso/connections/{sso_connection_id}", opSpec{id: "updateSSOConnection", summary: "Replace a connection's settings", perm: "settings.manage", tag: "sso", params: c, body: "SSOConnectionInput", status: 200, result: "SSOConnection",
			description: "Everything is replaced except the kind (which cannot change); an absent client_secret or enabled keeps the current one."}),
		doc("DELETE", "/sso/connections/{sso_connection_id}", opSpec{id: "deleteSSOConnection", summary: "Remove a connection; its domains sign in with passwords again", perm: "settings.manage", tag: "sso", params: c, status: 204}),
		doc("POST", "/sso/connections/{sso_connection_id}/sp-certificate/rotate", opSpec{id: "rotateSSOSPCertificate", summary: "Start a rotation of Canopy's SAML signing certificate", perm: "settings.manage", tag: "sso", params: c, status: 200, result: "SSOConnection",
			description: "SAML kinds only (400 otherwise). Makes a new key and certificate, published in the SP metadata after the current one, which keeps signing until activation. 409 when a new certificate is already waiting. Audited sso.sp_key_rotate."}),
		doc("POST", "/sso/connections/{sso_connection_id}/sp-certificate/activate", opSpec{id: "activateSSOSPCertificate", summary: "Sign with the new SAML certificate", perm: "settings.manage", tag: "sso", params: c, status: 200, result: "SSOConnection",
			description: "The next certificate becomes the current one (it signs requests from now on); the replaced one stays published in the metadata as previous until removed. 409 without a next certificate. Audited sso.sp_key_activate."}),
		doc("DELETE", "/sso/connections/{sso_connection_id}/sp-certificate/previous", opSpec{id: "removeSSOPreviousSPCertificate", summary: "Stop publishing the SAML certificate a rotation replaced", perm: "settings.manage", tag: "sso", params: c, status: 200, result: "SSOConnection",
			description: "409 when there is none. Audited sso.sp_key_remove_previous."}),
	}
}

func ssoSchemas() map[string]*schema {
	kinds := make([]string, len(sso.Kinds))
	for i, k := range sso.Kinds {
		kinds[i] = k.Key
	}
	claims := closed("Claims read per attribute, first with a value wins; an empty list takes the kind's default",
		props{"email": stringList("e.g. email, upn, sub"), "given_name": stringList(""), "family_name": stringList(""),
			"display_name": stringList(""), "groups": stringList("")})
	groupRole := closed("Members of a group get a role when their account is created just in time, and at each sign-in when sync_roles is on",
		props{"group": text(""), "role": text("admin, finops, procurement, buyer or viewer")}, "group", "role")
	settings := &schema{Type: "object", Description: "oidc: issuer, client_id, scopes. azure-ad: tenant_id, client_id, endpoint (v2 or v1), " +
		"multi_tenant, allowed_tenants, authority, scopes. saml, pingfederate: metadata_url or metadata_xml, or by hand idp_entity_id, " +
		"sign_in_url (pingfederate: or pingfederate_url), sign_out_url, certificates (PEM); signature_algorithm (rsa-sha256 or rsa-sha1), " +
		"binding (redirect or post), allow_idp_initiated, name_id_format (unspecified, email, persistent or transient); " +
		"sp_certificate, sp_next_certificate and sp_previous_certificate are set by Canopy (see sp_certificates). wsfed: metadata_url or metadata_xml " +
		"(federation metadata), or by hand sign_in_url (the passive endpoint), certificates (PEM, several for rollover) and issuer; " +
		"realm (default urn:canopy:{id}). " +
		"Every kind: single_logout (false: signing out of Canopy does not sign out at the identity provider; default on " +
		"when the provider has an end_session_endpoint or SLO URL, and for wsfed)."}
	syncRoles := &schema{Type: "boolean", Description: "At each sign-in set the member's roles in this organisation to those their groups map to " +
		"(group_roles); without a matching group the roles stay; owner is never given nor taken. Default false."}
	spCert := closed("One of Canopy's SAML signing certificates", props{"use": {Type: "string", Enum: []string{sso.SPKeyCurrent, sso.SPKeyNext, sso.SPKeyPrevious},
		Description: "current signs requests; next is published before it is activated; previous is still published after a rotation"},
		"sha256": text("SHA-256 fingerprint of the certificate"), "not_after": timestamp()}, "use", "sha256", "not_after")
	when := &schema{Type: []string{"string", "null"}, Format: "date-time", Description: "RFC 3339, UTC; null: never"}
	metadata := object("Identity provider metadata fetched from metadata_url (cached; refreshed hourly and on save)", props{
		"url": text("The metadata URL"), "fetched_at": when,
		"last_error": text("Why the last refresh failed; absent after a success. The metadata fetched before stays in use"),
		"error_at":   when}, "url", "fetched_at")
	groups := &schema{Type: "array", Items: groupRole}
	return map[string]*schema{
		"SSOConnectionInput": closed("A connection's settings", props{"kind": {Type: "string", Enum: kinds}, "name": text(""),
			"enabled": {Type: "boolean"}, "domains": stringList("Email domains sent to this connection"), "settings": settings,
			"client_secret": text("Absent: keep the current one"), "claims": claims, "group_roles": groups, "sync_roles": syncRoles,
			"jit": {Type: "boolean", Description: "Create accounts just in time"}, "jit_role": text("Role of such accounts; default viewer")}, "name"),
		"SSOConnection": object("A single sign-on connection (never its client secret)", props{"id": text("sso_..."),
			"kind": {Type: "string", Enum: kinds}, "name": text(""), "enabled": {Type: "boolean"}, "domains": stringList(""),
			"settings": settings, "has_client_secret": {Type: "boolean"}, "claims": claims, "claims_in_use": claims, "group_roles": groups,
			"sync_roles": syncRoles, "jit": {Type: "boolean"}, "jit_role": text(""), "callback_url": text("The redirect URL to register at the identity provider"),
			"post_logout_redirect_uri": text("OpenID Connect kinds and wsfed: the sign-out return URL ({base}/signed-out; wsfed: the wreply of wsignout1.0)"),
			"frontchannel_logout_uri":  text("OpenID Connect kinds: the optional front-channel logout URI (the provider adds iss and sid)"),
			"sp_slo_url":               text("SAML kinds: Canopy's single logout service (in the SP metadata)"),
			"sp_metadata_url":          text("SAML kinds: Canopy's service-provider metadata for the identity provider"),
			"sp_entity_id":             text("SAML kinds: Canopy's entity ID, urn:canopy:{id}"),
			"sp_certificates":          {Type: "array", Items: spCert, Description: "SAML kinds: Canopy's certificates in the order the metadata publishes them"},
			"warnings":                 stringList("Settings that weaken security, e.g. IdP-initiated sign-in allowed"),
			"wsfed_realm":              text("wsfed: the realm (wtrealm) to register at the STS and the audience of its tokens"),
			"idp_metadata":             metadata,
			"created_at":               timestamp(), "updated_at": timestamp()}, "id", "kind", "name", "enabled", "domains", "callback_url"),
		"SSOConnectionList": list("SSOConnection"),
	}
}
