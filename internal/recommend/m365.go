package recommend

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/store"
)

// InactiveThresholds are the inactivity tiers (days) of licence holders.
var InactiveThresholds = []int{90, 60, 30}

// Directory is what Canopy's licence recommendations read of one
// Microsoft 365 connection.
type Directory struct {
	Tenant   string
	Users    []store.M365User // current users holding a licence
	SKUs     []store.M365SKU  // current SKUs
	Activity []store.M365Activity
	Report   *store.M365ActivityReport // nil: the usage report was never read
}

type assigned struct {
	SkuID         string   `json:"skuId"`
	DisabledPlans []string `json:"disabledPlans"`
}

type plan struct {
	ID   string `json:"servicePlanId"`
	Name string `json:"servicePlanName"`
}

// LicenceRecommendations derives the unassigned and overlapping licence
// recommendations of a directory (source SourceM365) and those of
// inactive users (SourceM365Usage). skipped explains why inactive users
// could not be judged ("" when they were; inactive is then nil).
func LicenceRecommendations(d Directory) (licences, inactive []store.SourceRecommendation, skipped string) {
	skus := map[string]store.M365SKU{}
	for _, k := range d.SKUs {
		skus[k.SkuID] = k
	}
	licences = append(unassigned(d), overlapping(d.Tenant, d.Users, skus)...)
	inactive, skipped = inactiveUsers(d, skus)
	return licences, inactive, skipped
}

func seatsJSON(s ...Seats) []byte { return encodeSeats(s) }

// unassigned is one recommendation per SKU with seats bought (enabled
// prepaid units) but not assigned.
func unassigned(d Directory) []store.SourceRecommendation {
	var out []store.SourceRecommendation
	for _, k := range d.SKUs {
		free := k.PrepaidEnabled - k.ConsumedUnits
		if free <= 0 || k.DeletedAt != nil {
			continue
		}
		out = append(out, store.SourceRecommendation{SourceKey: "unassigned/" + k.SkuID, Category: CategoryUnassigned,
			Account: d.Tenant, Title: fmt.Sprintf("%d unassigned %s licence%s", free, k.SkuPartNumber, plural(free)),
			Detail: fmt.Sprintf("%s: %d seats bought (enabled), %d assigned, so %d are paid for and unused. "+
				"Lower the subscription's quantity (at its renewal for annual terms) or assign them to people who need them.",
				k.SkuPartNumber, k.PrepaidEnabled, k.ConsumedUnits, free),
			Licences: seatsJSON(Seats{SkuPartNumber: k.SkuPartNumber, Seats: free})})
	}
	return out
}

func plural(n int64) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// userLicences decodes a user's assigned licences (SKUs the directory
// knows only; unknown ones cannot be valued or compared).
func userLicences(u store.M365User, skus map[string]store.M365SKU) []assigned {
	var list []assigned
	_ = json.Unmarshal(u.AssignedLicenses, &list) // stored by the connector as Graph sent it
	out := list[:0]
	for _, l := range list {
		if _, ok := skus[l.SkuID]; ok {
			out = append(out, l)
		}
	}
	return out
}

// enabledPlans are the plans of a SKU the user's assignment leaves on.
func enabledPlans(k store.M365SKU, l assigned) []plan {
	var plans []plan
	_ = json.Unmarshal(k.ServicePlans, &plans)
	var out []plan
	for _, p := range plans {
		if !slices.ContainsFunc(l.DisabledPlans, func(d string) bool { return strings.EqualFold(d, p.ID) }) {
			out = append(out, p)
		}
	}
	return out
}

// overlapping flags, per user, a licence whose every enabled service plan
// another licence of the user already provides (a standalone product
// included in the suite, or a suite inside a bigger one). Smaller
// licences are judged first, so of two equal ones only one is flagged.
func overlapping(tenant string, users []store.M365User, skus map[string]store.M365SKU) []store.SourceRecommendation {
	var out []store.SourceRecommendation
	for _, u := range users {
		lic := userLicences(u, skus)
		plans := make([][]plan, len(lic))
		for i, l := range lic {
			plans[i] = enabledPlans(skus[l.SkuID], l)
		}
		order := make([]int, len(lic))
		for i := range order {
			order[i] = i
		}
		sort.SliceStable(order, func(a, b int) bool {
			pa, pb := len(plans[order[a]]), len(plans[order[b]])
			if pa != pb {
				return pa < pb
			}
			return skus[lic[order[a]].SkuID].SkuPartNumber < skus[lic[order[b]].SkuID].SkuPartNumber
		})
		flagged := map[int]bool{}
		for _, i := range order {
			by := coveredBy(i, plans, flagged, lic, skus)
			if by == nil {
				continue
			}
			flagged[i] = true
			out = append(out, overlapRec(tenant, u, skus[lic[i].SkuID], plans[i], by))
		}
	}
	return out
}

// coveredBy returns the part numbers of the other (unflagged) licences
// that together provide every plan of licence i, or nil.
func coveredBy(i int, plans [][]plan, flagged map[int]bool, lic []assigned, skus map[string]store.M365SKU) []string {
	if len(plans[i]) == 0 {
		return nil
	}
	have := map[string]string{} // plan ID → the licence providing it
	for j := range plans {
		if j == i || flagged[j] {
			continue
		}
		for _, p := range plans[j] {
			have[strings.ToLower(p.ID)] = skus[lic[j].SkuID].SkuPartNumber
		}
	}
	set := map[string]bool{}
	for _, p := range plans[i] {
		by, ok := have[strings.ToLower(p.ID)]
		if !ok {
			return nil
		}
		set[by] = true
	}
	var out []string
	for k := range set {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

func overlapRec(tenant string, u store.M365User, k store.M365SKU, plans []plan, by []string) store.SourceRecommendation {
	names := make([]string, len(plans))
	for i, p := range plans {
		names[i] = p.Name
	}
	return store.SourceRecommendation{SourceKey: "overlap/" + u.ObjectID + "/" + k.SkuID, Category: CategoryOverlapping,
		Account: tenant, ResourceID: u.UserPrincipalName,
		Title: fmt.Sprintf("Remove %s from %s: %s already includes it", k.SkuPartNumber, userName(u), strings.Join(by, " + ")),
		Detail: fmt.Sprintf("%s (%s) holds %s, whose service plans (%s) all come with %s, which the user also holds.",
			userName(u), u.UserPrincipalName, k.SkuPartNumber, strings.Join(names, ", "), strings.Join(by, " + ")),
		Licences: seatsJSON(Seats{SkuPartNumber: k.SkuPartNumber, Seats: 1})}
}

func userName(u store.M365User) string {
	if u.DisplayName != "" {
		return u.DisplayName
	}
	return u.UserPrincipalName
}

// inactiveUsers flags users holding licences with no activity in any
// service for 30, 60 or 90 days or more before the report's refresh date
// (or since the licence was assigned, if later).
func inactiveUsers(d Directory, skus map[string]store.M365SKU) ([]store.SourceRecommendation, string) {
	switch {
	case d.Report == nil:
		return nil, "Licences of inactive users: the usage report has not been read yet (it is read by the next sync)."
	case d.Report.Problem != "":
		return nil, "Licences of inactive users skipped: " + d.Report.Problem
	case d.Report.Concealed:
		return nil, "Licences of inactive users skipped: the tenant's usage reports conceal user names, so their rows " +
			"cannot be matched to users. In the Microsoft 365 admin center, Settings > Org settings > Reports, clear " +
			"\"Display concealed user, group, and site names in all reports\"; the next sync then reads them."
	}
	refresh, err := time.Parse(time.DateOnly, d.Report.RefreshDate)
	if err != nil {
		return nil, "Licences of inactive users skipped: the usage report has no refresh date."
	}
	byUser := map[string]store.M365Activity{}
	for _, a := range d.Activity {
		if a.ObjectID != "" {
			byUser[a.ObjectID] = a
		}
	}
	var out []store.SourceRecommendation
	for _, u := range d.Users {
		a, ok := byUser[u.ObjectID]
		lic := userLicences(u, skus)
		if !ok || len(lic) == 0 {
			continue
		}
		if r, ok := inactiveRec(d.Tenant, u, a, lic, skus, refresh); ok {
			out = append(out, r)
		}
	}
	return out, ""
}

func inactiveRec(tenant string, u store.M365User, a store.M365Activity, lic []assigned, skus map[string]store.M365SKU, refresh time.Time) (store.SourceRecommendation, bool) {
	since, last := latest(a.Exchange, a.OneDrive, a.SharePoint, a.Skype, a.Yammer, a.Teams), ""
	if !since.IsZero() {
		last = since.Format(time.DateOnly)
	}
	if as := latest(a.LastAssigned); as.After(since) {
		since = as
	}
	days := -1 // no activity and no assignment date within the report
	if !since.IsZero() {
		days = int(refresh.Sub(since).Hours() / 24)
	}
	tier := 0
	for _, t := range InactiveThresholds {
		if days < 0 || days >= t {
			tier = t
			break
		}
	}
	if tier == 0 {
		return store.SourceRecommendation{}, false
	}
	var seats []Seats
	var parts []string
	for _, l := range lic {
		k := skus[l.SkuID]
		seats, parts = append(seats, Seats{SkuPartNumber: k.SkuPartNumber, Seats: 1}), append(parts, k.SkuPartNumber)
	}
	return store.SourceRecommendation{SourceKey: "inactive/" + u.ObjectID, Category: CategoryInactive, Account: tenant,
		ResourceID: u.UserPrincipalName, Title: fmt.Sprintf("%s has not been active for %d+ days: remove %s",
			userName(u), tier, strings.Join(parts, ", ")),
		Detail: inactiveDetail(u, a, last, refresh), Licences: seatsJSON(seats...)}, true
}

func inactiveDetail(u store.M365User, a store.M365Activity, last string, refresh time.Time) string {
	if last == "" {
		last = "none in the report's 180 days"
	}
	svc := []string{}
	for _, s := range []struct{ name, day string }{{"Exchange", a.Exchange}, {"OneDrive", a.OneDrive},
		{"SharePoint", a.SharePoint}, {"Skype for Business", a.Skype}, {"Yammer", a.Yammer}, {"Teams", a.Teams}} {
		if s.day != "" {
			svc = append(svc, s.name+" "+s.day)
		}
	}
	per := "no service used"
	if len(svc) > 0 {
		per = strings.Join(svc, ", ")
	}
	enabled := "enabled"
	if !u.AccountEnabled {
		enabled = "disabled"
	}
	return fmt.Sprintf("%s (%s, account %s). Last activity: %s (%s); licence last assigned %s. "+
		"Usage report data through %s. Remove the licences or reassign them.",
		userName(u), u.UserPrincipalName, enabled, last, per, orNone(a.LastAssigned), refresh.Format(time.DateOnly))
}

func orNone(s string) string {
	if s == "" {
		return "(unknown)"
	}
	return s
}

// latest is the latest of the dates (YYYY-MM-DD; blanks and bad ones
// ignored), zero when none.
func latest(days ...string) time.Time {
	var out time.Time
	for _, s := range days {
		if d, err := time.Parse(time.DateOnly, s); err == nil && d.After(out) {
			out = d
		}
	}
	return out
}
