// Package sandbox starts the sandbox cloud: faithful HTTP emulations of the
// Azure, AWS, Microsoft 365 and Partner Center endpoints Canopy's
// connectors call, on loopback TLS servers sharing one CA, clock, token
// issuer and fault registry, with a seeded demo world.
package sandbox

import (
	"errors"
	"fmt"
	"net/http"

	"github.com/canopyhq/canopy/internal/sandbox/arm"
	awssandbox "github.com/canopyhq/canopy/internal/sandbox/aws"
	"github.com/canopyhq/canopy/internal/sandbox/azbilling"
	"github.com/canopyhq/canopy/internal/sandbox/entra"
	"github.com/canopyhq/canopy/internal/sandbox/graph"
	"github.com/canopyhq/canopy/internal/sandbox/partner"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
	"github.com/canopyhq/canopy/internal/sandbox/vendor"
)

// Options configure Start.
type Options struct {
	// Seed makes every ID and figure of the world deterministic.
	Seed int64
	// RedirectURIs are registered on Canopy's app (more can be added with
	// Entra.AddRedirectURI once Canopy listens).
	RedirectURIs []string
	// ARMPageSize is ARM's list page size (default 100); tests make it
	// small to page through the SDKs' pagers.
	ARMPageSize int
}

// Cloud is a running sandbox cloud.
type Cloud struct {
	CA     *sbx.CA
	Clock  *sbx.Clock
	Faults *sbx.Faults
	Issuer *sbx.Issuer

	Entra *entra.Entra
	ARM   *arm.ARM
	// EntraURL is the authority host (azidentity's
	// cloud.Configuration.ActiveDirectoryAuthorityHost); ARMURL is
	// Resource Manager's endpoint (Cost Management, reservations and
	// Advisor are served there too, by Billing).
	EntraURL, ARMURL string
	// FaultsURL serves Faults.ControlHandler (on the Entra server).
	FaultsURL string

	Billing *azbilling.Billing
	AWS     *awssandbox.AWS
	Graph   *graph.Graph
	Partner *partner.Partner
	// AWSURL is the one endpoint of Cost Explorer, Support and STS
	// (aws.Config.BaseEndpoint); GraphURL replaces
	// https://graph.microsoft.com; PartnerURL replaces
	// https://api.partnercenter.microsoft.com.
	AWSURL, GraphURL, PartnerURL string
	// Vendor is a software vendor's ordering system for the marketplace
	// (API key DemoVendorAPIKey), at VendorURL.
	Vendor    *vendor.Vendor
	VendorURL string

	Demo Demo

	servers []*sbx.Server
}

// Demo is the seeded world: Canopy's app in its service tenant and a
// customer tenant, Contoso, with three subscriptions.
type Demo struct {
	ServiceTenant entra.Tenant
	App           entra.App
	Customer      entra.Tenant
	Admin         entra.User // Global Administrator of Contoso
	Member        entra.User // an ordinary Contoso user (not an admin)
	// ServiceAccount is Contoso's user-context service account for
	// Canopy's Microsoft 365 reports (password DemoPassword).
	ServiceAccount entra.User
	// Production and Legacy: Admin is Owner; Development: Admin is Reader.
	// Legacy is disabled.
	Production, Development, Legacy arm.Subscription

	// AWS is Contoso's AWS account and Canopy's access to it.
	AWS DemoAWS
	// PartnerTenant is a CSP partner's Entra tenant; Partner its Partner
	// Center account and customers; PartnerAdmin its admin.
	PartnerTenant entra.Tenant
	PartnerAdmin  entra.User
	Partner       partner.Account
}

// DemoPassword is the password of the demo world's users.
const DemoPassword = "Sandbox!2026"

// Start starts the whole sandbox cloud with a seeded world: Entra ID, ARM
// with the Azure billing APIs, AWS, Microsoft Graph, Partner Center and a
// software vendor's ordering system.
func Start(o Options) (*Cloud, error) {
	c, err := startAzure(o)
	if err != nil {
		return nil, err
	}
	for _, start := range []func(int64) error{c.startAWS, c.startGraph, c.startPartner, func(int64) error { return c.startVendor() }} {
		if err := start(o.Seed); err != nil {
			_ = c.Close()
			return nil, err
		}
	}
	return c, nil
}

// startAzure starts Entra ID (with the fault controls) and ARM with the
// billing APIs mounted.
func startAzure(o Options) (*Cloud, error) {
	ca, err := sbx.NewCA()
	if err != nil {
		return nil, err
	}
	c := &Cloud{CA: ca, Clock: &sbx.Clock{}, Faults: sbx.NewFaults()}
	if c.Issuer, err = sbx.NewIssuer(c.Clock); err != nil {
		return nil, err
	}
	c.Entra = entra.New(entra.Options{Seed: o.Seed, Clock: c.Clock, Issuer: c.Issuer})
	c.ARM = arm.New(arm.Options{Seed: o.Seed, Clock: c.Clock, Issuer: c.Issuer, Directory: c.Entra, PageSize: o.ARMPageSize})
	if c.EntraURL, err = c.serve("entra", entra.WriteError, entraWithControls{c.Entra, c.Faults}, sbx.Serve); err != nil {
		return nil, err
	}
	c.FaultsURL = c.EntraURL + FaultsPath
	// ARM speaks HTTP/2 as well: see sbx.ServeHTTP2 for why.
	if c.ARMURL, err = c.serve("arm", sbx.WriteARMError, c.ARM, sbx.ServeHTTP2); err != nil {
		_ = c.Close()
		return nil, err
	}
	c.Demo = seedDemo(c.Entra, c.ARM, o.RedirectURIs)
	// After the demo subscriptions exist: Billing seeds its reservations
	// over their VMs.
	c.startBilling(o.Seed)
	return c, nil
}

type handlerer interface{ Handler() http.Handler }

type serveFunc func(*sbx.CA, *sbx.Faults, string, sbx.ErrorWriter, http.Handler) (*sbx.Server, error)

func (c *Cloud) serve(name string, errw sbx.ErrorWriter, svc handlerer, serve serveFunc) (string, error) {
	s, err := serve(c.CA, c.Faults, name, errw, svc.Handler())
	if err != nil {
		return "", fmt.Errorf("sandbox %s: %w", name, err)
	}
	c.servers = append(c.servers, s)
	return s.URL, nil
}

// seedDemo builds the demo world.
func seedDemo(e *entra.Entra, a *arm.ARM, redirects []string) Demo {
	d := Demo{}
	d.App = e.RegisterApp("Canopy", redirects)
	d.ServiceTenant = e.AddTenant("Canopy service", "canopyservice.onmicrosoft.com")
	d.Customer = e.AddTenant("Contoso", "contoso.onmicrosoft.com")
	d.Admin = e.AddUser(d.Customer.ID, "admin@contoso.onmicrosoft.com", DemoPassword, true)
	d.Member = e.AddUser(d.Customer.ID, "dana.member@contoso.onmicrosoft.com", DemoPassword, false)
	d.ServiceAccount = e.AddUser(d.Customer.ID, "svc-reports@contoso.onmicrosoft.com", DemoPassword, false)
	// Reading mailbox statistics through Exchange Online needs a user
	// holding an Exchange or Global Reader role.
	e.AssignDirectoryRole(d.ServiceAccount.UPN, entra.RoleGlobalReader)
	d.Production = a.AddSubscription(d.Customer.ID, "Contoso Production", arm.StateEnabled)
	d.Development = a.AddSubscription(d.Customer.ID, "Contoso Development", arm.StateEnabled)
	d.Legacy = a.AddSubscription(d.Customer.ID, "Contoso Legacy", arm.StateDisabled)
	a.Assign(d.Admin.ObjectID, arm.RoleOwner, "/subscriptions/"+d.Production.ID)
	a.Assign(d.Admin.ObjectID, arm.RoleReader, "/subscriptions/"+d.Development.ID)
	a.Assign(d.Admin.ObjectID, arm.RoleOwner, "/subscriptions/"+d.Legacy.ID)
	return d
}

// Close stops every server.
func (c *Cloud) Close() error {
	var errs []error
	for _, s := range c.servers {
		errs = append(errs, s.Close())
	}
	c.servers = nil
	return errors.Join(errs...)
}
