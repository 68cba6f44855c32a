package inventory

import (
	"context"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/store"
)

// RefreshDays is how far back from the newest imported day "refresh from
// cost data" reads lines: the resources charged in that window are the
// inventory's.
const RefreshDays = 186

// RefreshResult says what a refresh from cost data did.
type RefreshResult struct {
	Seen    int `json:"seen"`    // distinct resources in the cost data
	Added   int `json:"added"`   // new in the inventory
	Updated int `json:"updated"` // cost-data resources refreshed
	Virtual int `json:"virtual"` // virtual resources whose lines were rewritten
}

// Refresh adds the resources that imported cost data names (AWS, or
// Azure without resource access) to the inventory and refreshes the ones
// that came from cost data before; it also extends virtual resources'
// monthly lines to the current month.
func (s *Service) Refresh(ctx context.Context, p *auth.Principal, who audit.Actor) (RefreshResult, error) {
	if err := p.Require(PermWrite); err != nil {
		return RefreshResult{}, err
	}
	res, err := s.RefreshOrg(ctx, who, p.Org.ID)
	if err != nil {
		return res, err
	}
	audit.MustRecord(ctx, s.Store, who, audit.Entry{OrgID: p.Org.ID, Action: "resource.refresh", TargetType: "resources",
		Details: map[string]any{"seen": res.Seen, "added": res.Added, "updated": res.Updated}})
	return res, nil
}

// RefreshOrg is Refresh for the system (after imports, the demo): no
// permission check and no audit entry of its own.
func (s *Service) RefreshOrg(ctx context.Context, who audit.Actor, orgID string) (RefreshResult, error) {
	rs, err := s.costResources(ctx, orgID)
	if err != nil {
		return RefreshResult{}, err
	}
	out := RefreshResult{Seen: len(rs)}
	if len(rs) > 0 {
		err = s.Store.InTx(ctx, func(tx *store.Tx) error {
			saved, err := tx.UpsertCostResources(ctx, orgID, rs, s.Now().UTC())
			out.Added, out.Updated = saved.Added, saved.Updated
			return err
		})
		if err != nil {
			return out, err
		}
	}
	out.Virtual, err = s.refreshVirtualCosts(ctx, who, orgID)
	return out, err
}

// costResources are the resources the cost lines of the refresh window
// name, each as its latest line describes it.
func (s *Service) costResources(ctx context.Context, orgID string) ([]store.Resource, error) {
	q, ok, err := s.refreshWindow(ctx, orgID)
	if err != nil || !ok {
		return nil, err
	}
	found := map[string]*store.Resource{}
	latest := map[string]time.Time{}
	err = s.Costs.Lines(ctx, orgID, q, func(l *billing.Line) error {
		if l.ResourceID == "" || l.ProviderName == VirtualProvider {
			return nil
		}
		key := l.ProviderName + "\x00" + strings.ToLower(l.ResourceID)
		if t, ok := latest[key]; ok && t.After(l.ChargePeriodStart) {
			return nil
		}
		latest[key] = l.ChargePeriodStart
		found[key] = resourceOfLine(l)
		return nil
	})
	rs := make([]store.Resource, 0, len(found))
	for _, r := range found {
		rs = append(rs, *r)
	}
	return rs, err
}

// refreshWindow is the RefreshDays up to the newest day any provider
// other than Canopy has data for; ok is false when there is none.
func (s *Service) refreshWindow(ctx context.Context, orgID string) (costs.Query, bool, error) {
	fresh, err := s.Costs.Freshness(ctx, orgID)
	if err != nil {
		return costs.Query{}, false, err
	}
	var through time.Time
	for _, f := range fresh {
		if f.Provider != VirtualProvider && f.DataThrough.After(through) {
			through = f.DataThrough
		}
	}
	if through.IsZero() {
		return costs.Query{}, false, nil
	}
	end := through.UTC().Truncate(24*time.Hour).AddDate(0, 0, 1)
	return costs.Query{From: end.AddDate(0, 0, -RefreshDays), To: end}, true, nil
}

// resourceOfLine is the inventory's picture of a resource from one of its
// cost lines.
func resourceOfLine(l *billing.Line) *store.Resource {
	r := &store.Resource{Provider: l.ProviderName, Key: strings.ToLower(l.ResourceID), ResourceID: l.ResourceID,
		Name: l.ResourceName, Type: l.ResourceType, Region: l.RegionID, SubAccount: l.SubAccountID,
		ResourceGroup: resourceGroupOfLine(l), CloudTags: map[string]string{}}
	if r.Name == "" {
		r.Name = l.ResourceID[strings.LastIndex(l.ResourceID, "/")+1:]
	}
	if r.Region == "" {
		r.Region = l.RegionName
	}
	if r.SubAccount == "" {
		r.SubAccount = l.SubAccountName
	}
	for k, v := range l.Tags {
		r.CloudTags[k] = v
	}
	return r
}

// resourceGroupOfLine is a line's Azure resource group: the source's
// column, else the group in an Azure resource ID.
func resourceGroupOfLine(l *billing.Line) string {
	if g := l.Extra[billing.ExtraResourceGroup]; g != "" {
		return g
	}
	if g := l.Extra["x_ResourceGroupName"]; g != "" {
		return g
	}
	parts := strings.Split(l.ResourceID, "/")
	for i := 0; i+1 < len(parts); i++ {
		if strings.EqualFold(parts[i], "resourceGroups") {
			return parts[i+1]
		}
	}
	return ""
}
