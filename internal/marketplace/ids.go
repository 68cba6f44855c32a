package marketplace

import (
	"crypto/rand"
	"fmt"
	"math/big"
	"regexp"
	"strings"
)

// Marketplace IDs are read aloud and typed into vendor portals and
// purchase systems, so they follow the marketplace's style: a kind
// prefix and groups of four digits (AGR-1234-5678-9012).
const (
	PrefixAgreement    = "AGR"
	PrefixSubscription = "SUB"
	PrefixOrder        = "ORD"
	PrefixCharge       = "CHG"
	PrefixStatement    = "SOM"
	PrefixInvoice      = "INV"
	PrefixCreditMemo   = "CRM"
	PrefixVendor       = "VND"
	PrefixProduct      = "PRD"
	PrefixItem         = "ITM"
	PrefixListing      = "LST"
)

// groups is how many four-digit groups each kind's ID has.
var groups = map[string]int{PrefixAgreement: 3, PrefixSubscription: 3, PrefixOrder: 4, PrefixCharge: 4,
	PrefixStatement: 4, PrefixInvoice: 4, PrefixCreditMemo: 4, PrefixVendor: 2, PrefixProduct: 2,
	PrefixItem: 3, PrefixListing: 3}

var idPattern = regexp.MustCompile(`^([A-Z]{3})((?:-[0-9]{4})+)$`)

// NewID returns a random ID of the kind prefix (one of the Prefix
// constants; others panic, as a wiring bug).
func NewID(prefix string) string {
	n, ok := groups[prefix]
	if !ok {
		panic("marketplace: unknown ID prefix " + prefix)
	}
	var b strings.Builder
	b.WriteString(prefix)
	for range n {
		v, err := rand.Int(rand.Reader, big.NewInt(10000))
		if err != nil {
			panic("crypto/rand failed: " + err.Error())
		}
		fmt.Fprintf(&b, "-%04d", v.Int64())
	}
	return b.String()
}

// ValidID reports whether id is a well-formed ID of the kind prefix.
func ValidID(prefix, id string) bool {
	m := idPattern.FindStringSubmatch(id)
	return m != nil && m[1] == prefix && len(m[2]) == 5*groups[prefix]
}
