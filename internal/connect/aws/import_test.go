package awsconn

import (
	"bytes"
	"context"
	"testing"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The framework's path: WriteFOCUS, billing.Open, the cost store's
// Import; the stored totals are Cost Explorer's to the last digit.
func TestWriteFOCUSImportsIntoTheCostStore(t *testing.T) {
	e := newEnv(t)
	c, _ := e.userClient(t, allowAll...)
	from, to := e.lastMonth()
	from = from.AddDate(0, 0, 21)
	var buf bytes.Buffer
	if err := c.WriteFOCUS(ctx(), from, to, &buf); err != nil {
		t.Fatal(err)
	}
	data := buf.Bytes()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		st := store.New(db)
		now := domain.Now()
		org := domain.Org{ID: domain.NewID("org"), Name: storetest.Name("aws"), ReportingCurrency: "USD", CreatedAt: now, UpdatedAt: now}
		if err := st.CreateOrg(context.Background(), org); err != nil {
			t.Fatal(err)
		}
		r, err := billing.Open(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		res, err := st.Costs().Import(context.Background(), org.ID, r, costs.ImportMeta{FileName: "aws-cost-explorer.csv", CreatedBy: "test"})
		if err != nil {
			t.Fatal(err)
		}
		want := e.aws.TotalCost(payer, "UnblendedCost", from, to)
		if got := res.Totals["USD"].Billed.String(); !decimalEqual(got, want) {
			t.Fatalf("stored billed total %s, Cost Explorer's %s", got, want)
		}
		if got, want := res.Totals["USD"].Effective.String(), e.aws.TotalCost(payer, "AmortizedCost", from, to); !decimalEqual(got, want) {
			t.Fatalf("stored effective total %s, Cost Explorer's %s", got, want)
		}
	})
}
