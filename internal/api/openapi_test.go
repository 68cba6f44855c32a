package api

import (
	"encoding/json"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/alerts"
	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/recommend"
	"github.com/canopyhq/canopy/internal/sso"
	"github.com/canopyhq/canopy/internal/svcaccount"
)

// served fetches the document over HTTP, without a token.
func served(t *testing.T) (*API, map[string]any) {
	t.Helper()
	a := New(nil, nil)
	mux := http.NewServeMux()
	a.Routes(mux)
	srv := httptest.NewServer(mux)
	defer srv.Close()
	res, err := http.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != 200 || res.Header.Get("Content-Type") != "application/json" {
		t.Fatalf("openapi.json: %d %s", res.StatusCode, res.Header.Get("Content-Type"))
	}
	var doc map[string]any
	if err := json.Unmarshal(body, &doc); err != nil {
		t.Fatalf("openapi.json is not JSON: %v", err)
	}
	return a, doc
}

func TestOpenAPIDescribesEveryRoute(t *testing.T) {
	a, doc := served(t)
	if v, _ := doc["openapi"].(string); !strings.HasPrefix(v, "3.1.") {
		t.Errorf("openapi version %q, want 3.1.x", v)
	}
	documented := map[string]string{} // "METHOD path" -> x-canopy-permission
	for path, item := range doc["paths"].(map[string]any) {
		for method, op := range item.(map[string]any) {
			perm, _ := op.(map[string]any)["x-canopy-permission"].(string)
			documented[strings.ToUpper(method)+" "+path] = perm
		}
	}
	routed := map[string]string{}
	for _, rt := range a.RouteList() {
		perm := string(rt.Permission)
		switch {
		case rt.Public:
			perm = "public"
		case perm == "":
			perm = "any"
		}
		routed[rt.Method+" "+rt.Pattern] = perm
	}
	if !maps.Equal(documented, routed) {
		t.Errorf("documented operations differ from routes:\n doc:    %v\n routes: %v", documented, routed)
	}
}

var pathParamRE = regexp.MustCompile(`\{([a-z_]+)\}`)

// TestOpenAPIIsConsistent checks what a validator would: unique operation
// IDs, declared path parameters, resolvable references, security.
func TestOpenAPIIsConsistent(t *testing.T) {
	d := buildDocument()
	ids := map[string]bool{}
	for path, item := range d.Paths {
		for method, op := range item {
			what := method + " " + path
			if ids[op.OperationID] || op.OperationID == "" {
				t.Errorf("%s: operationId %q missing or repeated", what, op.OperationID)
			}
			ids[op.OperationID] = true
			var declared, inPath []string
			for _, p := range op.Parameters {
				if p.In == "path" {
					declared = append(declared, p.Name)
				}
			}
			for _, m := range pathParamRE.FindAllStringSubmatch(path, -1) {
				inPath = append(inPath, m[1])
			}
			if !slices.Equal(declared, inPath) {
				t.Errorf("%s: path parameters %v, declared %v", what, inPath, declared)
			}
			if (op.Security != nil) != (op.Permission == "public") {
				t.Errorf("%s: security override only on public operations", what)
			}
		}
	}
	imp := d.Paths[Prefix+"/fx/rates/import"]["post"]
	if imp == nil || imp.RequestBody == nil || imp.RequestBody.Content["text/csv"].Schema == nil {
		t.Errorf("the rate import does not document its text/csv body")
	}
	raw, _ := json.Marshal(d)
	for _, m := range regexp.MustCompile(`"\$ref":"#/components/schemas/([A-Za-z]+)"`).FindAllStringSubmatch(string(raw), -1) {
		if d.Components.Schemas[m[1]] == nil {
			t.Errorf("$ref to missing schema %s", m[1])
		}
	}
}

// TestSchemasMatchViews keeps each schema's properties equal to the JSON
// fields of the Go type the API encodes or decodes.
func TestSchemasMatchViews(t *testing.T) {
	types := map[string]any{
		"Error": errorBody{}, "Account": accountView{}, "User": userView{}, "UserCreated": createdUserView{},
		"Me": meView{}, "Org": orgView{}, "Role": roleView{}, "Permission": permissionView{},
		"Token": tokenView{}, "TokenCreated": createdTokenView{}, "Session": sessionView{}, "AuditEvent": auditView{},
		"OrgUpdate": orgPatch{}, "UserCreate": newUser{}, "RoleAssignment": roleAssignment{}, "TokenCreate": newToken{},
		"UserList": listView[userView]{}, "FXRate": rateView{}, "FXRateChange": rateChangeView{}, "FXRateSet": rateInput{},
		"FXRatesSaved": ratesSavedView{}, "FXRateList": listView[rateView]{},
		"CostExplore": exploreView{}, "CostValue": costs.DimValue{}, "CostConsumption": costs.ConsumptionRow{},
		"CostFreshness": freshnessView{}, "CostFreshnessList": freshnessListView{}, "CostValueList": listView[costs.DimValue]{},
		"CostImport": costImportView{}, "CostUpload": uploadView{}, "Measures": measuresView{}, "CostUploadAccepted": uploadAccepted{},
		"GroupInput": allocation.GroupInput{}, "Group": allocation.Group{}, "AllocationVersion": allocation.Version{}, "RulesUpdate": rulesBody{},
		"RulesSaved": allocation.Saved{}, "AllocationTotal": allocation.Total{}, "AllocationResults": allocation.Results{},
		"Explanation": allocation.Explanation{}, "LicencePrice": allocation.LicencePrice{},
		"GroupAccess": allocation.Access{}, "GroupAccessSet": accessBody{},
		"ChargebackGenerate": generateBody{}, "ChargebackVersion": chargeback.Version{}, "Chargeback": chargeback.Detail{},
		"ChargebackUnit": chargeback.Unit{}, "ChargebackLine": chargeback.Line{}, "ChargebackUncharged": chargeback.Owned{},
		"ChargebackDiff": chargeback.Diff{}, "ChargebackUnitDiff": chargeback.UnitDiff{}, "ChargebackLineDiff": chargeback.LineDiff{},
		"ChargebackSent": chargeback.Sent{}, "ChargebackReconciliation": chargeback.Reconciliation{},
		"ExtraChargeInput": chargeback.ExtraInput{}, "ExtraCharge": chargeback.Extra{},
		"BudgetInput": budgets.Input{}, "Budget": budgets.Budget{}, "BudgetStatus": budgets.Status{}, "BudgetChange": budgets.Change{},
		"AlertRule": alerts.Rule{}, "AlertRuleInput": alerts.RuleInput{}, "Alert": alerts.Alert{}, "AlertMute": alerts.Mute{},
		"AlertMuteInput": alerts.MuteInput{}, "AlertEvaluation": alerts.Evaluation{}, "AlertSchedule": alerts.Schedule{},
		"AlertScheduleSet": scheduleBody{},
		"BudgetEvent":      budgets.Event{}, "BudgetEvaluated": evaluatedView{}, "ChangeRequestInput": budgets.RequestInput{},
		"ChangeDecision": budgets.Decision{}, "ChangeRequest": budgets.ChangeRequest{}, "WebhookInput": notify.WebhookInput{},
		"Webhook": notify.Webhook{}, "WebhookCreated": webhookCreatedView{}, "WebhookDelivery": notify.Delivery{}, "WebhookTestSent": testSentView{},
		"SSOConnectionInput": sso.Input{}, "SSOConnection": sso.Connection{},
		"Recommendation": recommend.Recommendation{}, "RecommendationList": recommend.List{}, "RecommendationDismiss": dismissBody{},
		"M365Action": delegation.ActionInfo{}, "OUInput": delegation.OUInput{}, "OU": delegation.OU{}, "OUMember": delegation.MemberView{},
		"LicencePoliciesSet": licencePoliciesBody{}, "RequiredAttributesSet": requiredAttributesBody{}, "AdminPolicyInput": delegation.PolicyInput{},
		"AdminPolicy": delegation.Policy{}, "DelegationInput": delegation.DelegationInput{}, "Delegation": delegation.Delegation{},
		"Placement": delegation.Placement{}, "EvaluateInput": evaluateBody{}, "Decision": delegation.Decision{}, "ComplianceReport": delegation.Report{},
		"CollectorKey": svcaccount.JWK{}, "ServiceAccount": svcaccount.Account{}, "ServiceAccountInput": svcaccount.Input{},
	}
	schemas := schemas()
	for name, v := range types {
		got := slices.Sorted(maps.Keys(schemas[name].Properties))
		want := jsonFields(reflect.TypeOf(v))
		if !slices.Equal(got, want) {
			t.Errorf("schema %s has %v, type has %v", name, got, want)
		}
	}
}

// jsonFields lists a struct's JSON names, following embedded structs.
func jsonFields(t reflect.Type) []string {
	var out []string
	for f := range t.Fields() {
		name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
		if f.Anonymous && name == "" {
			out = append(out, jsonFields(f.Type)...)
			continue
		}
		if name != "-" && f.IsExported() { // encoding/json skips unexported fields
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out
}
