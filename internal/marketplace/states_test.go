package marketplace

import (
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
)

// allowed is the transition table written out by hand from the issue
// and SoftwareOne's state diagrams, independently of the machines: every
// pair not listed must be refused.
var allowed = map[string][]string{
	"agreement": {
		"New>Draft", "New>Provisioning", "Draft>Provisioning", "Draft>Deleted",
		"Provisioning>Active", "Provisioning>Failed", "Active>Updating", "Active>Terminated",
		"Updating>Active", "Updating>Terminated",
	},
	"subscription": {
		"Draft>Active", "Draft>Deleted", "Active>Updating", "Active>Terminating", "Active>Expired",
		"Updating>Active", "Terminating>Terminated", "Terminating>Active",
	},
	"order": {
		"Draft>Quoted", "Draft>Processing", "Quoted>Processing", "Quoted>Failed",
		"Processing>Querying", "Processing>Completed", "Processing>Failed",
		"Querying>Processing", "Querying>Failed",
	},
	"invoice": {"Issued>Paid", "Issued>Overdue", "Overdue>Paid"},
}

var statuses = map[string][]string{
	"agreement":    {"New", "Draft", "Provisioning", "Updating", "Active", "Terminated", "Failed", "Deleted"},
	"subscription": {"Draft", "Active", "Updating", "Terminating", "Terminated", "Expired", "Deleted"},
	"order":        {"Draft", "Quoted", "Processing", "Querying", "Completed", "Failed"},
	"invoice":      {"Issued", "Paid", "Overdue"},
}

func TestEveryTransitionAllowedOrRefused(t *testing.T) {
	check := map[string]func(from, to string) error{
		"agreement": func(f, to string) error {
			return Agreements.Check("AGR-1", AgreementStatus(f), AgreementStatus(to))
		},
		"subscription": func(f, to string) error {
			return Subscriptions.Check("SUB-1", SubscriptionStatus(f), SubscriptionStatus(to))
		},
		"order":   func(f, to string) error { return Orders.Check("ORD-1", OrderStatus(f), OrderStatus(to)) },
		"invoice": func(f, to string) error { return Invoices.Check("INV-1", InvoiceStatus(f), InvoiceStatus(to)) },
	}
	for object, all := range statuses {
		ok := map[string]bool{}
		for _, e := range allowed[object] {
			ok[e] = true
		}
		n := 0
		for _, from := range all {
			for _, to := range all {
				err := check[object](from, to)
				switch {
				case ok[from+">"+to] && err != nil:
					t.Errorf("%s %s → %s refused: %v", object, from, to, err)
				case !ok[from+">"+to] && err == nil:
					t.Errorf("%s %s → %s allowed", object, from, to)
				case err != nil && domain.ErrorCode(err) != domain.CodeConflict:
					t.Errorf("%s %s → %s: code %s", object, from, to, domain.ErrorCode(err))
				case err == nil:
					n++
				}
			}
		}
		if n != len(allowed[object]) {
			t.Errorf("%s: %d transitions allowed, want %d", object, n, len(allowed[object]))
		}
	}
}

func TestMachinesKnowExactlyTheirStatuses(t *testing.T) {
	got := map[string]int{"agreement": len(Agreements.All()), "subscription": len(Subscriptions.All()),
		"order": len(Orders.All()), "invoice": len(Invoices.All())}
	for object, n := range got {
		if n != len(statuses[object]) {
			t.Errorf("%s machine has %d statuses, want %d", object, n, len(statuses[object]))
		}
	}
	err := Orders.Check("ORD-1", OrderDraft, "Shipped")
	if domain.ErrorCode(err) != domain.CodeInvalid || domain.ErrorField(err) != "status" {
		t.Fatalf("unknown status: %v", err)
	}
}

func TestRefusalsSayWhy(t *testing.T) {
	msg := domain.ErrorMessage(Agreements.Check("AGR-1111-2222-3333", AgreementTerminated, AgreementActive))
	if !strings.Contains(msg, "AGR-1111-2222-3333 is Terminated and cannot become Active") ||
		!strings.Contains(msg, "cannot be reactivated") {
		t.Fatalf("terminated agreement: %q", msg)
	}
	msg = domain.ErrorMessage(Orders.Check("ORD-1", OrderQuoted, OrderQuerying))
	if !strings.Contains(msg, "from Quoted it can become Processing or Failed") {
		t.Fatalf("quoted order: %q", msg)
	}
}
