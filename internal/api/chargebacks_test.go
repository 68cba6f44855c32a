package api_test

import (
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/pdftext"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

const septemberFOCUS = `BilledCost,BillingAccountId,BillingAccountName,BillingCurrency,BillingPeriodEnd,BillingPeriodStart,ChargeCategory,ChargeClass,ChargeDescription,ChargeFrequency,ChargePeriodEnd,ChargePeriodStart,ContractedCost,EffectiveCost,InvoiceIssuerName,ListCost,ProviderName,PublisherName,RegionId,RegionName,ResourceId,ResourceName,ServiceCategory,ServiceName,SkuId,SubAccountId,SubAccountName,Tags,PricingCurrency,PricingQuantity,PricingUnit,ConsumedQuantity,ConsumedUnit
120.40,acct,Acct,USD,2026-10-01,2026-09-01,Usage,,x,Usage-Based,2026-09-06,2026-09-05,120.40,120.40,Cloud,120.40,Cloud,Cloud,westeurope,West Europe,/r/1,vm1,Compute,Virtual Machines,sku,s1,s1,"{""team"":""alpha""}",USD,,,,
9.60,acct,Acct,USD,2026-10-01,2026-09-01,Usage,,x,Usage-Based,2026-09-06,2026-09-05,9.60,9.60,Cloud,9.60,Cloud,Cloud,westeurope,West Europe,/r/2,st1,Storage,Blob,sku,s1,s1,,USD,,,,
`

func TestChargebacksThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		r, err := billing.Open(strings.NewReader(septemberFOCUS))
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.Costs().Import(f.ctx, f.a.org.ID, r, costs.ImportMeta{FileName: "sep.csv", SourceKey: "sep"}); err != nil {
			t.Fatal(err)
		}
		tok := f.a.ownerToken
		f.do("POST", "/api/v1/chargebacks", tok, `{"month":"Sept"}`).wantError(t, "bad month", 400, domain.CodeInvalid)
		f.do("POST", "/api/v1/chargebacks/extra-charges", tok, `{"business_unit":"`+f.a.groupID+`","kind":"service_fee","percent":"abc","from":"2026-09"}`).
			wantError(t, "bad percent", 400, domain.CodeInvalid)
		res := f.do("POST", "/api/v1/chargebacks/extra-charges", tok, `{"business_unit":"`+f.a.groupID+`","kind":"service_fee","percent":"10","from":"2026-09"}`)
		res.wantStatus(t, "create extra charge", 201)
		res = f.do("POST", "/api/v1/chargebacks", tok, `{"month":"2026-09"}`)
		res.wantStatus(t, "generate", 201)
		var d struct {
			Version        int
			Status, Reason string
			Units          []struct {
				Name, Total, Allocated, Extra string
				Lines                         []struct{ Kind, Service, Amount string }
			} `json:"business_units"`
			NotCharged []struct{ Name, Amount string } `json:"not_charged"`
		}
		res.decode(t, &d)
		if len(d.Units) != 1 || d.Units[0].Allocated != "120.4" || d.Units[0].Extra != "12.04" || d.Units[0].Total != "132.44" ||
			len(d.NotCharged) != 1 || d.NotCharged[0].Amount != "9.6" || d.Status != "final" {
			t.Fatalf("generated %s", res.body)
		}
		if loc := res.header.Get("Location"); loc != "/api/v1/chargebacks/2026-09/versions/1" {
			t.Errorf("Location = %q", loc)
		}
		f.do("POST", "/api/v1/chargebacks", tok, `{"month":"2026-09"}`).wantStatus(t, "generate again", 201)
		diff := f.do("GET", "/api/v1/chargebacks/2026-09/versions/2/diff", tok, nil).json(t)
		if diff["previous"] != float64(1) || diff["business_units"].([]any)[0].(map[string]any)["change"] != "unchanged" {
			t.Errorf("diff = %v", diff)
		}
		pdfRes := f.do("GET", "/api/v1/chargebacks/2026-09/versions/2/pdf", tok, nil)
		pdfRes.wantStatus(t, "pdf", 200)
		if pdfRes.header.Get("Content-Type") != "application/pdf" || !strings.Contains(pdfText(t, pdfRes.body), "132.44") {
			t.Errorf("pdf: %s", pdfRes.header)
		}
		csvRes := f.do("GET", "/api/v1/chargebacks/2026-09/versions/1/csv", tok, nil)
		if csvRes.status != 200 || !strings.Contains(string(csvRes.body), ",total,,,,132.44,132.44") {
			t.Errorf("csv %d: %s", csvRes.status, csvRes.body)
		}
		rec := f.do("GET", "/api/v1/chargebacks/2026-09/reconciliation", tok, nil).json(t)
		if rec["billed"] != "130" || rec["charged"] != "132.44" || rec["difference"] != "2.44" || len(rec["items"].([]any)) != 2 {
			t.Errorf("reconciliation = %v", rec)
		}
		f.do("GET", "/api/v1/chargebacks/2026-09/versions/3", tok, nil).wantError(t, "no v3", 404, domain.CodeNotFound)
		sent := f.do("POST", "/api/v1/chargebacks/2026-09/versions/2/send", tok, nil).json(t)
		if len(sent["skipped"].([]any)) != 1 {
			t.Errorf("sent = %v (the seeded group has no owner)", sent)
		}
		list := f.do("GET", "/api/v1/chargebacks", tok, nil).json(t)
		if items := list["items"].([]any); len(items) != 3 || items[0].(map[string]any)["month"] != "2026-09" {
			t.Errorf("list = %v", list)
		}
	})
}

func pdfText(t *testing.T, b []byte) string {
	t.Helper()
	text, err := pdftext.Text(b)
	if err != nil {
		t.Fatalf("read the PDF: %v", err)
	}
	return text
}
