package partner

import (
	"crypto/sha256"
	"encoding/binary"
	"fmt"
	"math/rand/v2"
	"strings"
	"time"
)

// rng returns a generator deterministic in seed and parts.
func rng(seed int64, parts ...string) *rand.Rand {
	h := sha256.New()
	fmt.Fprintf(h, "%d", seed)
	for _, p := range parts {
		h.Write([]byte{0})
		h.Write([]byte(p))
	}
	s := h.Sum(nil)
	return rand.New(rand.NewPCG(binary.BigEndian.Uint64(s[:8]), binary.BigEndian.Uint64(s[8:16])))
}

func uuidFrom(r *rand.Rand) string {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], r.Uint64())
	binary.BigEndian.PutUint64(b[8:], r.Uint64())
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// product is a new-commerce licence product with its list price (USD,
// annual term billed monthly).
type product struct {
	productID, skuID, availabilityID, name string
	cents                                  int64
}

var products = []product{
	{"CFQ7TTC0LFLX", "0002", "CFQ7TTC0LZLM", "Microsoft 365 E3", 3600},
	{"CFQ7TTC0LFK5", "0002", "CFQ7TTC0LZMV", "Microsoft 365 E5", 5700},
	{"CFQ7TTC0LF8Q", "0001", "CFQ7TTC0LGWG", "Office 365 E3", 2300},
	{"CFQ7TTC0LCHC", "0002", "CFQ7TTC0LCKS", "Microsoft 365 Business Premium", 2200},
	{"CFQ7TTC0LH16", "0001", "CFQ7TTC0LH2J", "Exchange Online (Plan 1)", 400},
	{"CFQ7TTC0L3BF", "0001", "CFQ7TTC0L3C3", "Power BI Pro", 1000},
	{"CFQ7TTC0HD33", "0002", "CFQ7TTC0J1FV", "Visio Plan 2", 1500},
}

// meter is an Azure consumption meter (USD list price, 4 decimals).
type meter struct {
	id, category, subCategory, name, region, unit, service, resourceType, location string
	price4                                                                         int64 // price × 10^4
	dailyMax4                                                                      int64 // max daily quantity × 10^4
}

var meters = []meter{
	{"1cb88381-0905-4843-9ba2-7914066aabe5", "Virtual Machines", "Dv5 Series", "D2s v5", "US East", "1 Hour", "Microsoft.Compute", "virtualMachines", "eastus", 960, 480000},
	{"e0f9b2a4-6e0e-4f3b-a4f4-2c9e6b1e4c21", "Storage", "Tables", "LRS Data Stored", "US East", "1 GB/Month", "Microsoft.Storage", "storageAccounts", "eastus", 208, 2500000},
	{"9995d93a-7d35-4d3f-9c69-7a7fea447ef4", "Bandwidth", "Rtn Preference: MGN", "Standard Data Transfer Out", "Zone 1", "1 GB", "Microsoft.Network", "publicIPAddresses", "eastus", 870, 150000},
	{"f2d8b1a6-5a7c-4a0e-8c9e-3d2f1a0b9c8d", "SQL Database", "General Purpose - Compute Gen5", "vCore", "US East", "1 Hour", "Microsoft.Sql", "servers", "eastus", 5044, 480000},
}

var (
	companies = []string{"Contoso Pharmaceuticals", "Fabrikam Manufacturing", "Northwind Traders", "Tailspin Toys", "Woodgrove Bank", "Adventure Works Cycles", "Litware Inc", "Proseware Ltd", "Wide World Importers", "Alpine Ski House"}
	countries = []struct {
		code string
		tax  int64
	}{{"US", 0}, {"DE", 1900}, {"GB", 2000}, {"FR", 2000}, {"NL", 2100}, {"US", 875}}
)

// buildAccount generates the partner's customers, their licences and
// Azure plans.
func buildAccount(seed int64, tenantID, name string, customers int, first time.Time) *account {
	r := rng(seed, "pc-partner", tenantID)
	a := &account{Account: Account{TenantID: tenantID, Name: name, FirstMonth: first}, invoiceBase: int64(r.IntN(800000000))}
	for i := 0; i < customers; i++ {
		a.Customers = append(a.Customers, buildCustomer(seed, tenantID, i, first))
	}
	return a
}

func buildCustomer(seed int64, partnerID string, i int, first time.Time) Customer {
	r := rng(seed, "pc-customer", partnerID, fmt.Sprint(i))
	name := companies[i%len(companies)]
	if i >= len(companies) {
		name += fmt.Sprintf(" %d", i/len(companies)+1)
	}
	ctry := countries[r.IntN(len(countries))]
	c := Customer{
		ID: uuidFrom(r), Name: name, Country: ctry.code, TaxRateBasisPoints: ctry.tax,
		Domain: strings.ToLower(strings.NewReplacer(" ", "", ".", "").Replace(name)) + ".onmicrosoft.com",
	}
	for _, pi := range r.Perm(len(products))[:2+r.IntN(3)] {
		pr := products[pi]
		start := first.AddDate(0, r.IntN(14)-2, 0).AddDate(0, 0, r.IntN(27))
		c.Licenses = append(c.Licenses, License{
			SubscriptionID: uuidFrom(r), ProductID: pr.productID, SkuID: pr.skuID, AvailabilityID: pr.availabilityID,
			SkuName: pr.name, ProductName: pr.name, UnitPriceCents: pr.cents, Quantity: int64(5 + r.IntN(120)),
			Term: "One-Year commitment for monthly/recurring billing", Start: start,
		})
	}
	c.AzurePlan.SubscriptionID = uuidFrom(r)
	for j := 0; j < 1+r.IntN(2); j++ {
		c.AzurePlan.Entitlements = append(c.AzurePlan.Entitlements, Entitlement{ID: uuidFrom(r), Name: []string{"Production", "Development"}[j]})
	}
	return c
}

// issueDate is when month's invoice and reconciliation appear: a seeded
// day between the 2nd and the 8th of the next month.
func (p *Partner) issueDate(a *account, month time.Time) time.Time {
	r := rng(p.seed, "pc-issue", a.TenantID, month.Format("2006-01"))
	return month.AddDate(0, 1, 1+r.IntN(7))
}

// invoiceID is month's invoice number, e.g. G012345678.
func (p *Partner) invoiceID(a *account, month time.Time) string {
	n := (a.invoiceBase + int64(month.Year()*12+int(month.Month()))*7919) % 1000000000
	return fmt.Sprintf("G%09d", n)
}

// issuedMonths are the billing months whose invoice exists now, newest
// first.
func (p *Partner) issuedMonths(a *account) []time.Time {
	now := p.clock.Now()
	var out []time.Time
	for m := a.FirstMonth; m.Before(now); m = m.AddDate(0, 1, 0) {
		if !now.Before(p.issueDate(a, m)) {
			out = append([]time.Time{m}, out...)
		}
	}
	return out
}

// issuedMonth finds the issued month of an invoice ID.
func (p *Partner) issuedMonth(a *account, id string) (time.Time, bool) {
	for _, m := range p.issuedMonths(a) {
		if strings.EqualFold(p.invoiceID(a, m), id) {
			return m, true
		}
	}
	return time.Time{}, false
}
