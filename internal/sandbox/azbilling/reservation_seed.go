package azbilling

import (
	"strings"
	"time"
)

// seedReservations adds two reservations over the source's first VMs: a
// well-used one-year upfront reservation scoped to its subscription, and a
// shared three-year monthly one used at about 40 % (for alerts to find).
func (b *Billing) seedReservations() {
	var vms []Resource
	var subs []string
	for _, s := range b.src.Subscriptions() {
		for _, r := range b.src.Resources(s.ID) {
			if strings.EqualFold(r.Type, "Microsoft.Compute/virtualMachines") {
				vms, subs = append(vms, r), append(subs, s.ID)
			}
		}
	}
	if len(vms) == 0 {
		return
	}
	today := day(b.clock.Now())
	_, _ = b.AddReservation(Reservation{
		DisplayName: "VM_RI_prod_" + vmMeterKey(vms[0]), SKU: vmSKU(vms[0]), Location: vms[0].Location,
		Quantity: 1, Term: "P1Y", BillingPlan: "Upfront", PurchaseDate: today.AddDate(0, 0, -120),
		AppliedScopeType: "Single", AppliedScopes: []string{"/subscriptions/" + subs[0]},
		BillingSubscriptionID: subs[0], Price: formatMicro(b.seededPrice(vms[0], 1)), TargetUtilization: 97,
	})
	second := vms[len(vms)-1]
	if len(vms) > 1 {
		second = vms[1]
	}
	first := time.Date(today.Year(), today.Month(), 1, 0, 0, 0, 0, time.UTC)
	_, _ = b.AddReservation(Reservation{
		DisplayName: "VM_RI_batch_" + vmMeterKey(second), SKU: vmSKU(second), Location: second.Location,
		Quantity: 1, Term: "P3Y", BillingPlan: "Monthly", PurchaseDate: first.AddDate(0, -2, 2),
		AppliedScopeType: "Shared", BillingSubscriptionID: subs[0],
		Price: formatMicro(b.seededPrice(second, 3)), TargetUtilization: 40,
	})
}

// seededPrice is a plausible price for a reservation of years years:
// 500-900 a year, with the usual multi-year discount.
func (b *Billing) seededPrice(vm Resource, years int64) int64 {
	perYear := (500 + hashN(b.seed, 401, "price", strings.ToLower(vm.ID))) * microPerUnit
	if years == 3 {
		return perYear * 3 * 62 / 100
	}
	return perYear
}

func vmMeterKey(r Resource) string {
	return strings.ReplaceAll(strings.TrimPrefix(vmSKU(r), "Standard_"), "_", "")
}
