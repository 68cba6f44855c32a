package billing

import (
	"bytes"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing/focusgen"
)

// lineText spells out every field of a line, decimals with their scale
// ("1.50" differs from "1.5") and nil apart from zero, so two lines are
// identical exactly when their texts are.
func lineText(l *Line) string {
	var b strings.Builder
	v := reflect.ValueOf(l).Elem()
	for i := range v.NumField() {
		if v.Type().Field(i).Name == "Shape" { // which lines share text: not the line's content
			continue
		}
		fmt.Fprintf(&b, "%s=", v.Type().Field(i).Name)
		switch x := v.Field(i).Interface().(type) {
		case *apd.Decimal:
			if x == nil {
				b.WriteString("<nil>")
			} else {
				b.WriteString(x.Text('f'))
			}
		case time.Time:
			b.WriteString(x.Format(time.RFC3339Nano) + " " + x.Location().String())
		default:
			fmt.Fprintf(&b, "%v", x) // maps print with sorted keys
		}
		b.WriteByte('\n')
	}
	return b.String()
}

func readBack(t *testing.T, data []byte) (*Reader, []*Line) {
	t.Helper()
	r, err := Open(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("read the written file: %v\n%s", err, data)
	}
	var lines []*Line
	for {
		l, err := r.Next()
		if err != nil {
			if errors.Is(err, io.EOF) {
				return r, lines
			}
			t.Fatalf("read the written file, line %d: %v", r.Line(), err)
		}
		lines = append(lines, l)
	}
}

// roundTrip writes lines and reads them back with Canopy's own reader.
func roundTrip(t *testing.T, lines []*Line) []byte {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteFOCUS(&buf, lines); err != nil {
		t.Fatal(err)
	}
	r, got := readBack(t, buf.Bytes())
	if r.Format() != FOCUS12 {
		t.Fatalf("written file detected as %s, want %s", r.Format(), FOCUS12)
	}
	if len(got) != len(lines) {
		t.Fatalf("read back %d lines, wrote %d", len(got), len(lines))
	}
	for i := range lines {
		if want, have := lineText(lines[i]), lineText(got[i]); want != have {
			t.Fatalf("line %d differs after the round trip:\nwrote:\n%s\nread:\n%s", i+1, want, have)
		}
	}
	return buf.Bytes()
}

func TestFOCUSWriteRoundTripsTestFiles(t *testing.T) {
	for _, path := range []string{"testdata/focus12_quirks.csv", "testdata/azure_mca_actual.csv",
		"testdata/azure_ea_amortized.csv", "testdata/aws_cur2.csv", "testdata/aws_cur_legacy.csv"} {
		t.Run(path, func(t *testing.T) {
			_, lines := readAll(t, path)
			if len(lines) < 2 {
				t.Fatalf("only %d lines to round-trip", len(lines))
			}
			roundTrip(t, lines)
		})
	}
}

func TestFOCUSWriteRoundTripsGeneratedLines(t *testing.T) {
	var src bytes.Buffer
	if _, err := focusgen.Generate(&src, focusgen.Options{Rows: 3000, Seed: 11, Days: 3}); err != nil {
		t.Fatal(err)
	}
	_, lines := readBack(t, src.Bytes())
	out := roundTrip(t, lines)
	header, err := csv.NewReader(bytes.NewReader(out)).Read()
	if err != nil {
		t.Fatal(err)
	}
	for _, col := range []string{"BillingAccountType", "SubAccountType", "ServiceSubcategory", "SkuMeter",
		"ListUnitPrice", "ContractedUnitPrice", "PricingCategory", "x_ResourceGroupName"} {
		if !slices.Contains(header, col) {
			t.Errorf("header lacks %s: %v", col, header)
		}
	}
}

// TestFOCUSWriteFormats pins the cell formats: UTC ISO 8601 date-times
// with Z, decimals in plain notation with their scale, null as empty,
// tags as a JSON object, unknown FOCUS columns under their own names.
func TestFOCUSWriteFormats(t *testing.T) {
	berlin := time.FixedZone("CET", 3600)
	l := &Line{BillingAccountID: "acct", BillingCurrency: "EUR", ChargeCategory: CategoryUsage,
		BillingPeriodStart: time.Date(2026, 11, 1, 1, 0, 0, 0, berlin), BillingPeriodEnd: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC),
		ChargePeriodStart: time.Date(2026, 11, 3, 0, 0, 0, 0, time.UTC), ChargePeriodEnd: time.Date(2026, 11, 4, 0, 0, 0, 0, time.UTC),
		BilledCost: apd.New(150, -2), EffectiveCost: apd.New(-12345, -10), ServiceName: "=cmd()",
		Tags: map[string]string{"team": "a,b", "env": "prod"}, Extra: map[string]string{"x_SkuMeter": "Hours", "x_Custom": "1"}}
	var buf bytes.Buffer
	if err := WriteFOCUS(&buf, []*Line{l}); err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(&buf).ReadAll()
	if err != nil || len(recs) != 2 {
		t.Fatalf("records %v err %v", recs, err)
	}
	cell := map[string]string{}
	for i, h := range recs[0] {
		cell[h] = recs[1][i]
	}
	want := map[string]string{"BillingPeriodStart": "2026-11-01T00:00:00Z", "ChargePeriodEnd": "2026-11-04T00:00:00Z",
		"BilledCost": "1.50", "EffectiveCost": "-0.0000012345", "ListCost": "", "ServiceName": "=cmd()",
		"Tags": `{"env":"prod","team":"a,b"}`, "SkuMeter": "Hours", "x_Custom": "1", "x_SkuMeter": "<absent>"}
	for col, v := range want {
		got, ok := cell[col]
		if !ok {
			got = "<absent>"
		}
		if got != v {
			t.Errorf("%s = %q, want %q", col, got, v)
		}
	}
}
