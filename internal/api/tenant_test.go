package api_test

import (
	"bytes"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/api"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// routeBodies holds a valid request body for every route, keyed by
// "METHOD pattern" ("" for routes without a body). Every route must be
// listed: a new route without an entry fails the tests below, so it cannot
// ship without a tenant-isolation and permission check. A csvBody is sent
// as text/csv.
var routeBodies = map[string]any{
	"GET /api/v1/alerts":                                                    "",
	"GET /api/v1/alerts/{alert_id}":                                         "",
	"POST /api/v1/alerts/{alert_id}/ack":                                    `{}`,
	"GET /api/v1/alerts/mutes":                                              "",
	"POST /api/v1/alerts/mutes":                                             `{"subject_dim":"service","subject":"Storage","days":3}`,
	"DELETE /api/v1/alerts/mutes/{mute_id}":                                 "",
	"GET /api/v1/alert-rules":                                               "",
	"POST /api/v1/alert-rules":                                              `{"name":"Reservations under 70","kind":"reservation","threshold":"70"}`,
	"POST /api/v1/alert-rules/evaluate":                                     `{}`,
	"GET /api/v1/alert-rules/{rule_id}":                                     "",
	"PATCH /api/v1/alert-rules/{rule_id}":                                   `{"name":"Renamed spikes","kind":"spike","sensitivity":"high","min_amount":"10"}`,
	"DELETE /api/v1/alert-rules/{rule_id}":                                  "",
	"GET /api/v1/alert-schedule":                                            "",
	"PUT /api/v1/alert-schedule":                                            `{"hour":6}`,
	"GET /api/v1/m365/analytics":                                            "",
	"GET /api/v1/m365/analytics/{connection_id}":                            "",
	"GET /api/v1/m365/analytics/{connection_id}/licences":                   "",
	"GET /api/v1/m365/analytics/{connection_id}/services":                   "",
	"GET /api/v1/m365/analytics/{connection_id}/trends":                     "",
	"GET /api/v1/m365/analytics/{connection_id}/users":                      "",
	"GET /api/v1/m365/analytics/{connection_id}/mailboxes":                  "",
	"GET /api/v1/m365/analytics/{connection_id}/mailboxes.csv":              "",
	"GET /api/v1/m365/analytics/{connection_id}/licences.csv":               "",
	"GET /api/v1/m365/analytics/{connection_id}/services.csv":               "",
	"GET /api/v1/m365/analytics/{connection_id}/reports.csv":                "",
	"GET /api/v1/m365/analytics/{connection_id}/trends.csv":                 "",
	"GET /api/v1/m365/analytics/{connection_id}/users.csv":                  "",
	"GET /api/v1/openapi.json":                                              "",
	"GET /api/v1/me":                                                        "",
	"GET /api/v1/orgs":                                                      "",
	"GET /api/v1/org":                                                       "",
	"PATCH /api/v1/org":                                                     `{"name":"Renamed by test"}`,
	"GET /api/v1/roles":                                                     "",
	"GET /api/v1/permissions":                                               "",
	"GET /api/v1/users":                                                     "",
	"POST /api/v1/users":                                                    `{"email":"newcomer@alpha.test","roles":["viewer"],"mode":"invite"}`,
	"GET /api/v1/users/{user_id}":                                           "",
	"PUT /api/v1/users/{user_id}/roles":                                     `{"roles":["viewer"]}`,
	"POST /api/v1/users/{user_id}/deactivate":                               "",
	"POST /api/v1/users/{user_id}/reactivate":                               "",
	"POST /api/v1/users/{user_id}/mfa-reset":                                "",
	"GET /api/v1/users/{user_id}/sessions":                                  "",
	"DELETE /api/v1/users/{user_id}/sessions/{session_id}":                  "",
	"GET /api/v1/tokens":                                                    "",
	"POST /api/v1/tokens":                                                   `{"name":"made by test"}`,
	"DELETE /api/v1/tokens/{token_id}":                                      "",
	"GET /api/v1/audit":                                                     "",
	"GET /api/v1/fx/rates":                                                  "",
	"PUT /api/v1/fx/rates":                                                  `{"day":"2026-01-09","base":"CHF","quote":"JPY","rate":"170.25"}`,
	"POST /api/v1/fx/rates/import":                                          csvBody("date,base,quote,rate\n2026-01-09,CHF,JPY,170.5\n"),
	"GET /api/v1/fx/rates/history":                                          "",
	"GET /api/v1/costs/explore":                                             "",
	"GET /api/v1/costs/values":                                              "",
	"GET /api/v1/costs/consumption":                                         "",
	"GET /api/v1/costs/freshness":                                           "",
	"GET /api/v1/costs/export.csv":                                          "",
	"GET /api/v1/costs/lines.csv":                                           "",
	"POST /api/v1/costs/imports":                                            multipartBody{name: "focus.csv", data: "BilledCost\n1\n"},
	"GET /api/v1/costs/imports":                                             "",
	"GET /api/v1/costs/imports/{upload_id}":                                 "",
	"GET /api/v1/connections":                                               "",
	"POST /api/v1/connections":                                              `{"kind":"aws","name":"Made by test","settings":{"account_id":"111122223333"},"secret":"test-secret-value"}`,
	"GET /api/v1/connections/{connection_id}":                               "",
	"PATCH /api/v1/connections/{connection_id}":                             `{"name":"Renamed by test"}`,
	"DELETE /api/v1/connections/{connection_id}":                            "",
	"POST /api/v1/connections/{connection_id}/sync":                         "",
	"GET /api/v1/connections/{connection_id}/syncs":                         "",
	"GET /api/v1/connections/{connection_id}/syncs/{sync_id}":               "",
	"GET /api/v1/connections/{connection_id}/doctor":                        "",
	"POST /api/v1/connections/{connection_id}/doctor":                       "",
	"POST /api/v1/connections/aws/external-id":                              `{"account_id":"111122223333"}`,
	"POST /api/v1/connections/test":                                         `{"kind":"aws","settings":{"account_id":"111122223333","auth":"keys"},"secret":"{}"}`,
	"POST /api/v1/connections/{kind}/consent":                               `{"name":"Made by test","tenant":"contoso.onmicrosoft.com"}`,
	"GET /api/v1/directory/users":                                           "",
	"GET /api/v1/directory/skus":                                            "",
	"GET /api/v1/allocation/groups":                                         "",
	"POST /api/v1/allocation/groups":                                        `{"name":"Made by test"}`,
	"GET /api/v1/allocation/groups/{group_id}":                              "",
	"PATCH /api/v1/allocation/groups/{group_id}":                            `{"name":"Renamed by test"}`,
	"DELETE /api/v1/allocation/groups/{group_id}":                           "",
	"GET /api/v1/allocation/groups/{group_id}/access":                       "",
	"PUT /api/v1/allocation/groups/{group_id}/access/{user_id}":             `{"role":"viewer"}`,
	"DELETE /api/v1/allocation/groups/{group_id}/access/{user_id}":          "",
	"GET /api/v1/allocation/rules":                                          "",
	"PUT /api/v1/allocation/rules":                                          `{"rules":[],"splits":[],"note":"made by test"}`,
	"GET /api/v1/allocation/versions":                                       "",
	"GET /api/v1/allocation/versions/{version}":                             "",
	"GET /api/v1/allocation/results":                                        "",
	"GET /api/v1/allocation/explain":                                        "",
	"GET /api/v1/allocation/licence-prices":                                 "",
	"PUT /api/v1/allocation/licence-prices":                                 `{"sku_part_number":"SPE_TEST","cost_sku":"CFQ:TEST"}`,
	"DELETE /api/v1/allocation/licence-prices/{sku_part_number}":            "",
	"POST /api/v1/resources/writeback":                                      `{"all_pending":true}`,
	"GET /api/v1/resources/writeback":                                       "",
	"GET /api/v1/resources/writeback/{batch_id}":                            "",
	"GET /api/v1/tag-conflicts":                                             "",
	"POST /api/v1/tag-conflicts/{conflict_id}/resolve":                      `{"resolution":"cloud"}`,
	"GET /api/v1/resources":                                                 "",
	"POST /api/v1/resources":                                                `{"name":"Made by test","monthly_amount":"10","currency":"EUR","from_month":"2026-01"}`,
	"POST /api/v1/resources/tags":                                           `{"filter":{"source":"virtual"},"edit":{"set":{"Owner":"test"}}}`,
	"POST /api/v1/resources/refresh":                                        "",
	"GET /api/v1/resources/coverage":                                        "",
	"GET /api/v1/resources/{resource_id}":                                   "",
	"PATCH /api/v1/resources/{resource_id}":                                 `{"set":{"Owner":"test"}}`,
	"PUT /api/v1/resources/{resource_id}/virtual":                           `{"name":"Renamed by test","monthly_amount":"10","currency":"EUR","from_month":"2026-01"}`,
	"DELETE /api/v1/resources/{resource_id}":                                "",
	"GET /api/v1/tag-aliases":                                               "",
	"POST /api/v1/tag-aliases":                                              `{"alias":"proj","canonical":"Project"}`,
	"DELETE /api/v1/tag-aliases/{alias}":                                    "",
	"GET /api/v1/tag-policies":                                              "",
	"POST /api/v1/tag-policies":                                             `{"key":"Project"}`,
	"PATCH /api/v1/tag-policies/{policy_id}":                                `{"key":"CostCenter","allowed_values":["1"]}`,
	"DELETE /api/v1/tag-policies/{policy_id}":                               "",
	"GET /api/v1/chargebacks":                                               "",
	"POST /api/v1/chargebacks":                                              `{"month":"2025-06"}`,
	"GET /api/v1/chargebacks/{month}":                                       "",
	"GET /api/v1/chargebacks/{month}/versions/{version}":                    "",
	"GET /api/v1/chargebacks/{month}/versions/{version}/diff":               "",
	"GET /api/v1/chargebacks/{month}/versions/{version}/pdf":                "",
	"GET /api/v1/chargebacks/{month}/versions/{version}/csv":                "",
	"POST /api/v1/chargebacks/{month}/versions/{version}/send":              "",
	"GET /api/v1/chargebacks/{month}/reconciliation":                        "",
	"GET /api/v1/chargebacks/extra-charges":                                 "",
	"POST /api/v1/chargebacks/extra-charges":                                `{"business_unit":"{group_id}","kind":"service_fee","percent":"5","from":"2026-10"}`,
	"PUT /api/v1/chargebacks/extra-charges/{extra_id}":                      `{"business_unit":"{group_id}","kind":"service_fee","percent":"5","from":"2026-10"}`,
	"DELETE /api/v1/chargebacks/extra-charges/{extra_id}":                   "",
	"GET /api/v1/budgets":                                                   "",
	"POST /api/v1/budgets":                                                  `{"name":"Made by test","period":"monthly","amount":"500","currency":"USD"}`,
	"GET /api/v1/budgets/{budget_id}":                                       "",
	"PUT /api/v1/budgets/{budget_id}":                                       `{"name":"Renamed by test","period":"monthly","amount":"500","currency":"USD"}`,
	"DELETE /api/v1/budgets/{budget_id}":                                    "",
	"GET /api/v1/budgets/{budget_id}/history":                               "",
	"GET /api/v1/budgets/{budget_id}/events":                                "",
	"POST /api/v1/budgets/{budget_id}/evaluate":                             "",
	"GET /api/v1/budgets/{budget_id}/change-requests":                       "",
	"POST /api/v1/budgets/{budget_id}/change-requests":                      `{"amount":"2000","reason":"made by test"}`,
	"POST /api/v1/budgets/{budget_id}/change-requests/{request_id}/approve": `{"comment":"ok"}`,
	"POST /api/v1/budgets/{budget_id}/change-requests/{request_id}/reject":  `{"comment":"no"}`,
	"GET /api/v1/webhooks":                                                  "",
	"POST /api/v1/webhooks":                                                 `{"name":"Made by test","url":"http://127.0.0.1:9/made"}`,
	"GET /api/v1/webhooks/{webhook_id}":                                     "",
	"PATCH /api/v1/webhooks/{webhook_id}":                                   `{"name":"Renamed by test","url":"http://127.0.0.1:9/renamed"}`,
	"DELETE /api/v1/webhooks/{webhook_id}":                                  "",
	"GET /api/v1/webhooks/{webhook_id}/deliveries":                          "",
	"POST /api/v1/webhooks/{webhook_id}/test":                               "",
	"GET /api/v1/sso/connections":                                           "",
	"POST /api/v1/sso/connections":                                          `{"kind":"oidc","name":"Made by test","domains":["made-by-test.test"]}`,
	"GET /api/v1/sso/connections/{sso_connection_id}":                       "",
	"PUT /api/v1/sso/connections/{sso_connection_id}":                       `{"name":"Renamed by test","domains":[]}`,
	"DELETE /api/v1/sso/connections/{sso_connection_id}":                    "",

	// SAML certificate rotation.
	"POST /api/v1/sso/connections/{sso_connection_id}/sp-certificate/rotate":     "",
	"POST /api/v1/sso/connections/{sso_connection_id}/sp-certificate/activate":   "",
	"DELETE /api/v1/sso/connections/{sso_connection_id}/sp-certificate/previous": "",

	// Marketplace: bodies name tenant alpha's fixed catalog IDs (the
	// routes without a path ID run on the caller's own organisation).
	"GET /api/v1/catalog":                                            "",
	"POST /api/v1/catalog/vendors":                                   `{"name":"Vendor by test","program":"general"}`,
	"PUT /api/v1/catalog/vendors/{vendor_id}/api":                    `{"url":"","api_key":""}`,
	"POST /api/v1/catalog/products":                                  `{"vendor_id":"VND-0001-0001","name":"Product by test"}`,
	"POST /api/v1/catalog/items":                                     `{"product_id":"PRD-0001-0001","name":"Item by test","sku":"SKU-TEST","prices":[{"term":"P1M","currency":"EUR","unit_price":"5"}]}`,
	"POST /api/v1/catalog/buyers":                                    `{"name":"Buyer by test","currency":"EUR"}`,
	"GET /api/v1/catalog/listings":                                   "",
	"PUT /api/v1/catalog/listings":                                   `{"product_id":"PRD-0001-0001","buyer_id":"buy_alpha","enabled":true}`,
	"PUT /api/v1/catalog/products/{product_id}":                      `{"name":"Product renamed by test"}`,
	"PUT /api/v1/catalog/items/{item_id}":                            `{"name":"Item renamed by test","prices":[{"term":"P1Y","currency":"EUR","unit_price":"263.88"}]}`,
	"PUT /api/v1/catalog/items/{item_id}/on-sale":                    `{"on_sale":true}`,
	"GET /api/v1/commerce/agreements":                                "",
	"GET /api/v1/commerce/agreements/{agreement_id}":                 "",
	"PUT /api/v1/commerce/agreements/{agreement_id}/po-number":       `{"po_number":"PO-TEST"}`,
	"GET /api/v1/commerce/subscriptions":                             "",
	"GET /api/v1/commerce/subscriptions/{subscription_id}":           "",
	"PUT /api/v1/commerce/subscriptions/{subscription_id}/po-number": `{"po_number":"PO-TEST"}`,
	"GET /api/v1/commerce/orders":                                    "",
	"POST /api/v1/commerce/orders":                                   `{"type":"Purchase","buyer_id":"buy_alpha","lines":[{"item_id":"ITM-0001-0001-0001","term":"P1Y","quantity":1}]}`,
	"GET /api/v1/commerce/orders/{order_id}":                         "",
	"POST /api/v1/commerce/orders/{order_id}/submit":                 "",
	"POST /api/v1/commerce/orders/{order_id}/cancel":                 `{"reason":"test"}`,
	"POST /api/v1/commerce/orders/{order_id}/answer":                 `{"answer":"test"}`,
	"POST /api/v1/commerce/orders/{order_id}/decide":                 `{"state":"failed","message":"test"}`,
	"GET /api/v1/billing/invoices":                                   "",
	"POST /api/v1/billing/invoices":                                  `{"month":"2026-11"}`,
	"GET /api/v1/billing/invoices/{invoice_id}":                      "",
	"PUT /api/v1/billing/invoices/{invoice_id}/status":               `{"status":"Paid"}`,
	"GET /api/v1/billing/invoices/{invoice_id}/pdf":                  "",
	"GET /api/v1/billing/invoices/{invoice_id}/csv":                  "",
	"GET /api/v1/billing/statements":                                 "",
	"GET /api/v1/billing/statements/{statement_id}":                  "",
	"GET /api/v1/billing/charges":                                    "",
	"GET /api/v1/billing/credit-memos":                               "",
	"GET /api/v1/recommendations":                                    "",
	"GET /api/v1/recommendations/{recommendation_id}":                "",
	"POST /api/v1/recommendations/{recommendation_id}/dismiss":       `{"reason":"Kept for the month-end batch"}`,
	"POST /api/v1/recommendations/{recommendation_id}/done":          "",
	"POST /api/v1/recommendations/{recommendation_id}/reopen":        "",
	// Microsoft 365 delegation: bodies naming the caller's own connection,
	// OU, policy and viewer get them from withIDs.
	"GET /api/v1/m365/actions":                                           "",
	"GET /api/v1/m365/ous":                                               "",
	"POST /api/v1/m365/ous":                                              `{"connection_id":"{m365_connection_id}","name":"Made by test"}`,
	"GET /api/v1/m365/ous/{ou_id}":                                       "",
	"PUT /api/v1/m365/ous/{ou_id}":                                       `{"name":"Renamed by test"}`,
	"DELETE /api/v1/m365/ous/{ou_id}":                                    "",
	"GET /api/v1/m365/ous/{ou_id}/members":                               "",
	"PUT /api/v1/m365/ous/{ou_id}/licence-policies":                      `{"licence_policies":[{"sku_id":"sku-e3","quota":1}]}`,
	"PUT /api/v1/m365/ous/{ou_id}/required-attributes":                   `{"required_attributes":[{"attribute":"usageLocation","value":"DE"}]}`,
	"GET /api/v1/m365/policies":                                          "",
	"POST /api/v1/m365/policies":                                         `{"name":"Made by test","actions":["user.revoke_sessions"]}`,
	"GET /api/v1/m365/policies/{admin_policy_id}":                        "",
	"PUT /api/v1/m365/policies/{admin_policy_id}":                        `{"name":"Renamed by test","actions":["user.reset_password"]}`,
	"DELETE /api/v1/m365/policies/{admin_policy_id}":                     "",
	"GET /api/v1/m365/delegations":                                       "",
	"POST /api/v1/m365/delegations":                                      `{"user_id":"{viewer_id}","ou_id":"{m365_ou_id}","policy_id":"{m365_policy_id}"}`,
	"GET /api/v1/m365/delegations/{delegation_id}":                       "",
	"PUT /api/v1/m365/delegations/{delegation_id}":                       `{"user_id":"{viewer_id}","ou_id":"{m365_ou_id}","policy_id":"{m365_policy_id}"}`,
	"DELETE /api/v1/m365/delegations/{delegation_id}":                    "",
	"GET /api/v1/m365/connections/{connection_id}/users/{object_id}/ous": "",
	"POST /api/v1/m365/connections/{connection_id}/evaluate":             `{"action":"user.reset_password","target_id":"alex"}`,
	"GET /api/v1/m365/connections/{connection_id}/compliance":            "",
	"POST /api/v1/m365/connections/{connection_id}/actions":              `{"action":"user.revoke_sessions","target_ids":["alex"]}`,
	"POST /api/v1/m365/connections/{connection_id}/compliance/remediate": `{"all":true}`,
	"GET /api/v1/m365/collector-key":                                     "",
	"GET /api/v1/m365/connections/{connection_id}/service-account":       "",
	"PUT /api/v1/m365/connections/{connection_id}/service-account":       `{"username":"svc@contoso.test","password_jwe":"a.b.c.d.e"}`,
	"DELETE /api/v1/m365/connections/{connection_id}/service-account":    "",
}

// routeQueries holds the query a route needs to succeed. The fx ones aim
// at the pair and day every tenant's seeded rate has.
var routeQueries = map[string]string{
	"GET /api/v1/fx/rates":                                 "?from=2026-01-01&to=2026-01-31",
	"GET /api/v1/fx/rates/history":                         "?base=CHF&quote=JPY",
	"GET /api/v1/costs/values":                             "?dim=service",
	"GET /api/v1/allocation/explain":                       "?resource=/subscriptions/x/resourceGroups/y/providers/z/w",
	"GET /api/v1/m365/analytics/{connection_id}/users":     "?service=exchange&state=inactive",
	"GET /api/v1/m365/analytics/{connection_id}/users.csv": "?sku=SPE_E3",
}

// target is the URL path and query of a route on a tenant's objects.
func target(t *testing.T, rt api.Route, tn tenant) string {
	t.Helper()
	return fillPath(t, rt.Pattern, tn) + routeQueries[rt.Method+" "+rt.Pattern]
}

// withIDs puts the caller's IDs into a body that names one of its
// objects (an extra charge's business unit).
func withIDs(body any, tn tenant) any {
	if s, ok := body.(string); ok {
		return strings.NewReplacer("{group_id}", tn.groupID, "{m365_connection_id}", tn.dlg.connID, "{m365_ou_id}", tn.dlg.ouID,
			"{m365_policy_id}", tn.dlg.policyID, "{viewer_id}", tn.viewer.ID).Replace(s)
	}
	return body
}

// casesFor pairs every route with its body, failing for routes missing
// from routeBodies and for entries no longer routed.
func casesFor(t *testing.T, routes []api.Route) map[api.Route]any {
	t.Helper()
	out := map[api.Route]any{}
	seen := map[string]bool{}
	for _, rt := range routes {
		key := rt.Method + " " + rt.Pattern
		body, ok := routeBodies[key]
		if !ok {
			t.Errorf("route %s has no entry in routeBodies: add a body so it is covered", key)
			continue
		}
		seen[key] = true
		if body == "" {
			out[rt] = nil
		} else {
			out[rt] = body
		}
	}
	for key := range routeBodies {
		if !seen[key] {
			t.Errorf("routeBodies lists %s, which is not a route", key)
		}
	}
	for key := range routeQueries {
		if !seen[key] {
			t.Errorf("routeQueries lists %s, which is not a route", key)
		}
	}
	return out
}

// TestTenantIsolation calls every route with org A's owner token (who
// holds every permission) on org B's objects, and checks that nothing of
// B is read or changed.
func TestTenantIsolation(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		for rt, body := range casesFor(t, f.api.RouteList()) {
			what := rt.Method + " " + rt.Pattern
			res := f.do(rt.Method, target(t, rt, f.b), f.a.ownerToken, withIDs(body, f.a))
			// {kind} names no object; every other parameter is one of B's IDs.
			if strings.Contains(strings.ReplaceAll(rt.Pattern, "{kind}", ""), "{") {
				if res.status != http.StatusNotFound && res.status != http.StatusForbidden {
					t.Errorf("%s on org B's objects: status %d, want 404 or 403 (body %s)", what, res.status, res.body)
				}
			} else if res.status >= 300 {
				t.Errorf("%s: status %d, want success on the caller's own org (body %s)", what, res.status, res.body)
			}
			f.assertNoTrace(t, what, res, f.b)
		}
		// Mixed IDs: the caller's own user with B's session.
		path := "/api/v1/users/" + f.a.owner.ID + "/sessions/" + f.b.sessionID
		f.do("DELETE", path, f.a.ownerToken, nil).wantError(t, "revoke B's session as own", 404, domain.CodeNotFound)
		res := f.do("GET", "/api/v1/users?q="+f.b.owner.Email, f.a.ownerToken, nil)
		f.assertNoTrace(t, "search for B's owner", res, f.b)
		// And the other way round: B's token on A's objects.
		f.do("GET", "/api/v1/users/"+f.a.owner.ID, f.b.ownerToken, nil).wantError(t, "B reads A's owner", 404, domain.CodeNotFound)
		res = f.do("GET", "/api/v1/fx/rates/history?base=CHF&quote=JPY", f.b.ownerToken, nil)
		res.wantStatus(t, "B reads its rate history", 200)
		f.assertNoTrace(t, "B reads its rate history", res, f.a)
		f.assertIntact(t, f.b, "Beta Tenant", f.a.owner.ID)
	})
}

// assertNoTrace fails when a response mentions any of a tenant's IDs,
// emails or name.
func (f *fixture) assertNoTrace(t *testing.T, what string, res response, tn tenant) {
	t.Helper()
	for _, s := range []string{tn.org.ID, tn.org.Name, tn.owner.ID, tn.owner.Email, tn.viewer.ID, tn.viewer.Email,
		tn.ownerTokenID, tn.viewerTokenID, tn.sessionID, tn.seedRate.value, tn.seedRate.source, tn.uploadID,
		tn.connectionID, tn.syncID, tn.resourceID, tn.conflictID, tn.batchID, tn.mkt.agreementID, tn.mkt.subscriptionID,
		tn.mkt.orderID, tn.mkt.invoiceID, tn.mkt.vendorID, tn.mkt.statementID, tn.mkt.productID, tn.mkt.itemID,
		tn.dlg.connID, tn.dlg.ouID, tn.dlg.policyID, tn.dlg.delegationID} {
		if bytes.Contains(res.body, []byte(s)) {
			t.Errorf("%s: response contains %q of the other organisation: %s", what, s, res.body)
		}
	}
}

// assertIntact checks that a tenant's seeded state is unchanged and that
// intruder wrote nothing into its audit log.
func (f *fixture) assertIntact(t *testing.T, tn tenant, orgName, intruder string) {
	t.Helper()
	org, err := f.st.GetOrg(f.ctx, tn.org.ID)
	if err != nil || org.Name != orgName || org.MFARequired || org.ReportingCurrency != domain.DefaultReportingCurrency {
		t.Errorf("org changed: %+v %v", org, err)
	}
	f.assertRatesIntact(t, tn)
	for _, m := range []struct {
		u    domain.User
		role string
	}{{tn.owner, auth.RoleOwner}, {tn.viewer, auth.RoleViewer}} {
		got, err := f.st.GetMember(f.ctx, tn.org.ID, m.u.ID)
		if err != nil || got.EffectiveStatus() != domain.UserActive || len(got.Grants) != 1 || got.Grants[0].Role != m.role {
			t.Errorf("member %s changed: status %s grants %+v err %v", m.u.Email, got.EffectiveStatus(), got.Grants, err)
		}
		if got.User.MFAEnabled != m.u.MFAEnabled {
			t.Errorf("member %s: MFA changed to %v", m.u.Email, got.User.MFAEnabled)
		}
	}
	for _, tok := range []string{tn.ownerToken, tn.viewerToken} {
		if _, err := f.svc.AuthenticateToken(f.ctx, tok); err != nil {
			t.Errorf("token no longer works: %v", err)
		}
	}
	sessions, err := f.st.ListSessions(f.ctx, tn.owner.ID)
	if err != nil || !slices.ContainsFunc(sessions, func(s domain.SessionInfo) bool { return s.ID == tn.sessionID }) {
		t.Errorf("owner's session gone: %v", err)
	}
	log, err := f.st.ListAudit(f.ctx, tn.org.ID, store.AuditFilter{Limit: 200})
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range log.Items {
		if e.ActorID == intruder {
			t.Errorf("audit entry by the other org's user: %+v", e)
		}
	}
}

// TestViewerCannotWrite sends every non-GET route, with a valid body, to
// org A's own objects with the viewer's token: each must be refused with
// 403. There are no exceptions: the only routes open to any member (the
// session ones) act on one's own sessions, and here they target the
// owner's, which needs users.manage.
func TestViewerCannotWrite(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		writes := 0
		for rt, body := range casesFor(t, f.api.RouteList()) {
			if rt.Method == http.MethodGet {
				continue
			}
			writes++
			what := "viewer " + rt.Method + " " + rt.Pattern
			path := target(t, rt, f.a)
			f.do(rt.Method, path, f.a.viewerToken, body).wantError(t, what, 403, domain.CodeForbidden)
			// The permission is checked before the body is read: junk
			// gets the same answer, not a 400 that would reveal the route's
			// input rules to someone who may not use it.
			f.do(rt.Method, path, f.a.viewerToken, `{"junk":`).wantError(t, what+" (junk body)", 403, domain.CodeForbidden)
		}
		if writes < 9 {
			t.Errorf("only %d write routes checked", writes)
		}
		f.assertIntact(t, f.a, "Alpha Tenant", f.a.viewer.ID)
		if n := len(f.mail.To("newcomer@alpha.test")); n != 0 {
			t.Errorf("viewer's refused invitation still sent %d emails", n)
		}
	})
}
