package arm

import "testing"

func TestBuiltInRolePermissions(t *testing.T) {
	cases := []struct {
		role, action string
		want         bool
	}{
		{RoleOwner, "Microsoft.Authorization/roleAssignments/write", true},
		{RoleContributor, "Microsoft.Authorization/roleAssignments/write", false},
		{RoleContributor, "Microsoft.Resources/tags/write", true},
		{RoleReader, "Microsoft.Resources/subscriptions/read", true},
		{RoleReader, "Microsoft.Resources/tags/write", false},
		{RoleTagContributor, "Microsoft.Resources/tags/write", true},
		{RoleTagContributor, "Microsoft.Resources/subscriptions/resources/read", true},
		{RoleTagContributor, "Microsoft.Compute/virtualMachines/read", false},
		{RoleReservationsReader, "Microsoft.Capacity/reservationOrders/read", true},
		{RoleReservationsReader, "Microsoft.Resources/subscriptions/read", false},
		{RoleUserAccessAdministrator, "Microsoft.Authorization/roleAssignments/delete", true},
		{RoleUserAccessAdministrator, "Microsoft.Resources/tags/write", false},
	}
	for _, c := range cases {
		r, ok := roleByID("/subscriptions/x/providers/Microsoft.Authorization/roleDefinitions/" + c.role)
		if !ok {
			t.Fatalf("role %s unknown", c.role)
		}
		if got := r.permits(c.action); got != c.want {
			t.Errorf("%s permits %s = %v, want %v", r.Name, c.action, got, c.want)
		}
	}
}

func TestScopesAndSeededWorld(t *testing.T) {
	if !within("/subscriptions/A/resourceGroups/rg", "/subscriptions/a") || within("/subscriptions/ab", "/subscriptions/a") || !within("/subscriptions/a", "/") {
		t.Fatal("scope containment")
	}
	a, b := New(Options{Seed: 3}), New(Options{Seed: 3})
	sa, sb := a.AddSubscription("t", "Prod", ""), b.AddSubscription("t", "Prod", "")
	ra, rb := a.Resources(sa.ID), b.Resources(sb.ID)
	if sa.ID != sb.ID || len(ra) == 0 || len(ra) != len(rb) || ra[0].ID != rb[0].ID {
		t.Fatalf("the same seed gave different worlds: %v %v", sa, sb)
	}
	if c := New(Options{Seed: 4}).AddSubscription("t", "Prod", ""); c.ID == sa.ID {
		t.Fatal("another seed gave the same subscription ID")
	}
}
