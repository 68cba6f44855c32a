package azbilling

import "strings"

// Resource is one Azure resource as ARM lists it. Costs, reservation
// coverage and Advisor recommendations refer to these, so that a connector
// sees the same resource IDs in ARM and in the billing data.
type Resource struct {
	ID            string // /subscriptions/{id}/resourceGroups/{rg}/providers/{type}/{name}
	Name          string
	Type          string // e.g. Microsoft.Compute/virtualMachines
	Location      string
	ResourceGroup string
	Tags          map[string]string
	// SKU is the resource's size where it has one (a VM's Standard_D2s_v3);
	// "" picks a default per type.
	SKU string
}

// Subscription is one Azure subscription and the currency it is billed in.
type Subscription struct {
	ID              string
	TenantID        string
	DisplayName     string
	BillingCurrency string // ISO 4217; "" means USD
}

// ResourceSource is where the billing emulation reads subscriptions and
// resources from; package arm implements it from its own state.
type ResourceSource interface {
	Subscriptions() []Subscription
	Resources(subscriptionID string) []Resource
}

// StaticSource is a fixed ResourceSource (tests, or a demo without ARM).
type StaticSource struct {
	Subs []Subscription
	// Res maps a subscription ID to its resources.
	Res map[string][]Resource
}

// Subscriptions returns the fixed subscriptions.
func (s StaticSource) Subscriptions() []Subscription { return s.Subs }

// Resources returns the fixed resources of subscriptionID.
func (s StaticSource) Resources(subscriptionID string) []Resource {
	for id, list := range s.Res {
		if strings.EqualFold(id, subscriptionID) {
			return list
		}
	}
	return nil
}

func (s Subscription) currency() string {
	if s.BillingCurrency == "" {
		return "USD"
	}
	return strings.ToUpper(s.BillingCurrency)
}

// subscription looks a subscription up by ID (case-insensitive).
func (b *Billing) subscription(id string) (Subscription, bool) {
	for _, s := range b.src.Subscriptions() {
		if strings.EqualFold(s.ID, id) {
			return s, true
		}
	}
	return Subscription{}, false
}
