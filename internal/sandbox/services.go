package sandbox

import (
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/sandbox/arm"
	awssandbox "github.com/canopyhq/canopy/internal/sandbox/aws"
	"github.com/canopyhq/canopy/internal/sandbox/azbilling"
	"github.com/canopyhq/canopy/internal/sandbox/entra"
	"github.com/canopyhq/canopy/internal/sandbox/graph"
	"github.com/canopyhq/canopy/internal/sandbox/partner"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
	"github.com/canopyhq/canopy/internal/sandbox/vendor"
)

// FaultsPath is where the Entra server serves the fault controls
// (sbx.Faults.ControlHandler) for the demo and for browser tests.
const FaultsPath = "/_sandbox/faults"

// Demo AWS accounts: the customer's payer account and Canopy's own
// account, which the customer's read-only role trusts.
const (
	DemoAWSAccount       = "210987654321"
	DemoCanopyAWSAccount = "999988887777"
	demoGraphUsers       = 300
	demoPartnerCustomers = 6
)

// DemoAWS are the demo identities of the AWS side: Canopy's IAM user (in
// Canopy's account, allowed only sts:AssumeRole) and the customer's
// read-only role it assumes with the external ID.
type DemoAWS struct {
	AccountID        string // the customer's payer account (Business support, CE on)
	CanopyAccountID  string
	AccessKeyID      string
	SecretAccessKey  string
	RoleARN          string
	ExternalID       string
	ReadOnlyPolicies []string
}

// armResources adapts ARM's subscriptions and resources to the billing
// emulation, so that costs refer to the resources ARM lists.
type armResources struct{ a *arm.ARM }

func (s armResources) Subscriptions() []azbilling.Subscription {
	subs := s.a.Subscriptions()
	out := make([]azbilling.Subscription, len(subs))
	for i, sub := range subs {
		out[i] = azbilling.Subscription{ID: sub.ID, TenantID: sub.TenantID, DisplayName: sub.Name}
	}
	return out
}

func (s armResources) Resources(subscriptionID string) []azbilling.Resource {
	res := s.a.Resources(subscriptionID)
	out := make([]azbilling.Resource, len(res))
	for i, r := range res {
		out[i] = azbilling.Resource{ID: r.ID, Name: r.Name, Type: r.Type, Location: r.Location,
			ResourceGroup: r.ResourceGroup, Tags: r.Tags, SKU: r.SKU}
	}
	return out
}

// billingMounts are the path fragments of the billing APIs on the ARM
// host. "/providers/microsoft.capacity/reservation" (not just
// ".../microsoft.capacity") keeps role assignments at the
// /providers/Microsoft.Capacity scope with ARM itself.
var billingMounts = []string{
	"/providers/microsoft.costmanagement/",
	"/providers/microsoft.capacity/reservation",
	"/providers/microsoft.advisor/",
}

// startBilling mounts the Azure billing APIs on the ARM server.
func (c *Cloud) startBilling(seed int64) {
	c.Billing = azbilling.New(azbilling.Options{Seed: seed, Clock: c.Clock, Auth: c.ARM.Authorizer(), Resources: armResources{c.ARM}})
	h := c.Billing.Handler()
	for _, m := range billingMounts {
		c.ARM.Mount(m, h)
	}
}

// startAWS serves AWS (Cost Explorer, Support, STS) and seeds the demo
// account and Canopy's access to it.
func (c *Cloud) startAWS(seed int64) error {
	c.AWS = awssandbox.New(awssandbox.Options{Seed: seed, Clock: c.Clock})
	var err error
	if c.AWSURL, err = c.serve(awssandbox.Service, awssandbox.ErrorWriter, c.AWS, sbx.Serve); err != nil {
		return err
	}
	d := DemoAWS{AccountID: DemoAWSAccount, CanopyAccountID: DemoCanopyAWSAccount,
		ExternalID:       "canopy-" + sbx.UUID(seed, "aws-external-id")[:8],
		ReadOnlyPolicies: []string{"ce:Get*", "ce:Describe*", "ce:List*", "support:Describe*", "support:Refresh*"}}
	c.AWS.AddAccount(d.AccountID, "Contoso AWS", awssandbox.AccountOptions{
		SupportPlan: awssandbox.PlanBusiness, CostExplorerEnabled: true, RightsizingEnabled: true})
	c.AWS.AddAccount(d.CanopyAccountID, "Canopy", awssandbox.AccountOptions{})
	d.AccessKeyID, d.SecretAccessKey = c.AWS.AddUser(d.CanopyAccountID, "canopy-connector", "sts:AssumeRole")
	d.RoleARN = c.AWS.AddRole(d.AccountID, "CanopyReadOnly", d.CanopyAccountID, d.ExternalID, d.ReadOnlyPolicies...)
	c.Demo.AWS = d
	return nil
}

// startGraph serves Microsoft Graph with Contoso's directory (names not
// concealed, so that the demo shows people).
func (c *Cloud) startGraph(seed int64) error {
	c.Graph = graph.New(graph.Options{Seed: seed, Clock: c.Clock, Issuer: c.Issuer})
	var err error
	if c.GraphURL, err = c.serve("graph", graph.ErrorWriter, c.Graph, sbx.Serve); err != nil {
		return err
	}
	cust := c.Demo.Customer
	c.Graph.AddTenant(cust.ID, cust.Name, cust.Domain, demoGraphUsers)
	c.Graph.SetConcealedNames(cust.ID, false)
	return nil
}

// startPartner serves Partner Center with a partner (CSP) tenant, known
// to Entra too so that its users and apps can get tokens there.
func (c *Cloud) startPartner(seed int64) error {
	c.Partner = partner.New(partner.Options{Seed: seed, Clock: c.Clock, Issuer: c.Issuer})
	var err error
	if c.PartnerURL, err = c.serve("partner", partner.ErrorWriter, c.Partner, sbx.Serve); err != nil {
		return err
	}
	t := c.Entra.AddTenant("Northwind Cloud Partners", "northwindcsp.onmicrosoft.com")
	c.Demo.PartnerTenant = t
	c.Demo.PartnerAdmin = c.Entra.AddUser(t.ID, "admin@northwindcsp.onmicrosoft.com", DemoPassword, true)
	c.Demo.Partner = c.Partner.AddPartner(t.ID, t.Name, demoPartnerCustomers)
	return nil
}

// entraWithControls serves the fault controls at FaultsPath next to Entra.
type entraWithControls struct {
	e      *entra.Entra
	faults *sbx.Faults
}

func (h entraWithControls) Handler() http.Handler {
	ctl, idp := h.faults.ControlHandler(), h.e.Handler()
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if strings.TrimSuffix(r.URL.Path, "/") == FaultsPath {
			ctl.ServeHTTP(w, r)
			return
		}
		idp.ServeHTTP(w, r)
	})
}

// DemoVendorAPIKey is the API key of the sandbox vendor's ordering
// system.
const DemoVendorAPIKey = "sandbox-vendor-key"

// startVendor serves the sandbox vendor's ordering system (the other end
// of the marketplace's vendor adapter); it completes orders by itself
// unless a test scripts or decides otherwise.
func (c *Cloud) startVendor() error {
	c.Vendor = vendor.New(DemoVendorAPIKey)
	c.Vendor.AutoComplete = true
	var err error
	c.VendorURL, err = c.serve("vendor", vendor.WriteError, c.Vendor, sbx.Serve)
	return err
}
