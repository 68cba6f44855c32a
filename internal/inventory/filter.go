package inventory

import (
	"context"
	"net/url"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// MissingAny in Filter.Missing keeps resources failing any policy.
const MissingAny = "*"

// Filter selects resources, in the list, the bulk tag edit and the API.
// Zero values do not restrict.
type Filter struct {
	Search        string `json:"q,omitempty"` // name or resource ID, any case
	Provider      string `json:"provider,omitempty"`
	SubAccount    string `json:"sub_account,omitempty"`
	ResourceGroup string `json:"resource_group,omitempty"`
	Type          string `json:"type,omitempty"`
	Region        string `json:"region,omitempty"`
	Source        string `json:"source,omitempty"`
	// TagKey keeps resources having the key (normalised); with TagValue,
	// having it with that value.
	TagKey   string `json:"tag_key,omitempty"`
	TagValue string `json:"tag_value,omitempty"`
	// Missing keeps resources failing the policy on that key, or any
	// policy (MissingAny).
	Missing string `json:"missing,omitempty"`
}

// filterParams are the query parameter names of Filter, in order.
var filterParams = []string{"q", "provider", "sub_account", "resource_group", "type", "region", "source",
	"tag_key", "tag_value", "missing"}

func (f *Filter) fields() []*string {
	return []*string{&f.Search, &f.Provider, &f.SubAccount, &f.ResourceGroup, &f.Type, &f.Region, &f.Source,
		&f.TagKey, &f.TagValue, &f.Missing}
}

// ParseFilter reads a filter from query or form values.
func ParseFilter(v url.Values) (Filter, error) {
	var f Filter
	for i, p := range f.fields() {
		*p = strings.TrimSpace(v.Get(filterParams[i]))
		if len(*p) > 512 {
			return f, domain.FieldError(filterParams[i], "%s is too long (at most 512 characters).", filterParams[i])
		}
	}
	if f.TagValue != "" && f.TagKey == "" {
		return f, domain.FieldError("tag_key", "Name the tag key the value is for.")
	}
	switch f.Source {
	case "", store.ResourceFromSync, store.ResourceFromCosts, store.ResourceFromVirtual:
	default:
		return f, domain.FieldError("source", "The source is sync, costs or virtual.")
	}
	return f, nil
}

// Values encodes the filter, leaving out empty fields.
func (f Filter) Values() url.Values {
	v := url.Values{}
	for i, p := range f.fields() {
		if *p != "" {
			v.Set(filterParams[i], *p)
		}
	}
	return v
}

// Empty reports whether the filter keeps every resource.
func (f Filter) Empty() bool { return len(f.Values()) == 0 }

// inGo reports whether part of the filter is applied in Go (tags and
// policies need normalisation), so store pages must be filtered further.
func (f Filter) inGo() bool { return f.TagKey != "" || f.Missing != "" }

func (f Filter) store(cursor string, limit int) store.ResourceFilter {
	return store.ResourceFilter{Search: f.Search, Provider: f.Provider, SubAccount: f.SubAccount,
		ResourceGroup: f.ResourceGroup, Type: f.Type, Region: f.Region, Source: f.Source, Cursor: cursor, Limit: limit}
}

// keeps applies the tag and policy parts of the filter to a view.
func (f Filter) keeps(v View, n Normalizer) bool {
	if f.TagKey != "" {
		val, ok := n.Lookup(v.Tags, f.TagKey)
		if !ok || (f.TagValue != "" && val != f.TagValue) {
			return false
		}
	}
	switch f.Missing {
	case "":
		return true
	case MissingAny:
		return len(v.Missing) > 0
	}
	for _, k := range v.Missing {
		if n.Same(k, f.Missing) {
			return true
		}
	}
	return false
}

// walkBatch is how many rows one store read returns while filtering in Go.
const walkBatch = 500

// walk calls fn with the view of every resource matching f after cursor,
// in name order, until fn returns false; it returns the cursor of the
// last resource fn was called with.
func (s *Service) walk(ctx context.Context, orgID string, f Filter, r rules, cursor string, batch int, fn func(View) bool) error {
	if f.inGo() || batch <= 0 {
		batch = walkBatch
	}
	for {
		page, next, err := s.Store.ListResources(ctx, orgID, f.store(cursor, batch))
		if err != nil {
			return err
		}
		for _, res := range page {
			v := r.view(res)
			if f.keeps(v, r.norm) && !fn(v) {
				return nil
			}
		}
		if cursor = next; cursor == "" {
			return nil
		}
	}
}
