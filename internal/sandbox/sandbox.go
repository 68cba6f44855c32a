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
	"github.com/canopyhq/canopy/internal/sandbox/entra"
	"github.com/canopyhq/canopy/internal/sandbox/sbx"
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
	// Resource Manager's endpoint.
	EntraURL, ARMURL string

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
	// Production and Legacy: Admin is Owner; Development: Admin is Reader.
	// Legacy is disabled.
	Production, Development, Legacy arm.Subscription
}

// DemoPassword is the password of the demo world's users.
const DemoPassword = "Sandbox!2026"

// Start starts Entra ID and ARM with a seeded world.
func Start(o Options) (*Cloud, error) {
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
	if c.EntraURL, err = c.serve("entra", entra.WriteError, c.Entra, sbx.Serve); err != nil {
		return nil, err
	}
	// ARM speaks HTTP/2 as well: see sbx.ServeHTTP2 for why.
	if c.ARMURL, err = c.serve("arm", sbx.WriteARMError, c.ARM, sbx.ServeHTTP2); err != nil {
		c.Close()
		return nil, err
	}
	c.Demo = seedDemo(c.Entra, c.ARM, o.RedirectURIs)
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
