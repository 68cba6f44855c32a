package api_test

import (
	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/chargeback"
)

// seedChargebacks gives a tenant an extra charge on its group and one
// chargeback version of its own month (Alpha August, Beta July 2026, so
// neither has a version of the other's month).
func (f *fixture) seedChargebacks(p *auth.Principal, tn *tenant) {
	f.t.Helper()
	tn.month = map[bool]string{true: "2026-08", false: "2026-07"}[tn.org.Name == "Alpha Tenant"]
	svc, who := f.chargebacks(), p.Actor("127.0.0.1", testUA)
	e, err := svc.SaveExtra(f.ctx, p, who, "", chargeback.ExtraInput{Unit: tn.groupID, Kind: chargeback.KindFixedFee,
		Description: "seed fee", Amount: "10", Currency: "USD", From: tn.month})
	if err != nil {
		f.t.Fatal(err)
	}
	tn.extraID = e.ID
	m, _ := chargeback.MonthOf("month", tn.month)
	if _, err := svc.Generate(f.ctx, p, who, m); err != nil {
		f.t.Fatal(err)
	}
}

// chargebacks is the service the API under test serves.
func (f *fixture) chargebacks() *chargeback.Service {
	if f.cb == nil {
		f.cb = chargeback.New(f.st, allocation.New(f.st), f.mail, "http://127.0.0.1")
	}
	return f.cb
}
