package store

import (
	"context"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/domain"
)

// PrefixResource prefixes resource inventory IDs.
const PrefixResource = "res_"

// ResourceFilter narrows the inventory on its columns; tag filters need
// key normalisation and are the inventory service's (in Go). Zero values
// do not restrict.
type ResourceFilter struct {
	Search        string // substring of the name or resource ID, any case
	Provider      string
	SubAccount    string
	ResourceGroup string // any case, as Azure treats resource groups
	Type          string
	Region        string
	Source        string // ResourceFrom*
	Cursor        string // from the previous page
	Limit         int    // 1-500; others mean 50
}

// ListResources returns a page of the organisation's resources (not
// deleted) by name, and the next page's cursor ("" on the last).
func (q *Queries) ListResources(ctx context.Context, orgID string, f ResourceFilter) ([]Resource, string, error) {
	where, args := []string{"org_id = ?", "deleted_at IS NULL"}, []any{orgID}
	add := func(cond string, v ...any) { where, args = append(where, cond), append(args, v...) }
	for _, c := range []struct{ col, v string }{{"provider", f.Provider}, {"sub_account", f.SubAccount},
		{"type", f.Type}, {"region", f.Region}, {"source", f.Source}} {
		if c.v != "" {
			add(c.col+" = ?", c.v)
		}
	}
	if f.ResourceGroup != "" {
		add("LOWER(resource_group) = ?", strings.ToLower(f.ResourceGroup))
	}
	if s := strings.TrimSpace(f.Search); s != "" {
		pat := "%" + likeEscape(strings.ToLower(s)) + "%"
		add(`(LOWER(name) LIKE ? ESCAPE '\' OR resource_key LIKE ? ESCAPE '\')`, pat, pat)
	}
	if f.Cursor != "" {
		k, err := decodeKey(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		add("(name > ? OR (name = ? AND id > ?))", k[0], k[0], k[1])
	}
	limit := pageLimit(f.Limit)
	rows, err := q.r().query(ctx, `SELECT `+resourceCols+` FROM resources WHERE `+strings.Join(where, " AND ")+
		` ORDER BY name, id LIMIT ?`, append(args, limit+1)...)
	if err != nil {
		return nil, "", err
	}
	list, err := scanAll(rows, scanResource)
	if err != nil || len(list) <= limit {
		return list, "", err
	}
	return list[:limit], ResourceCursor(list[limit-1]), nil
}

// ResourceCursor is the cursor of the page after r.
func ResourceCursor(r Resource) string { return encodeKey(r.Name, r.ID, "") }

// GetResource returns one resource of the organisation.
func (q *Queries) GetResource(ctx context.Context, orgID, id string) (Resource, error) {
	r, err := scanResource(q.r().row(ctx, `SELECT `+resourceCols+` FROM resources WHERE org_id = ? AND id = ?`, orgID, id))
	return r, notFound(err, "resource")
}

// GetResourceForUpdate is GetResource on the writer, for a transaction
// that changes the resource it read.
func (q *Queries) GetResourceForUpdate(ctx context.Context, orgID, id string) (Resource, error) {
	r, err := scanResource(q.w().row(ctx, `SELECT `+resourceCols+` FROM resources WHERE org_id = ? AND id = ?`, orgID, id))
	return r, notFound(err, "resource")
}

// CreateResource inserts r (ID, first and last seen are set when empty).
// A resource key already in the organisation for the provider is a
// conflict.
func (q *Queries) CreateResource(ctx context.Context, r Resource) (Resource, error) {
	now := domain.Now()
	if r.ID == "" {
		r.ID = domain.NewID(PrefixResource)
	}
	if r.FirstSeen.IsZero() {
		r.FirstSeen = now
	}
	if r.LastSeen.IsZero() {
		r.LastSeen = r.FirstSeen
	}
	_, err := q.w().exec(ctx, `INSERT INTO resources (`+resourceCols+`)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		r.OrgID, r.ID, r.Provider, r.Key, r.ResourceID, r.Name, r.Type, r.Region, r.SubAccount, r.ResourceGroup,
		resourceText(r.ConnectionID), r.Source, tagsText(r.CloudTags), tagsText(r.BaseTags), resourceTags(r.CanopyTags),
		optTime(r.TagsSyncedAt), resourceText(r.VirtualAmount), resourceText(r.VirtualCurrency), optTime(r.VirtualFrom),
		optTime(r.VirtualTo), r.Description, r.FirstSeen.UTC(), r.LastSeen.UTC(), optTime(r.DeletedAt))
	if isUniqueViolation(err) {
		return r, domain.Errorf(domain.CodeConflict, "the resource %s is already in the inventory", r.ResourceID)
	}
	return r, err
}

// UpdateVirtualResource writes a virtual resource's name, description,
// tags and recurring cost.
func (q *Queries) UpdateVirtualResource(ctx context.Context, r Resource) error {
	res, err := q.w().exec(ctx, `UPDATE resources SET name = ?, description = ?, cloud_tags = ?, base_tags = ?,
		virtual_amount = ?, virtual_currency = ?, virtual_from = ?, virtual_to = ?, last_seen = ?
		WHERE org_id = ? AND id = ? AND source = ?`, r.Name, r.Description, tagsText(r.CloudTags), tagsText(r.CloudTags),
		resourceText(r.VirtualAmount), resourceText(r.VirtualCurrency), optTime(r.VirtualFrom), optTime(r.VirtualTo),
		domain.Now(), r.OrgID, r.ID, ResourceFromVirtual)
	return mustAffect(res, err, "virtual resource")
}

// DeleteResource removes a resource with its tag changes and conflicts.
func (q *Queries) DeleteResource(ctx context.Context, orgID, id string) error {
	res, err := q.w().exec(ctx, `DELETE FROM resources WHERE org_id = ? AND id = ?`, orgID, id)
	return mustAffect(res, err, "resource")
}

// PendingTagEdits lists the organisation's resources with a Canopy tag
// edit not yet written back (canopy_tags set), by name.
func (q *Queries) PendingTagEdits(ctx context.Context, orgID string) ([]Resource, error) {
	rows, err := q.r().query(ctx, `SELECT `+resourceCols+` FROM resources
		WHERE org_id = ? AND canopy_tags IS NOT NULL AND deleted_at IS NULL ORDER BY name, id`, orgID)
	if err != nil {
		return nil, err
	}
	return scanAll(rows, scanResource)
}

// ResourceFacets are the distinct values of the inventory's filter columns.
type ResourceFacets struct {
	Providers, SubAccounts, ResourceGroups, Types, Regions []string
	Total                                                  int
}

// ResourceFacets lists the distinct providers, subscriptions/accounts,
// resource groups, types and regions of the organisation's resources.
func (q *Queries) ResourceFacets(ctx context.Context, orgID string) (ResourceFacets, error) {
	var f ResourceFacets
	for _, c := range []struct {
		col string
		dst *[]string
	}{{"provider", &f.Providers}, {"sub_account", &f.SubAccounts}, {"resource_group", &f.ResourceGroups},
		{"type", &f.Types}, {"region", &f.Regions}} {
		rows, err := q.r().query(ctx, `SELECT DISTINCT `+c.col+` FROM resources WHERE org_id = ? AND deleted_at IS NULL
			AND `+c.col+` <> '' ORDER BY `+c.col+` LIMIT 1000`, orgID)
		if err != nil {
			return f, err
		}
		if *c.dst, err = scanAll(rows, func(s scanner) (string, error) {
			var v string
			return v, s.Scan(&v)
		}); err != nil {
			return f, err
		}
	}
	err := q.r().row(ctx, `SELECT COUNT(*) FROM resources WHERE org_id = ? AND deleted_at IS NULL`, orgID).Scan(&f.Total)
	return f, err
}

// CostResourcesSaved counts what UpsertCostResources did.
type CostResourcesSaved struct{ Added, Updated int }

// UpsertCostResources records resources named by imported cost data: new
// ones are added (source costs); ones that entered from cost data get the
// latest name, type, region, account, group and tags; resources a sync
// or a person created are left to their owner. Cloud resource IDs are
// unique across providers, so a key the inventory has under any provider
// (a sync may name the provider differently) is not added again.
func (q *Queries) UpsertCostResources(ctx context.Context, orgID string, rs []Resource, now time.Time) (CostResourcesSaved, error) {
	var out CostResourcesSaved
	known, err := q.resourceSources(ctx, orgID)
	if err != nil {
		return out, err
	}
	for _, r := range rs {
		r.OrgID, r.Source = orgID, ResourceFromCosts
		k, seen := known[r.Key]
		switch {
		case !seen:
			r.FirstSeen, r.LastSeen, r.BaseTags, r.CanopyTags = now, now, r.CloudTags, nil
			if _, err := q.CreateResource(ctx, r); err != nil {
				return out, err
			}
			known[r.Key] = resourceOrigin{r.Provider, ResourceFromCosts}
			out.Added++
		case k.source == ResourceFromCosts && k.provider == r.Provider:
			if _, err := q.w().exec(ctx, `UPDATE resources SET resource_id = ?, name = ?, type = ?, region = ?,
				sub_account = ?, resource_group = ?, cloud_tags = ?, last_seen = ?, deleted_at = NULL
				WHERE org_id = ? AND provider = ? AND resource_key = ?`, r.ResourceID, r.Name, r.Type, r.Region,
				r.SubAccount, r.ResourceGroup, tagsText(r.CloudTags), now, orgID, r.Provider, r.Key); err != nil {
				return out, err
			}
			out.Updated++
		}
	}
	return out, nil
}

// resourceOrigin is how a resource key entered the inventory.
type resourceOrigin struct{ provider, source string }

// resourceSources maps each resource key of the organisation to its
// provider and source.
func (q *Queries) resourceSources(ctx context.Context, orgID string) (map[string]resourceOrigin, error) {
	rows, err := q.w().query(ctx, `SELECT provider, resource_key, source FROM resources WHERE org_id = ?`, orgID)
	if err != nil {
		return nil, err
	}
	m := map[string]resourceOrigin{}
	_, err = scanAll(rows, func(s scanner) (struct{}, error) {
		var p, k, src string
		err := s.Scan(&p, &k, &src)
		m[k] = resourceOrigin{p, src}
		return struct{}{}, err
	})
	return m, err
}

// optString stores "" as NULL.
func resourceText(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// resourceTags stores a nil tag set (no pending edit) as NULL.
func resourceTags(m map[string]string) any {
	if m == nil {
		return nil
	}
	return tagsText(m)
}
