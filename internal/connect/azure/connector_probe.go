package azureconn

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/store"
)

// helpPrefix keeps the Azure help pages apart from other kinds' pages.
const helpPrefix = "azure-"

// HelpSlug is the /help/{slug} of one of Help's pages (or a TokenState).
func HelpSlug(slug string) string { return helpPrefix + slug }

func init() {
	for _, p := range Help() {
		hp := connect.HelpPage{Slug: HelpSlug(p.Slug), Title: p.Title, Steps: p.Steps}
		if len(p.Steps) > 0 {
			hp.Summary = p.Steps[0]
			hp.Steps = p.Steps[1:]
		}
		for _, c := range p.Code {
			hp.Code = append(hp.Code, connect.HelpCode{Label: "Command", Language: c.Lang, Text: c.Text})
		}
		connect.RegisterHelp(hp)
	}
}

var tokenStateRE = regexp.MustCompile(`/help/azure-(token-incomplete|token-expired|token-revoked|invalid-secret|conditional-access)\b`)

// TokenStateOf finds the token state a failed sync's error names (the
// sync history keeps only its text): the state, its fix and help slug.
func TokenStateOf(syncError string) (st TokenState, label, fix, slug string, ok bool) {
	m := tokenStateRE.FindStringSubmatch(syncError)
	if m == nil {
		return "", "", "", "", false
	}
	st = TokenState(m[1])
	return st, stateLabels[st], fixes[st], HelpSlug(m[1]), true
}

// featureLabels name the doctor's features as the connection page does.
var featureLabels = map[string]string{FeatureCosts: "Costs", FeatureResources: "Resources", FeatureTagRead: "Tag read",
	FeatureTagWrite: "Tag write-back", FeatureReservations: "Reservations", FeatureRecommendations: "Recommendations"}

// Probe implements connect.Connector: the permissions API's answer for
// every feature the connection's settings use, on every subscription the
// service principal sees or the settings name.
func (Connector) Probe(ctx context.Context, env connect.Env, conn connect.Connection, _ []byte) ([]connect.Check, error) {
	set, err := ParseSettings(conn.Settings)
	if err != nil {
		return nil, err
	}
	cl, err := New(EnvConfig(env, set.TenantID))
	if err != nil {
		return nil, err
	}
	subs, err := cl.Subscriptions(ctx)
	var te *TokenError
	if errors.As(err, &te) {
		return []connect.Check{{Feature: "Connection", Needs: "Admin consent for Canopy's app in tenant " + set.TenantID,
			Detail: stateLabels[te.State] + " (" + te.Code + "): " + te.Fix, Fix: HelpSlug(string(te.State))}}, nil
	}
	if err != nil {
		return nil, err
	}
	names, ids := map[string]string{}, []string{}
	for _, s := range subs {
		names[strings.ToLower(s.ID)] = s.Name
		ids = append(ids, s.ID)
	}
	for id := range set.Subscriptions {
		if _, ok := names[strings.ToLower(id)]; !ok {
			names[strings.ToLower(id)] = id
			ids = append(ids, id)
		}
	}
	var out []connect.Check
	for _, ch := range cl.Probe(ctx, ids) {
		if used(set, ch) {
			out = append(out, doctorCheck(ch, names[strings.ToLower(ch.SubscriptionID)]))
		}
	}
	return out, nil
}

// used reports whether the settings use the check's feature at all.
func used(set Settings, ch Check) bool {
	lvl := set.level(ch.SubscriptionID)
	switch ch.Feature {
	case FeatureResources:
		return lvl.ListsResources()
	case FeatureTagRead:
		return lvl.ReadsTags()
	case FeatureTagWrite:
		return lvl.WritesTags() && set.TagWrite
	case FeatureReservations:
		return set.Reservations
	}
	return true
}

func doctorCheck(ch Check, subName string) connect.Check {
	out := connect.Check{Feature: featureLabels[ch.Feature], Needs: ch.Role + " (" + ch.Action + ")",
		Granted: ch.Granted, Detail: ch.Detail}
	if subName != "" {
		out.Feature += " · " + subName
	}
	if out.Granted {
		out.Detail = "granted"
	} else if ch.Fix != "" {
		out.Fix = HelpSlug(ch.Fix)
	}
	return out
}

// lowUtilization is the reservation use (percent) under which a sync warns.
var lowUtilization = apd.New(60, 0)

// checkReservations stores every reservation and its daily utilisation
// over the run's window (the alerts evaluate them), warns about each
// reservation used less than 60 % over the window, and about reservations
// it cannot read.
func checkReservations(ctx context.Context, cl *Client, run *connect.Run) error {
	list, err := cl.Reservations(ctx)
	switch {
	case IsState(err, TokenIncomplete):
		run.Warn("Reservations: Canopy's service principal cannot read them (Reservations Reader at /providers/Microsoft.Capacity is missing). See /help/" + HelpSlug(SlugRoles))
		return nil
	case err != nil:
		return err
	}
	var stored []store.Reservation
	var storedDays []store.ReservationDay
	for _, r := range list {
		days, err := cl.ReservationUtilization(ctx, r.OrderID, run.From, run.To)
		if err != nil {
			return err
		}
		stored = append(stored, storedReservation(r))
		storedDays = append(storedDays, storedUtilization(r, days)...)
		if pct, ok := utilization(days); ok && pct.Cmp(lowUtilization) < 0 {
			run.Warn(fmt.Sprintf("Reservation %s (%d × %s) was used %s %% from %s to %s, below 60 %%: exchange or resize it.",
				r.Name, r.Quantity, r.SKU, pct.Text('f'), run.From.Format("2006-01-02"), run.To.AddDate(0, 0, -1).Format("2006-01-02")))
		}
	}
	return run.SaveReservations(ctx, stored, storedDays)
}

func storedReservation(r Reservation) store.Reservation {
	out := store.Reservation{ID: r.ID, OrderID: r.OrderID, Name: r.Name, SKU: r.SKU, Location: r.Location,
		Quantity: r.Quantity, Term: r.Term, BillingPlan: r.BillingPlan, AppliedScopeType: r.AppliedScopeType}
	if !r.Expiry.IsZero() {
		exp := r.Expiry.UTC()
		out.Expiry = &exp
	}
	return out
}

// storedUtilization keeps the days of r (an order's summaries may name
// another reservation of the order, or none: then they are r's).
func storedUtilization(r Reservation, days []UtilizationDay) []store.ReservationDay {
	var out []store.ReservationDay
	for _, d := range days {
		id := segmentAfter(d.ReservationID, "reservations")
		if id == "" {
			id = d.ReservationID
		}
		if id != "" && !strings.EqualFold(id, r.ID) {
			continue
		}
		out = append(out, store.ReservationDay{ReservationID: r.ID, Day: d.Date.Truncate(24 * time.Hour),
			ReservedHours: decText(d.ReservedHours), UsedHours: decText(d.UsedHours), AvgPercent: decText(d.AvgUtilizationPercent),
			MinPercent: decText(d.MinUtilizationPercent), MaxPercent: decText(d.MaxUtilizationPercent)})
	}
	return out
}

func decText(d *apd.Decimal) string {
	if d == nil {
		return ""
	}
	return d.Text('f')
}

// utilization is used / reserved hours in percent, to one decimal.
func utilization(days []UtilizationDay) (*apd.Decimal, bool) {
	used, reserved := new(apd.Decimal), new(apd.Decimal)
	for _, d := range days {
		if d.UsedHours == nil || d.ReservedHours == nil {
			continue
		}
		_, _ = apd.BaseContext.Add(used, used, d.UsedHours)
		_, _ = apd.BaseContext.Add(reserved, reserved, d.ReservedHours)
	}
	if reserved.Sign() <= 0 {
		return nil, false
	}
	ctx := apd.BaseContext.WithPrecision(20)
	pct := new(apd.Decimal)
	_, _ = ctx.Quo(pct, used, reserved)
	_, _ = ctx.Mul(pct, pct, apd.New(100, 0))
	_, _ = ctx.Quantize(pct, pct, -1)
	return pct, true
}
