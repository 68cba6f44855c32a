package marketplace

import (
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/domain"
)

// FuzzPONumber: a purchase-order number typed by a buyer is refused with
// the po_number field or accepted as one trimmed line of at most
// MaxPOLength printable characters, which cleans to itself again and
// prints in at most 20 characters.
func FuzzPONumber(f *testing.F) {
	for _, s := range []string{"PO-4711", "  PO 2026/11-0042 ", "", strings.Repeat("9", 65), "PO\n1", "PO\u00a0€ 12", "\xff", "Ünïcødé-Bestellnummer-1234567890"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		po, err := CleanPO(in)
		if err != nil {
			if domain.ErrorField(err) != "po_number" || domain.ErrorMessage(err) == "" {
				t.Fatalf("%q: refusal without the field: %v", in, err)
			}
			return
		}
		if po != strings.TrimSpace(po) || !utf8.ValidString(po) || utf8.RuneCountInString(po) > MaxPOLength ||
			strings.IndexFunc(po, unicode.IsControl) >= 0 {
			t.Fatalf("%q accepted as %q", in, po)
		}
		if again, err := CleanPO(po); err != nil || again != po {
			t.Fatalf("%q cleans to %q, then to %q (%v)", in, po, again, err)
		}
		if p := PrintPO(po); utf8.RuneCountInString(p) > poPrintWidth || !utf8.ValidString(p) {
			t.Fatalf("%q prints as %q", po, p)
		}
	})
}
