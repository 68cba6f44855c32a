package azureconn

import (
	"context"
	"errors"
)

// Features the connection doctor checks.
const (
	FeatureCosts           = "costs"
	FeatureResources       = "resources"
	FeatureTagRead         = "tag-read"
	FeatureTagWrite        = "tag-write"
	FeatureReservations    = "reservations"
	FeatureRecommendations = "recommendations"
)

// Check is one line of the connection doctor: whether Canopy's service
// principal may use a feature right now, the role that grants it and the
// help page (Help slug) that fixes it.
type Check struct {
	Feature        string
	SubscriptionID string // "" for tenant-wide features (reservations)
	Action         string // the ARM action probed
	Granted        bool
	Role           string
	Fix            string // Help slug
	Detail         string // why not, when not granted
}

// probes are the per-subscription features and what grants them.
var probes = []struct{ feature, action, role string }{
	{FeatureCosts, "Microsoft.CostManagement/query/read", "Reader (or Cost Management Reader)"},
	{FeatureResources, "Microsoft.Resources/subscriptions/resources/read", "Reader"},
	{FeatureTagRead, "Microsoft.Resources/tags/read", "Reader"},
	{FeatureTagWrite, "Microsoft.Resources/tags/write", "Tag Contributor"},
	{FeatureRecommendations, "Microsoft.Advisor/recommendations/read", "Reader"},
}

const actionReservations = "Microsoft.Capacity/reservationorders/read"

// Probe asks ARM (permissions API) what the service principal may do on
// each subscription and tenant-wide for reservations. A credential
// failure marks every check with its token state.
func (c *Client) Probe(ctx context.Context, subs []string) []Check {
	var out []Check
	for _, sub := range subs {
		acts, err := c.probePermissions(ctx, "/subscriptions/"+sub)
		for _, p := range probes {
			out = append(out, check(p.feature, sub, p.action, p.role, acts, err))
		}
	}
	acts, err := c.probePermissions(ctx, capacityScope)
	return append(out, check(FeatureReservations, "", actionReservations, "Reservations Reader", acts, err))
}

func (c *Client) probePermissions(ctx context.Context, scope string) (actionSet, error) {
	var acts actionSet
	err := c.retryExpired(ctx, func() (bool, error) {
		var err error
		acts, err = c.permissions(ctx, scope)
		return false, err
	})
	return acts, err
}

func check(feature, sub, action, role string, acts actionSet, err error) Check {
	ch := Check{Feature: feature, SubscriptionID: sub, Action: action, Role: role, Fix: SlugRoles}
	var te *TokenError
	switch {
	case errors.As(err, &te):
		ch.Fix, ch.Detail = string(te.State), te.Fix
	case err != nil:
		ch.Detail = err.Error()
	case acts.allows(action):
		ch.Granted, ch.Fix = true, ""
	default:
		ch.Detail = "Canopy's service principal has no role granting " + action + "; assign " + role + "."
	}
	return ch
}
