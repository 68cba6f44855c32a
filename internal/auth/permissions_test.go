package auth

import (
	"regexp"
	"slices"
	"strings"
	"testing"
)

func TestPermissionCatalog(t *testing.T) {
	required := []Permission{
		"org.read", "org.manage", "org.owner", "users.read", "users.manage", "roles.manage",
		"tokens.manage", "audit.read", "settings.manage", "costs.read", "costs.export", "costs.import",
		"allocation.read", "allocation.write", "budgets.read", "budgets.write",
		"chargebacks.read", "chargebacks.write", "recommendations.read", "recommendations.act",
		"m365.read", "m365.manage", "m365.delegate", "marketplace.read", "marketplace.purchase",
		"marketplace.manage", "connections.read", "connections.manage",
	}
	all := AllPermissions()
	keyRE := regexp.MustCompile(`^[a-z0-9]+\.[a-z]+$`)
	seen := map[Permission]bool{}
	for _, info := range all {
		if !keyRE.MatchString(string(info.Key)) || info.Description == "" || seen[info.Key] || !info.Key.Valid() {
			t.Fatalf("bad catalog entry %+v", info)
		}
		seen[info.Key] = true
	}
	for _, p := range required {
		if !seen[p] {
			t.Errorf("catalog lacks %s", p)
		}
	}
	if Permission("costs.delete").Valid() {
		t.Error("an unknown permission is valid")
	}
	all[0].Description = "changed"
	if AllPermissions()[0].Description == "changed" {
		t.Error("AllPermissions exposes the catalog for editing")
	}
}

func rolePerms(t *testing.T, key string) PermissionSet {
	t.Helper()
	r, ok := RoleByKey(key)
	if !ok {
		t.Fatalf("no role %q", key)
	}
	return NewPermissionSet(r.Permissions...)
}

func TestBuiltinRoles(t *testing.T) {
	var keys []string
	for _, r := range Roles() {
		keys = append(keys, r.Key)
		if r.Name == "" || r.Description == "" || len(r.Permissions) == 0 {
			t.Errorf("role %+v is incomplete", r)
		}
		for _, p := range r.Permissions {
			if !p.Valid() {
				t.Errorf("role %s has unknown permission %s", r.Key, p)
			}
		}
	}
	if want := []string{"owner", "admin", "finops", "procurement", "buyer", "viewer"}; !slices.Equal(keys, want) {
		t.Fatalf("roles = %q; want %q", keys, want)
	}
	if _, ok := RoleByKey("superuser"); ok {
		t.Fatal("RoleByKey found an unknown role")
	}
	r, _ := RoleByKey(RoleViewer)
	r.Permissions[0] = PermOrgOwner
	if rolePerms(t, RoleViewer).Has(PermOrgOwner) {
		t.Fatal("editing a returned role changed the built-in one")
	}
}

func TestRolePermissionMatrix(t *testing.T) {
	owner, admin := rolePerms(t, RoleOwner), rolePerms(t, RoleAdmin)
	for _, info := range AllPermissions() {
		if !owner.Has(info.Key) {
			t.Errorf("owner lacks %s", info.Key)
		}
		if admin.Has(info.Key) != (info.Key != PermOrgOwner) {
			t.Errorf("admin has %s = %v", info.Key, admin.Has(info.Key))
		}
	}
	viewer := rolePerms(t, RoleViewer)
	for _, p := range viewer.List() {
		if !strings.HasSuffix(string(p), ".read") {
			t.Errorf("viewer may %s; viewers only read", p)
		}
	}
	tests := []struct {
		role string
		has  []Permission
		lack []Permission
	}{
		{RoleViewer,
			[]Permission{PermOrgRead, PermCostsRead, PermAllocationRead, PermBudgetsRead, PermChargebacksRead, PermRecommendationsRead, PermM365Read, PermMarketplaceRead},
			// A viewer writes nothing, not even personal API tokens.
			[]Permission{PermUsersRead, PermAuditRead, PermConnectionsRead, PermCostsExport, PermCostsImport, PermTokensManage}},
		{RoleFinOps,
			[]Permission{PermCostsRead, PermCostsExport, PermCostsImport, PermAllocationWrite, PermBudgetsWrite, PermChargebacksWrite, PermRecommendationsAct, PermM365Read, PermMarketplaceRead, PermConnectionsRead, PermTokensManage},
			[]Permission{PermUsersRead, PermUsersManage, PermRolesManage, PermSettingsManage, PermConnectionsManage, PermMarketplacePurchase, PermM365Manage, PermOrgOwner}},
		{RoleProcurement,
			[]Permission{PermMarketplaceRead, PermMarketplacePurchase, PermMarketplaceManage, PermCostsRead, PermBudgetsRead, PermTokensManage},
			[]Permission{PermBudgetsWrite, PermAllocationWrite, PermUsersManage, PermCostsExport, PermCostsImport, PermSettingsManage}},
		{RoleBuyer,
			[]Permission{PermMarketplaceRead, PermMarketplacePurchase, PermTokensManage},
			// Operations' work (catalog, queried orders, invoices) and cost data stay with others.
			[]Permission{PermMarketplaceManage, PermCostsRead, PermBudgetsRead, PermUsersRead, PermSettingsManage}},
	}
	for _, tc := range tests {
		set := rolePerms(t, tc.role)
		for _, p := range tc.has {
			if !set.Has(p) {
				t.Errorf("%s lacks %s", tc.role, p)
			}
		}
		for _, p := range tc.lack {
			if set.Has(p) {
				t.Errorf("%s has %s", tc.role, p)
			}
		}
	}
}

func TestPermissionSet(t *testing.T) {
	var zero PermissionSet
	if zero.Has(PermCostsRead) || len(zero.List()) != 0 {
		t.Fatal("zero PermissionSet is not empty")
	}
	s := NewPermissionSet(PermBudgetsRead, "zz.custom", PermOrgRead, PermBudgetsRead)
	want := []Permission{PermOrgRead, PermBudgetsRead, "zz.custom"}
	if got := s.List(); !slices.Equal(got, want) {
		t.Fatalf("List = %q; want %q (catalog order, unknown last)", got, want)
	}
}

var (
	bu1 = Scope{Kind: "business_unit", ID: "bu_1"}
	bu2 = Scope{Kind: "business_unit", ID: "bu_2"}
)

func TestOrgPermissions(t *testing.T) {
	got := OrgPermissions([]Grant{
		{Role: RoleViewer},
		{Role: RoleFinOps, Scope: bu1}, // scoped: must not count org-wide
		{Role: "ghost"},
	})
	if !got.Has(PermCostsRead) || got.Has(PermBudgetsWrite) || got.Has(PermCostsExport) {
		t.Fatalf("OrgPermissions = %q", got.List())
	}
	if len(OrgPermissions(nil).List()) != 0 {
		t.Fatal("no grants gave permissions")
	}
}

func TestAllowed(t *testing.T) {
	org := Scope{}
	tests := []struct {
		name   string
		grants []Grant
		perm   Permission
		target Scope
		want   bool
	}{
		{"org grant, org target", []Grant{{Role: RoleViewer}}, PermCostsRead, org, true},
		{"org grant, scoped target", []Grant{{Role: RoleViewer}}, PermCostsRead, bu1, true},
		{"org grant, missing permission", []Grant{{Role: RoleViewer}}, PermBudgetsWrite, bu1, false},
		{"scoped grant, same scope", []Grant{{Role: RoleFinOps, Scope: bu1}}, PermBudgetsWrite, bu1, true},
		{"scoped grant, other scope", []Grant{{Role: RoleFinOps, Scope: bu1}}, PermBudgetsWrite, bu2, false},
		{"scoped grant, org target", []Grant{{Role: RoleFinOps, Scope: bu1}}, PermBudgetsWrite, org, false},
		{"scoped grant, same ID other kind", []Grant{{Role: RoleFinOps, Scope: bu1}}, PermBudgetsRead, Scope{Kind: "cost_center", ID: "bu_1"}, false},
		{"two grants combine", []Grant{{Role: RoleViewer}, {Role: RoleFinOps, Scope: bu2}}, PermBudgetsWrite, bu2, true},
		{"unknown role", []Grant{{Role: "ghost"}}, PermOrgRead, org, false},
		{"no grants", nil, PermOrgRead, org, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := Allowed(tc.grants, tc.perm, tc.target); got != tc.want {
				t.Fatalf("Allowed = %v; want %v", got, tc.want)
			}
		})
	}
}

func TestCanAssignRole(t *testing.T) {
	owner := []Grant{{Role: RoleOwner}}
	admin := []Grant{{Role: RoleAdmin}}
	tests := []struct {
		name  string
		actor []Grant
		role  string
		want  bool
	}{
		{"owner assigns owner", owner, RoleOwner, true},
		{"owner assigns viewer", owner, RoleViewer, true},
		{"admin assigns admin", admin, RoleAdmin, true},
		{"admin assigns finops", admin, RoleFinOps, true},
		{"admin cannot assign owner", admin, RoleOwner, false},
		{"finops cannot assign viewer", []Grant{{Role: RoleFinOps}}, RoleViewer, false},
		{"viewer cannot assign viewer", []Grant{{Role: RoleViewer}}, RoleViewer, false},
		{"scoped admin cannot assign", []Grant{{Role: RoleAdmin, Scope: bu1}}, RoleViewer, false},
		{"scoped owner cannot assign owner", []Grant{{Role: RoleOwner, Scope: bu1}}, RoleOwner, false},
		{"unknown role", owner, "superuser", false},
		{"no grants", nil, RoleViewer, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if got := CanAssignRole(tc.actor, tc.role); got != tc.want {
				t.Fatalf("CanAssignRole = %v; want %v", got, tc.want)
			}
		})
	}
}
