package marketplace

import (
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/domain"
)

func date(s string) time.Time {
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestIDsHaveTheMarketplaceShape(t *testing.T) {
	for _, p := range []string{PrefixAgreement, PrefixSubscription, PrefixOrder, PrefixInvoice} {
		id := NewID(p)
		if !ValidID(p, id) {
			t.Fatalf("%s: %q", p, id)
		}
	}
	if id := NewID(PrefixAgreement); len(id) != len("AGR-1234-5678-9012") {
		t.Fatalf("agreement ID %q", id)
	}
	for _, bad := range []string{"AGR-1234-5678", "SUB-1234-5678-9012", "AGR-12a4-5678-9012", "agr-1234-5678-9012", ""} {
		if ValidID(PrefixAgreement, bad) {
			t.Errorf("%q accepted as an agreement ID", bad)
		}
	}
}

func TestPONumbersArePrintedCutTo16AndAnEllipsis(t *testing.T) {
	cases := map[string]string{
		"":                               "",
		"PO-4711":                        "PO-4711",
		"12345678901234567890":           "12345678901234567890", // 20: printed whole
		"123456789012345678901":          "1234567890123456…",    // 21: cut
		"ÄÖÜ-Bestellung-2026-11-Einkauf": "ÄÖÜ-Bestellung-2…",    // runes, not bytes
	}
	for in, want := range cases {
		if got := PrintPO(in); got != want {
			t.Errorf("PrintPO(%q) = %q, want %q", in, got, want)
		}
	}
	if _, err := CleanPO("PO\n4711"); domain.ErrorField(err) != "po_number" {
		t.Errorf("line break: %v", err)
	}
	if _, err := CleanPO(strings.Repeat("x", MaxPOLength+1)); domain.ErrorField(err) != "po_number" {
		t.Errorf("too long: %v", err)
	}
	if po, err := CleanPO("  PO-1  "); err != nil || po != "PO-1" {
		t.Errorf("trim: %q %v", po, err)
	}
}

func TestAddMonthsKeepsTheDayOrTheMonthsEnd(t *testing.T) {
	cases := [][3]string{{"2026-01-31", "1", "2026-02-28"}, {"2028-01-31", "1", "2028-02-29"},
		{"2026-03-15", "12", "2027-03-15"}, {"2028-02-29", "12", "2029-02-28"}, {"2026-11-30", "3", "2027-02-28"}}
	for _, c := range cases {
		n := map[string]int{"1": 1, "3": 3, "12": 12}[c[1]]
		if got := AddMonths(date(c[0]), n); !got.Equal(date(c[2])) {
			t.Errorf("%s + %d months = %s, want %s", c[0], n, got.Format(time.DateOnly), c[2])
		}
	}
}

func TestAdobeReturnWindowIs14Days(t *testing.T) {
	adobe, general := PolicyOf(ProgramAdobeVIP), PolicyOf(ProgramGeneral)
	bought := time.Date(2026, 11, 1, 10, 0, 0, 0, time.UTC)
	renews := date("2027-11-01")
	if err := adobe.CheckReduction("SUB-1", bought, bought.AddDate(0, 0, 14), renews, true); err != nil {
		t.Fatalf("day 14: %v", err)
	}
	err := adobe.CheckReduction("SUB-1", bought, bought.AddDate(0, 0, 14).Add(time.Second), renews, true)
	if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "within 14 days") ||
		!strings.Contains(domain.ErrorMessage(err), "15 Nov 2026 10:00 UTC") || !strings.Contains(domain.ErrorMessage(err), "1 Nov 2027") {
		t.Fatalf("after the window: %v", err)
	}
	if err := general.CheckReduction("SUB-1", bought, bought.AddDate(1, 0, 0), renews, true); err != nil {
		t.Fatalf("general rules have no window: %v", err)
	}
	if nce := PolicyOf(ProgramMicrosoftNCE); nce.InReturnWindow(bought, bought.AddDate(0, 0, 8)) {
		t.Fatal("NCE window is 7 days")
	}
}

func TestAdobeRenewsOnTheAnniversary(t *testing.T) {
	first := date("2026-03-10")
	for at, want := range map[string]string{"2026-03-10": "2027-03-10", "2026-11-25": "2027-03-10",
		"2027-03-10": "2028-03-10", "2027-03-09": "2027-03-10"} {
		if got := Anniversary(first, date(at)); !got.Equal(date(want)) {
			t.Errorf("anniversary seen at %s = %s, want %s", at, got.Format(time.DateOnly), want)
		}
	}
}

func TestMidTermPOOnlyForAdobe(t *testing.T) {
	if err := PolicyOf(ProgramAdobeVIP).CheckPOChange("SUB-1", SubscriptionActive); err != nil {
		t.Fatal(err)
	}
	err := PolicyOf(ProgramMicrosoftNCE).CheckPOChange("SUB-2", SubscriptionActive)
	if domain.ErrorCode(err) != domain.CodeConflict || !strings.Contains(domain.ErrorMessage(err), "only Adobe VIP Marketplace") ||
		!strings.Contains(domain.ErrorMessage(err), "Microsoft NCE rules") {
		t.Fatalf("NCE: %v", err)
	}
	if err := PolicyOf(ProgramGeneral).CheckPOChange("SUB-3", SubscriptionDraft); err != nil {
		t.Fatalf("a draft's PO may change: %v", err)
	}
}

func amount(s string) domain.Amount {
	d, _, err := apd.NewFromString(s)
	if err != nil {
		panic(err)
	}
	a, err := domain.AmountFromDecimal(d)
	if err != nil {
		panic(err)
	}
	return a
}

func TestChargesAreProratedAndRoundedOnce(t *testing.T) {
	cases := []struct {
		unit           string
		qty, days, per int64
		cur            domain.Currency
		want           string
	}{
		{"29.99", 10, 30, 30, "EUR", "299.9"},
		{"29.99", 10, 15, 30, "EUR", "149.95"},
		{"359.88", 3, 100, 365, "USD", "295.79"}, // 295.7917...
		{"10", 1, 1, 3, "USD", "3.33"},
		{"10", 1, 1, 8, "USD", "1.25"},  // 1.25 exactly
		{"1", 1, 1, 8, "USD", "0.13"},   // 0.125 → half up
		{"1000", 1, 1, 3, "JPY", "333"}, // no minor unit
	}
	for _, c := range cases {
		got, err := ChargeAmount(amount(c.unit), c.qty, c.days, c.per, c.cur)
		if err != nil || got != amount(c.want) {
			t.Errorf("%s × %d × %d/%d %s = %s (%v), want %s", c.unit, c.qty, c.days, c.per, c.cur, got, err, c.want)
		}
	}
	if _, err := ChargeAmount(amount("1"), 1, 31, 30, "USD"); domain.ErrorCode(err) != domain.CodeInvalid {
		t.Fatalf("31 of 30 days: %v", err)
	}
}
