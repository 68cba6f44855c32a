package api

func serviceAccountOperations() []opEntry {
	conn := []parameter{m365ConnParam}
	const tag = "m365-service-accounts"
	return []opEntry{
		doc("GET", "/m365/collector-key", opSpec{id: "getCollectorKey", summary: "The collector's public key (JWK) to encrypt service-account passwords to", perm: "connections.read", tag: tag, status: 200, result: "CollectorKey",
			description: "RSA (3072 bits), alg RSA-OAEP-256. Made on first need; after a key rotation a new kid. Encrypt the password as a compact JWE " +
				"with alg RSA-OAEP-256, enc A256GCM and this kid in the protected header."}),
		doc("GET", "/m365/connections/{connection_id}/service-account", opSpec{id: "getServiceAccount", summary: "A Microsoft 365 connection's service account (never its password)", perm: "connections.read", tag: tag, params: conn, status: 200, result: "ServiceAccount",
			description: "404 when none is set. state: unverified (not used yet), ok, wrong_password or failed, as the last sync saw it."}),
		doc("PUT", "/m365/connections/{connection_id}/service-account", opSpec{id: "setServiceAccount", summary: "Set or replace the service account", perm: "connections.manage", tag: tag, params: conn, body: "ServiceAccountInput", status: 200, result: "ServiceAccount",
			description: "password_jwe is a compact JWE of the password (RSA-OAEP-256 + A256GCM, kid of the current collector key, at most 256 bytes of password). " +
				"The server checks its structure and header without decrypting it (it cannot) and stores it; only the collector decrypts it when a sync needs the account. " +
				"A JWE for another kid (e.g. a retired key) is refused: fetch the key again. Audited without any secret."}),
		doc("DELETE", "/m365/connections/{connection_id}/service-account", opSpec{id: "deleteServiceAccount", summary: "Remove the service account", perm: "connections.manage", tag: tag, params: conn, status: 204}),
	}
}

func serviceAccountSchemas() map[string]*schema {
	return map[string]*schema{
		"CollectorKey": object("An RSA public key as a JWK (RFC 7517)", props{"kty": text("RSA"), "kid": text("The key ID to put in the JWE header"),
			"alg": text("RSA-OAEP-256"), "use": text("enc"), "n": text("Modulus, base64url"), "e": text("Exponent, base64url")}, "kty", "kid", "alg", "n", "e"),
		"ServiceAccountInput": closed("A service account", props{"username": text("User principal name, e.g. reports@contoso.onmicrosoft.com"),
			"password_jwe": text("The password as a compact JWE to the collector key")}, "username", "password_jwe"),
		"ServiceAccount": object("A connection's service account, without its password", props{"connection_id": text(""), "username": text(""),
			"kid": text("The collector key the stored JWE is encrypted to"), "set_at": timestamp(), "set_by": text(""),
			"last_used_at": nullableTimestamp(), "state": {Type: "string", Enum: []string{"unverified", "ok", "wrong_password", "failed"}},
			"detail": text("What the last sync saw, with the fix"), "checked_at": nullableTimestamp()}, "connection_id", "username", "kid", "set_at", "state"),
	}
}
