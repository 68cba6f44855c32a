package delegation_test

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Service plans of the test SKU.
const (
	planExchange = "efb87545-963c-4e0d-99df-69c6916d9eb0"
	planTeams    = "57ff2da0-773e-42df-b2af-ffb7a2317929"
	planYammer   = "7547a3fe-08ee-4ccb-b430-5077c5041653"
)

// harness is an organisation with a Microsoft 365 connection whose
// directory holds:
//
//	anna  Sales DE, holds SPE_E3        ben   Sales DE, Berlin
//	carl  Marketing FR                  dora  " sales " "de" (case and spaces)
//	finn  IT DE, extensionAttribute3 CC-100 (picked into Sales DE by hand)
type harness struct {
	ctx   context.Context
	st    *store.Store
	svc   *delegation.Service
	org   domain.Org
	owner *auth.Principal
	conn  string
	who   audit.Actor
}

func newHarness(t testing.TB, db *store.DB) *harness {
	t.Helper()
	h := &harness{ctx: context.Background(), st: store.New(db)}
	h.svc = delegation.New(h.st)
	n := domain.Now()
	h.org = domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: storetest.Name("delegation"), CreatedAt: n, UpdatedAt: n}
	if err := h.st.CreateOrg(h.ctx, h.org); err != nil {
		t.Fatal(err)
	}
	h.owner = h.principal(t, "owner", auth.RoleOwner)
	h.who = h.owner.Actor("127.0.0.1", "test")
	c, err := h.st.CreateConnection(h.ctx, store.Connection{OrgID: h.org.ID, Kind: "m365", Name: "Contoso",
		Settings: []byte(`{"tenant_id":"contoso.onmicrosoft.com"}`), SyncHour: 3, Enabled: true})
	if err != nil {
		t.Fatal(err)
	}
	h.conn = c.ID
	h.snapshot(t, nil)
	return h
}

// snapshot stores the directory; licences maps user → extra SKU holders.
func (h *harness) snapshot(t testing.TB, extraE3 []string) {
	t.Helper()
	e3 := []byte(`[{"skuId":"sku-e3","disabledPlans":[]}]`)
	users := []store.M365User{
		{ObjectID: "anna", DisplayName: "Anna", UserPrincipalName: "anna@contoso.test", Department: "Sales", Country: "DE", AssignedLicenses: e3},
		{ObjectID: "ben", DisplayName: "Ben", UserPrincipalName: "ben@contoso.test", Department: "Sales", Country: "DE", City: "Berlin"},
		{ObjectID: "carl", DisplayName: "Carl", UserPrincipalName: "carl@contoso.fr", Department: "Marketing", Country: "FR"},
		{ObjectID: "dora", DisplayName: "Dora", UserPrincipalName: "dora@contoso.test", Department: " sales ", Country: "de"},
		{ObjectID: "finn", DisplayName: "Finn", UserPrincipalName: "finn@contoso.test", Department: "IT", Country: "DE",
			ExtensionAttributes: []byte(`{"extensionAttribute3":"CC-100"}`)},
	}
	for i := range users {
		users[i].AccountEnabled = true
		for _, id := range extraE3 {
			if users[i].ObjectID == id {
				users[i].AssignedLicenses = e3
			}
		}
	}
	snap := store.DirectorySnapshot{Users: users, HasSKUs: true, SKUs: []store.M365SKU{{SkuID: "sku-e3", SkuPartNumber: "SPE_E3",
		PrepaidEnabled: 10, ConsumedUnits: 1, ServicePlans: []byte(`[{"servicePlanId":"` + planExchange + `","servicePlanName":"EXCHANGE_S_ENTERPRISE"},
		{"servicePlanId":"` + planTeams + `","servicePlanName":"TEAMS1"},{"servicePlanId":"` + planYammer + `","servicePlanName":"YAMMER_ENTERPRISE"}]`)}}}
	if _, err := h.st.ReplaceDirectory(h.ctx, h.org.ID, h.conn, snap, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// principal adds a member with an org-wide role.
func (h *harness) principal(t testing.TB, name, role string) *auth.Principal {
	t.Helper()
	n := domain.Now()
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: name + "-" + domain.NewID("")[:8] + "@canopy.test", Name: name,
		Status: domain.UserActive, CreatedAt: n, UpdatedAt: n}
	if err := h.st.CreateUser(h.ctx, u); err != nil {
		t.Fatal(err)
	}
	if err := h.st.AddMember(h.ctx, h.org.ID, u.ID, []domain.RoleGrant{{Role: role}}, n); err != nil {
		t.Fatal(err)
	}
	g := []auth.Grant{{Role: role}}
	return &auth.Principal{User: u, Org: h.org, Grants: g, Perms: auth.OrgPermissions(g)}
}

func (h *harness) ou(t testing.TB, in delegation.OUInput) delegation.OU {
	t.Helper()
	in.ConnectionID = h.conn
	o, err := h.svc.CreateOU(h.ctx, h.owner, h.who, in)
	if err != nil {
		t.Fatalf("create OU %s: %v", in.Name, err)
	}
	return o
}

func rule(conds ...delegation.Condition) delegation.Rule { return delegation.Rule{Conditions: conds} }

func cond(attr, op string, values ...string) delegation.Condition {
	return delegation.Condition{Attribute: attr, Operator: op, Values: values}
}

// tree is the OU hierarchy the tests share: Europe (country DE or FR)
// above Sales DE (department Sales and country DE, plus finn by hand)
// above Berlin (city Berlin); Marketing (department Marketing) beside.
type tree struct{ europe, sales, berlin, marketing delegation.OU }

func (h *harness) tree(t *testing.T) tree {
	t.Helper()
	var tr tree
	tr.europe = h.ou(t, delegation.OUInput{Name: "Europe", Rules: []delegation.Rule{rule(cond("Country", "in", "de", "FR"))}})
	tr.sales = h.ou(t, delegation.OUInput{Name: "Sales DE", ParentID: tr.europe.ID, Include: []string{"finn"},
		Rules: []delegation.Rule{rule(cond("department", "equals", "SALES"), cond("country", "equals", "de"))}})
	tr.berlin = h.ou(t, delegation.OUInput{Name: "Berlin", ParentID: tr.sales.ID, Rules: []delegation.Rule{rule(cond("city", "starts_with", "ber"))}})
	tr.marketing = h.ou(t, delegation.OUInput{Name: "Marketing", Rules: []delegation.Rule{rule(cond("department", "equals", "Marketing"))}})
	return tr
}

// delegate makes a new member (viewer role: no m365.manage) administrator
// of ou with a policy granting actions.
func (h *harness) delegate(t *testing.T, name string, ou delegation.OU, actions ...delegation.Action) *auth.Principal {
	t.Helper()
	p := h.principal(t, name, auth.RoleViewer)
	pol, err := h.svc.CreatePolicy(h.ctx, h.owner, h.who, delegation.PolicyInput{Name: name + " policy", Actions: actions})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := h.svc.CreateDelegation(h.ctx, h.owner, h.who, delegation.DelegationInput{UserID: p.User.ID, OUID: ou.ID, PolicyID: pol.ID}); err != nil {
		t.Fatal(err)
	}
	return p
}

// authorize asks for p acting on target.
func (h *harness) authorize(t *testing.T, p *auth.Principal, action delegation.Action, target string, params delegation.Params) delegation.Decision {
	t.Helper()
	d, err := h.svc.Authorize(h.ctx, h.org.ID, delegation.ActorOf(p), delegation.Request{ConnectionID: h.conn, Action: action,
		Target: target, Params: params})
	if err != nil {
		t.Fatalf("authorize %s on %s: %v", action, target, err)
	}
	return d
}
