// Package partner emulates the Partner Center REST API's billing part that
// Canopy uses: invoices, their reconciliation line items (new-commerce
// licence lines and Azure plan meter lines) and daily rated usage, billed
// and unbilled, paged with MS-ContinuationToken as the real service does.
//
// Everything is deterministic from the seed. A month's invoice appears on
// a seeded day between the 2nd and the 8th of the next month by the
// sandbox clock; unbilled usage accrues day by day.
package partner

import (
	"net/http"
	"sort"
	"sync"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// Options configure a Partner Center emulation.
type Options struct {
	Seed   int64
	Clock  *sbx.Clock
	Issuer *sbx.Issuer
}

// Partner is the emulated service and its partner accounts.
type Partner struct {
	seed   int64
	clock  *sbx.Clock
	issuer *sbx.Issuer

	mu       sync.Mutex
	accounts map[string]*account
	months   map[string]*monthData // key: tenant + "/" + month + "/" + scope
}

// Account is a partner (CSP) tenant and its customers.
type Account struct {
	TenantID  string
	Name      string
	Customers []Customer
	// FirstMonth is the first billing month with an invoice.
	FirstMonth time.Time
}

// Customer is a customer tenant of the partner.
type Customer struct {
	ID, Name, Domain, Country string
	TaxRateBasisPoints        int64 // e.g. 1900 for 19 %
	Licenses                  []License
	AzurePlan                 AzurePlan
}

// License is a new-commerce licence subscription.
type License struct {
	SubscriptionID, ProductID, SkuID, AvailabilityID, SkuName, ProductName string
	UnitPriceCents                                                         int64
	Quantity                                                               int64
	Term                                                                   string
	Start                                                                  time.Time
}

// AzurePlan is the customer's Azure plan and its Azure subscriptions
// (entitlements).
type AzurePlan struct {
	SubscriptionID string
	Entitlements   []Entitlement
}

// Entitlement is one Azure subscription under an Azure plan.
type Entitlement struct{ ID, Name string }

// Invoice is an issued invoice with exact totals (two decimals).
type Invoice struct {
	ID                        string
	InvoiceDate               time.Time
	PeriodStart, PeriodEnd    time.Time // billing period, end day included
	Currency                  string
	Subtotal, TaxTotal, Total string
	BillingLines, UsageLines  int
}

type account struct {
	Account
	invoiceBase int64
}

// New returns an emulation without partners.
func New(o Options) *Partner {
	return &Partner{seed: o.Seed, clock: o.Clock, issuer: o.Issuer, accounts: map[string]*account{}, months: map[string]*monthData{}}
}

// AddPartner creates (or replaces) a partner account with customers
// customer tenants. Invoices start twelve months before the clock's month.
func (p *Partner) AddPartner(tenantID, name string, customers int) Account {
	now := p.clock.Now()
	first := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(-1, 0, 0)
	a := buildAccount(p.seed, tenantID, name, customers, first)
	p.mu.Lock()
	p.accounts[tenantID] = a
	for k := range p.months {
		delete(p.months, k)
	}
	p.mu.Unlock()
	return a.Account
}

// Invoices returns the partner's invoices issued by now, newest first.
func (p *Partner) Invoices(tenantID string) []Invoice {
	a := p.account(tenantID)
	if a == nil {
		return nil
	}
	var out []Invoice
	for _, m := range p.issuedMonths(a) {
		out = append(out, p.month(a, m, scopeInvoice).invoice)
	}
	return out
}

func (p *Partner) account(tenantID string) *account {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.accounts[tenantID]
}

// Accounts lists the partner accounts by tenant ID.
func (p *Partner) Accounts() []Account {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Account, 0, len(p.accounts))
	for _, a := range p.accounts {
		out = append(out, a.Account)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].TenantID < out[j].TenantID })
	return out
}

// Handler serves the API under /v1 (base https://api.partnercenter.microsoft.com).
func (p *Partner) Handler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /v1/invoices", p.authed(p.serveInvoices))
	mux.HandleFunc("GET /v1/invoices/{id}", p.authed(p.serveInvoice))
	mux.HandleFunc("GET /v1/invoices/{id}/lineitems", p.authed(p.serveLineItems))
	mux.HandleFunc("GET /v1/invoices/{id}/lineitems/{provider}/{type}", p.authed(p.serveLineItems))
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, r, http.StatusNotFound, "404", "The requested resource was not found.", "NotFound")
	})
	return withTracking(mux)
}
