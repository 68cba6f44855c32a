package chargeback_test

import (
	"testing"

	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Platform's allocated cost is 140 EUR; a 250 USD fee at 0.9 is 225 EUR,
// a 3.3333% service fee of 140 is 4.66662, a 10% markup on
// 140 + 225 + 4.66662 is 36.966662: extra 266.633282, total 406.63.
func TestExtraChargesAreExact(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		f.rate(t, "USD", "EUR", "0.9")
		f.load(t, cost{"140", "EUR", 3, "Compute", "VM", "web"}, cost{"10", "EUR", 3, "Compute", "VM", "data"})
		f.extra(t, chargeback.ExtraInput{Unit: f.platform.ID, Kind: chargeback.KindMarkup, Description: "Overhead", Percent: "10", From: "2026-10"})
		f.extra(t, chargeback.ExtraInput{Unit: f.platform.ID, Kind: chargeback.KindFixedFee, Description: "Platform team", Amount: "250", Currency: "USD", From: "2026-09", Recurring: true})
		f.extra(t, chargeback.ExtraInput{Unit: f.platform.ID, Kind: chargeback.KindServiceFee, Percent: "3.3333", From: "2026-10", To: "2026-12", Recurring: true})
		f.extra(t, chargeback.ExtraInput{Unit: f.data.ID, Kind: chargeback.KindFixedFee, Amount: "99", Currency: "EUR", From: "2026-09"}) // September only
		f.extra(t, chargeback.ExtraInput{Unit: f.data.ID, Kind: chargeback.KindFixedFee, Amount: "5", Currency: "EUR", From: "2026-11", Recurring: true})
		d := f.generate(t)
		p := unit(t, d, "Platform")
		if p.Extra.String() != "266.633282" || p.Total.String() != "406.63" {
			t.Fatalf("Platform extra %s total %s, want 266.633282 and 406.63", p.Extra, p.Total)
		}
		want := []string{"cost Compute / VM 140", "fixed_fee Fixed fee: Platform team 225", "service_fee Service fee: 3.3333% 4.66662",
			"markup Markup: Overhead (10%) 36.966662"}
		if len(p.Lines) != len(want) {
			t.Fatalf("lines = %+v", p.Lines)
		}
		for i, l := range p.Lines {
			if got := l.Kind + " " + l.Label() + " " + l.Amount.String(); got != want[i] {
				t.Errorf("line %d = %q, want %q", i, got, want[i])
			}
		}
		if u := unit(t, d, "Data"); !u.Extra.IsZero() || u.Total.String() != "10" {
			t.Errorf("Data got charges of other months: %+v", u)
		}
	})
}

func TestExtraChargeInputIsValidated(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db, "EUR")
		ok := chargeback.ExtraInput{Unit: f.platform.ID, Kind: chargeback.KindServiceFee, Percent: "5", From: "2026-10"}
		cases := map[string]func(*chargeback.ExtraInput){
			"business_unit": func(in *chargeback.ExtraInput) { in.Unit = f.web.ID }, // a project below Platform
			"kind":          func(in *chargeback.ExtraInput) { in.Kind = "discount" },
			"percent":       func(in *chargeback.ExtraInput) { in.Percent = "five" },
			"from":          func(in *chargeback.ExtraInput) { in.From = "October" },
			"to":            func(in *chargeback.ExtraInput) { in.Recurring, in.To = true, "2026-01" },
			"amount":        func(in *chargeback.ExtraInput) { in.Kind, in.Amount, in.Currency = chargeback.KindFixedFee, "", "EUR" },
			"currency": func(in *chargeback.ExtraInput) {
				in.Kind, in.Amount, in.Currency = chargeback.KindFixedFee, "5", "EURO"
			},
		}
		for field, change := range cases {
			in := ok
			change(&in)
			if _, err := f.svc.SaveExtra(f.ctx, f.p, f.who, "", in); domain.ErrorField(err) != field {
				t.Errorf("%s: err = %v", field, err)
			}
		}
		e := f.extra(t, ok)
		ok.Percent = "7.5"
		if got, err := f.svc.SaveExtra(f.ctx, f.p, f.who, e.ID, ok); err != nil || got.Percent != "7.5" || got.ID != e.ID {
			t.Fatalf("update = %+v, %v", got, err)
		}
		list, err := f.svc.Extras(f.ctx, f.p)
		if err != nil || len(list) != 1 || list[0].UnitName != "Platform" || list[0].Recurring {
			t.Fatalf("list = %+v, %v", list, err)
		}
		if err := f.svc.DeleteExtra(f.ctx, f.p, f.who, e.ID); err != nil {
			t.Fatal(err)
		}
		if err := f.svc.DeleteExtra(f.ctx, f.p, f.who, e.ID); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Errorf("second delete: %v", err)
		}
	})
}
