package fx_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/fx"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// An excerpt in the shape of the ECB's eurofxref-hist.csv (trailing comma,
// N/A cells, newest first).
const ecbHistory = `Date,USD,JPY,GBP,CYP,
2026-01-09,1.0921,158.25,0.86130,N/A,
2026-01-08,1.0900,157.00,0.86000,N/A,
`

const ecbDaily = `Date, USD, JPY, GBP,
09 January 2026, 1.0921, 158.25, 0.86130,
`

func day(s string) time.Time { t, _ := time.Parse("2006-01-02", s); return t }

func dec(s string) *apd.Decimal { d, _, _ := apd.NewFromString(s); return d }

func TestParseECBAndPlain(t *testing.T) {
	rates, err := fx.ParseRates(strings.NewReader(ecbHistory), "ecb")
	if err != nil || len(rates) != 6 {
		t.Fatalf("history: %d rates, %v", len(rates), err)
	}
	if r := rates[0]; r.Base != "EUR" || r.Quote != "USD" || r.Value.Text('f') != "1.0921" || !r.Day.Equal(day("2026-01-09")) {
		t.Fatalf("first rate: %+v", r)
	}
	daily, err := fx.ParseRates(strings.NewReader(ecbDaily), "ecb")
	if err != nil || len(daily) != 3 || !daily[2].Day.Equal(day("2026-01-09")) {
		t.Fatalf("daily: %+v %v", daily, err)
	}
	plain, err := fx.ParseRates(strings.NewReader("date,base,quote,rate\n2026-01-09,usd,chf,0.8512\n"), "import")
	if err != nil || len(plain) != 1 || plain[0].Base != "USD" || plain[0].Quote != "CHF" {
		t.Fatalf("plain: %+v %v", plain, err)
	}
}

func TestParseErrorsNameLineAndColumn(t *testing.T) {
	for body, want := range map[string]string{
		"":                           "line 1: the file is empty",
		"Date,USD\n2026-13-01,1.1\n": "line 2, column Date",
		"Date,USD\n2026-01-01,abc\n": "line 2, column USD",
		"Date,USD\n2026-01-01,-1\n":  "line 2, column USD",
		"Date,usd1\n":                "line 1, column 2",
		"date,base,quote,rate\n2026-01-01,EUR,EUR,1\n": "line 2: base and quote are both EUR",
		"date,base,quote,rate\n2026-01-01,EUR,ZZZ,1\n": "line 2, column quote",
		"price,amount\n1,2\n":                          "expected an ECB header",
		"Date,USD,eur\n2026-01-01,1.1,1\n":             "line 1, column 3: EUR is the base", // found by FuzzParseRates
	} {
		_, err := fx.ParseRates(strings.NewReader(body), "t")
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("%q: want %q, got %v", body, want, err)
		}
	}
}

func TestConvert(t *testing.T) {
	rates, _ := fx.ParseRates(strings.NewReader(ecbHistory), "ecb")
	c := fx.NewConverter(rates)
	got, r, err := c.Convert(dec("100"), "EUR", "USD", day("2026-01-10")) // Saturday: Friday's rate
	if err != nil || got.Text('f') != "109.2100" || !r.Day.Equal(day("2026-01-09")) {
		t.Fatalf("EUR->USD: %v %+v %v", got, r, err)
	}
	got, _, err = c.Convert(dec("109.21"), "USD", "EUR", day("2026-01-09"))
	if err != nil || got.Text('f')[:8] != "100.0000" {
		t.Fatalf("USD->EUR inverse: %v %v", got, err)
	}
	got, r, err = c.Convert(dec("1000"), "JPY", "GBP", day("2026-01-08"))
	if err != nil || r.Via != "EUR" || !strings.HasPrefix(got.Text('f'), "5.477707") {
		t.Fatalf("JPY->GBP via EUR: %v %+v %v", got, r, err)
	}
	_, _, err = c.Convert(dec("5"), "EUR", "USD", day("2026-02-01"))
	var missing *fx.MissingRateError
	if !errors.As(err, &missing) || missing.From != "EUR" || missing.To != "USD" {
		t.Fatalf("a rate older than the lookback must not be used: %v", err)
	}
	if _, _, err := c.Convert(dec("5"), "EUR", "CHF", day("2026-01-09")); !errors.As(err, &missing) {
		t.Fatalf("an unknown pair is missing, not 0 or 1: %v", err)
	}
}

func TestImportIsAllOrNothingAndKeepsHistory(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx := context.Background()
		st := store.New(db)
		now := domain.Now()
		org := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "FX", CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOrg(ctx, org); err != nil {
			t.Fatal(err)
		}
		grants := []auth.Grant{{Role: auth.RoleFinOps}}
		p := &auth.Principal{User: domain.User{ID: "usr_x", Email: "fin@example.com"}, Org: org, Grants: grants, Perms: auth.OrgPermissions(grants)}
		svc := &fx.Service{Store: st}
		who := audit.Actor{UserID: "usr_x", Email: "fin@example.com"}
		res, err := svc.Import(ctx, p, strings.NewReader(ecbHistory), "ecb", who)
		if err != nil || res.Added != 6 {
			t.Fatalf("import: %+v %v", res, err)
		}
		bad := strings.Replace(ecbHistory, "1.0900", "oops", 1)
		if _, err := svc.Import(ctx, p, strings.NewReader(bad+"2026-01-07,1.5,1,1,N/A,\n"), "ecb", who); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Fatalf("bad file: %v", err)
		}
		if _, err := svc.SetRate(ctx, p, domain.FXRate{Day: day("0001-01-01"), Base: "EUR", Quote: "USD", Value: dec("1")}, who); domain.ErrorField(err) != "day" {
			t.Fatalf("a rate of year 1: %v", err) // the day FuzzParseRates found the importer taking
		}
		res, err = svc.SetRate(ctx, p, domain.FXRate{Day: day("2026-01-09"), Base: "EUR", Quote: "USD", Value: dec("1.0925")}, who)
		if err != nil || res.Corrected != 1 {
			t.Fatalf("correction: %+v %v", res, err)
		}
		rates, err := st.ListRates(ctx, org.ID, day("2026-01-01"), day("2026-02-01"))
		if err != nil || len(rates) != 6 {
			t.Fatalf("rates after a refused file: %d %v", len(rates), err)
		}
		hist, err := st.RateHistory(ctx, org.ID, "EUR", "USD")
		if err != nil || len(hist) != 3 || hist[2].Previous.Text('f') != "1.0921" || hist[2].Value.Text('f') != "1.0925" {
			t.Fatalf("history: %+v %v", hist, err)
		}
		conv, err := svc.Converter(ctx, org.ID, day("2026-01-09"), day("2026-01-10"))
		if err != nil {
			t.Fatal(err)
		}
		if got, _, err := conv.Convert(dec("10"), "EUR", "USD", day("2026-01-09")); err != nil || got.Text('f') != "10.9250" {
			t.Fatalf("the corrected rate converts: %v %v", got, err)
		}
		viewer := &auth.Principal{Org: org, Perms: auth.OrgPermissions([]auth.Grant{{Role: auth.RoleViewer}})}
		if _, err := svc.Import(ctx, viewer, strings.NewReader(ecbHistory), "ecb", who); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("a viewer imports rates: %v", err)
		}
	})
}
