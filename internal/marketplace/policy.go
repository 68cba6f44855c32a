package marketplace

import (
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// Program is the vendor programme whose commercial rules an item follows.
type Program string

// Programmes with rules of their own; others follow the general rules.
const (
	ProgramGeneral      Program = "general"
	ProgramAdobeVIP     Program = "adobe-vip" // Adobe VIP Marketplace
	ProgramMicrosoftNCE Program = "microsoft-nce"
)

// Policy is a programme's commercial rules.
type Policy struct {
	Program Program
	// ReturnDays: a purchase (or added licences) may be returned for a
	// full credit within this many days of the order completing; 0 none.
	ReturnDays int
	// ReduceOnlyInReturnWindow: after the return window, quantities only
	// go down at renewal and a subscription ends by not renewing.
	ReduceOnlyInReturnWindow bool
	// CoTerm: every subscription of an agreement renews on the
	// agreement's anniversary date; licences bought later are prorated
	// to it.
	CoTerm bool
	// MidTermPO: the purchase-order number of a running subscription may
	// be changed; elsewhere it is set when ordering.
	MidTermPO bool
}

// Policies by programme.
var policies = map[Program]Policy{
	ProgramGeneral:      {Program: ProgramGeneral},
	ProgramAdobeVIP:     {Program: ProgramAdobeVIP, ReturnDays: 14, ReduceOnlyInReturnWindow: true, CoTerm: true, MidTermPO: true},
	ProgramMicrosoftNCE: {Program: ProgramMicrosoftNCE, ReturnDays: 7, ReduceOnlyInReturnWindow: true},
}

// PolicyOf returns the programme's rules (general for unknown ones).
func PolicyOf(p Program) Policy {
	if pol, ok := policies[p]; ok {
		return pol
	}
	return policies[ProgramGeneral]
}

// ParseProgram checks a programme code.
func ParseProgram(s string) (Program, error) {
	if _, ok := policies[Program(s)]; ok {
		return Program(s), nil
	}
	return "", domain.FieldError("program", "%q is not a programme: use general, adobe-vip or microsoft-nce", s)
}

// Label names the programme for people.
func (p Program) Label() string {
	switch p {
	case ProgramAdobeVIP:
		return "Adobe VIP Marketplace"
	case ProgramMicrosoftNCE:
		return "Microsoft NCE"
	}
	return "General"
}

// ReturnUntil is the last moment a purchase completed at bought may be
// returned; zero when the programme has no return window.
func (pol Policy) ReturnUntil(bought time.Time) time.Time {
	if pol.ReturnDays == 0 {
		return time.Time{}
	}
	return bought.AddDate(0, 0, pol.ReturnDays)
}

// InReturnWindow reports whether at is within the return window of a
// purchase completed at bought.
func (pol Policy) InReturnWindow(bought, at time.Time) bool {
	return pol.ReturnDays > 0 && !at.After(pol.ReturnUntil(bought))
}

// CheckReduction says whether subscription sub, bought at bought and
// renewing at renews, may lose licences (or be terminated: terminate) at
// at.
func (pol Policy) CheckReduction(sub string, bought, at, renews time.Time, terminate bool) error {
	if !pol.ReduceOnlyInReturnWindow || pol.InReturnWindow(bought, at) {
		return nil
	}
	what, fix := "Licences of "+sub, "lower its renewal quantity"
	if terminate {
		what, fix = sub, "switch its auto-renew off"
	}
	return domain.Errorf(domain.CodeConflict, "%s can only be returned within %d days of purchase under %s rules (until %s); "+
		"%s to change it on its renewal date, %s",
		what, pol.ReturnDays, pol.Program.Label(), pol.ReturnUntil(bought).UTC().Format("2 Jan 2006 15:04 UTC"),
		fix, renews.UTC().Format("2 Jan 2006"))
}

// CheckPOChange says whether the purchase-order number of subscription
// sub, in status st, may be changed now.
func (pol Policy) CheckPOChange(sub string, st SubscriptionStatus) error {
	if st == SubscriptionDraft || pol.MidTermPO {
		return nil
	}
	return domain.Errorf(domain.CodeConflict, "The purchase-order number of %s cannot change during its term: only Adobe VIP "+
		"Marketplace subscriptions allow that, and this one follows %s rules. Set it on the next order for this subscription instead.",
		sub, pol.Program.Label())
}

// Anniversary is the renewal date of a co-termed agreement whose first
// purchase completed on first, as seen at at: the first anniversary of
// first strictly after at.
func Anniversary(first, at time.Time) time.Time {
	first = Day(first)
	n := 12
	for !AddMonths(first, n).After(at) {
		n += 12
	}
	return AddMonths(first, n)
}
