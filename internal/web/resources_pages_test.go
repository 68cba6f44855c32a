package web

import (
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/store"
)

func resourceSamplePages() []pageCase {
	l := sampleLayout(NavResources)
	l.Can["allocation.read"], l.Can["allocation.write"] = true, true
	ro := sampleLayout(NavResources)
	ro.Can["allocation.read"] = true
	row := ResourceRow{ID: "res_1", Name: "vm-web-01", ResourceID: "/subscriptions/s1/resourceGroups/rg-web/vm-web-01", Provider: "Microsoft",
		Type: "virtualmachines", Region: "westeurope", SubAccount: "s1", ResourceGroup: "rg-web", Source: store.ResourceFromCosts,
		Tags: []TagCell{{"Environment", "prod"}}, Pending: true, Missing: []string{"CostCenter"}, Cost: []string{"1,234.50 EUR"}}
	list := ResourcesPage{Layout: l, Filter: inventory.Filter{SubAccount: "s1", Missing: "CostCenter"}, From: "2026-01-01", To: "2026-01-30",
		Facets: store.ResourceFacets{SubAccounts: []string{"s1", "s2"}, Total: 2}, Policies: []string{"CostCenter"},
		Rows: []ResourceRow{row}, Cursor: "c1", NextCursor: "c2", CanEdit: true, Confirm: true, Matching: 7,
		Bulk: BulkForm{Set: "CostCenter=42"}}
	detail := ResourcePage{Layout: l, Resource: row, From: "2026-01-01", To: "2026-01-30", CanEdit: true,
		TagRows: []TagCompare{{Key: "Environment", Cloud: "dev", Canopy: "prod", InCloud: true, InCanopy: true, Changed: true, HasPending: true}}}
	virtualRow := row
	virtualRow.Virtual, virtualRow.Source = true, store.ResourceFromVirtual
	return []pageCase{
		{list, []string{`data-resource="res_1"`, `<option value="s1" selected>s1</option>`, `<option value="CostCenter" selected>CostCenter</option>`,
			`data-missing="CostCenter"`, `1,234.50 EUR`, `Pending`, `data-matching="7"`, `name="confirm" value="yes"`,
			`type="hidden" name="sub_account" value="s1"`, `href="/resources?cursor=c2&amp;from=2026-01-01&amp;missing=CostCenter&amp;sub_account=s1&amp;to=2026-01-30"`,
			`action="/resources/refresh"`, `href="/resources/coverage?missing=CostCenter&amp;sub_account=s1"`, `missing = CostCenter, sub account = s1`}},
		{ResourcesPage{Layout: ro}, []string{`No resources match.`}},
		{detail, []string{`action="/resources/res_1/tags"`, `Pending write-back`, `data-tag="Environment"`, `name="rename"`, `1,234.50 EUR`}},
		{ResourcePage{Layout: l, Resource: virtualRow, CanEdit: true, Virtual: &VirtualForm{ID: "res_1", Amount: "500", Currency: "EUR", From: "2026-01"}},
			[]string{`href="/resources/res_1/virtual"`, `action="/resources/res_1/delete"`, `500 EUR from 2026-01, open-ended`}},
		{VirtualPage{Layout: l, Form: VirtualForm{Name: "Support", Currency: "EUR", From: "2026-01"}, FormErrors: FormErrors{FieldErrors: FieldErrors{"monthly_amount": "The monthly amount is a number such as 1250.00."}}},
			[]string{`action="/resources/virtual"`, `name="monthly_amount"`, `id="v-amount-error"`, `type="month"`}},
		{VirtualPage{Layout: l, Form: VirtualForm{ID: "res_9", Name: "Support"}}, []string{`action="/resources/res_9/virtual"`, `Edit Support`}},
		{TagSettingsPage{Layout: sampleLayout(NavSettingsTags), CanEdit: true, Aliases: []inventory.Alias{{Alias: "env", Canonical: "Environment"}},
			Policies: []PolicyRow{{ID: "tpo_1", Key: "CostCenter", Allowed: "10, 20"}}},
			[]string{`data-alias="env"`, `action="/settings/tags/aliases/delete"`, `action="/settings/tags/policies/tpo_1/delete"`, `10, 20`, `name="allowed_values"`}},
		{CoveragePage{Layout: sampleLayout(NavResourcesCoverage), From: "2026-01-01", To: "2026-01-30", Policies: []string{"CostCenter"},
			Filter: inventory.Filter{Source: "virtual"},
			Overall: CoverageRowView{Resources: 4, Compliant: 2, ResourcePct: "50.0%", MissingURL: "/resources?missing=%2A",
				Cost: []CoverageCostView{{Compliant: "130.00 EUR", Total: "200.00 EUR", Percent: "65.0%"}}},
			Groups: []CoverageGroupView{{Key: "sub_account", Name: "Subscription / account", Rows: []CoverageRowView{{Group: "s1", Resources: 2, Compliant: 1, ResourcePct: "50.0%"}}}}},
			[]string{`data-resource-pct="50.0%"`, `data-cost-pct="65.0%"`, `130.00 EUR of 200.00 EUR`, `Per Subscription / account`, `data-group="s1"`,
				`Of the resources where source = virtual`, `type="hidden" name="source" value="virtual"`}},
	}
}
