package marketplace

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/domain"
)

// MaxPOLength bounds a purchase-order number ("Additional ID"); ERP
// systems use far shorter ones.
const MaxPOLength = 64

// poPrintWidth and poPrintKeep: invoices print "PO No." in a narrow
// field; a longer number is cut to its first 16 characters and an
// ellipsis.
const (
	poPrintWidth = 20
	poPrintKeep  = 16
)

// CleanPO checks a purchase-order number typed by a buyer and returns it
// trimmed; "" clears it.
func CleanPO(po string) (string, error) {
	po = strings.TrimSpace(po)
	if !utf8.ValidString(po) {
		return "", domain.FieldError("po_number", "the purchase-order number is not valid UTF-8 text")
	}
	if n := utf8.RuneCountInString(po); n > MaxPOLength {
		return "", domain.FieldError("po_number", "the purchase-order number has %d characters; at most %d are allowed", n, MaxPOLength)
	}
	for _, r := range po {
		if unicode.IsControl(r) {
			return "", domain.FieldError("po_number", "the purchase-order number must be one line of printable characters")
		}
	}
	return po, nil
}

// PrintPO is a purchase-order number as invoices print it: unchanged up
// to 20 characters, else its first 16 characters and "…".
func PrintPO(po string) string {
	if utf8.RuneCountInString(po) <= poPrintWidth {
		return po
	}
	r := []rune(po)
	return string(r[:poPrintKeep]) + "…"
}
