package web

import (
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/spend"
	"github.com/canopyhq/canopy/internal/store"
)

// Nav keys of the Resources area and the tag settings.
const (
	NavResources         = "resources"
	NavResourcesCoverage = "resources.coverage"
	NavResourcesVirtual  = "resources.virtual"
	NavSettingsTags      = "settings.tags"
)

// resourceLinks are the Resources area's sub-pages (any one permission
// reveals a link).
var resourceLinks = []struct {
	key, label, url string
	perms           []string
}{
	{NavResources, "Inventory", "/resources", []string{"allocation.read"}},
	{NavResourcesCoverage, "Tag coverage", "/resources/coverage", []string{"allocation.read"}},
	{NavResourcesVirtual, "New virtual resource", "/resources/virtual/new", []string{"allocation.write"}},
	{NavSettingsTags, "Tag settings", "/settings/tags", []string{"allocation.read"}},
}

// ResourcesNav returns the Resources sub-navigation the user may see.
func (l Layout) ResourcesNav() []NavLink {
	var links []NavLink
	for _, s := range resourceLinks {
		if l.Allows(s.perms...) {
			links = append(links, navLink(s.label, s.url, l.Active == s.key, false))
		}
	}
	return links
}

// ResourcesPage is the inventory: a filter, the matching resources with
// their tags and cost, and the bulk tag edit for the filter.
type ResourcesPage struct {
	Layout
	FormErrors
	Filter             inventory.Filter
	From, To           string // the cost period, inclusive days
	Facets             store.ResourceFacets
	Policies           []string
	Rows               []ResourceRow
	Cursor, NextCursor string
	CanEdit            bool
	Bulk               BulkForm
	// Confirm is set when a bulk edit awaits confirmation: how many
	// resources it would change.
	Confirm  bool
	Matching int
}

func (ResourcesPage) Template() string { return "resources" }

// NextURL is the next page of the same filter.
func (p ResourcesPage) NextURL() string {
	v := p.Filter.Values()
	if p.From != "" {
		v.Set("from", p.From)
		v.Set("to", p.To)
	}
	v.Set("cursor", p.NextCursor)
	return "/resources?" + v.Encode()
}

// FirstURL is the first page of the same filter.
func (p ResourcesPage) FirstURL() string {
	v := p.Filter.Values()
	if p.From != "" {
		v.Set("from", p.From)
		v.Set("to", p.To)
	}
	if e := v.Encode(); e != "" {
		return "/resources?" + e
	}
	return "/resources"
}

// CoverageURL is the tag coverage of the resources the filter selects.
func (p ResourcesPage) CoverageURL() string {
	if e := p.Filter.Values().Encode(); e != "" {
		return "/resources/coverage?" + e
	}
	return "/resources/coverage"
}

// FilterFields are the hidden inputs that carry the filter into the bulk
// edit form.
func (p ResourcesPage) FilterFields() []Option { return filterFields(p.Filter) }

// FilterText describes the filter for the confirmation.
func (p ResourcesPage) FilterText() string { return filterText(p.Filter) }

// filterFields are hidden inputs (Label the name) carrying a filter.
func filterFields(f inventory.Filter) []Option {
	var out []Option
	v := f.Values()
	for _, k := range slices.Sorted(maps.Keys(v)) {
		out = append(out, Option{Value: v.Get(k), Label: k})
	}
	return out
}

// filterText describes a filter for people.
func filterText(f inventory.Filter) string {
	v := f.Values()
	if len(v) == 0 {
		return "all resources"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(v)) {
		parts = append(parts, strings.ReplaceAll(k, "_", " ")+" = "+v.Get(k))
	}
	return strings.Join(parts, ", ")
}

// Sources are the source filter's options.
func (ResourcesPage) Sources() []Option {
	return []Option{{store.ResourceFromSync, "Synced"}, {store.ResourceFromCosts, "Cost data"}, {store.ResourceFromVirtual, "Virtual"}}
}

// BulkForm is the bulk (and single) tag edit form as entered: set as
// "key=value" lines, renames as "old=new" lines, removals as keys.
type BulkForm struct {
	Set, Rename, Remove string
}

// Empty reports whether the form names no change.
func (b BulkForm) Empty() bool { return b.Set == "" && b.Rename == "" && b.Remove == "" }

// ResourceRow is one resource as the table and the detail page show it.
type ResourceRow struct {
	ID, Name, ResourceID, Provider, Type, Region string
	SubAccount, ResourceGroup, Source            string
	Description                                  string
	Tags                                         []TagCell
	Pending                                      bool
	Missing                                      []string
	Cost                                         []string
	Virtual                                      bool
}

// TagCell is one tag of a resource.
type TagCell struct{ Key, Value string }

func resourceRow(v inventory.View) ResourceRow {
	r := ResourceRow{ID: v.ID, Name: v.Name, ResourceID: v.ResourceID, Provider: v.Provider, Type: v.Type, Region: v.Region,
		SubAccount: v.SubAccount, ResourceGroup: v.ResourceGroup, Source: v.Source, Description: v.Description,
		Pending: v.Pending, Missing: v.Missing, Virtual: v.Source == store.ResourceFromVirtual}
	for _, k := range v.TagKeys() {
		r.Tags = append(r.Tags, TagCell{Key: k, Value: v.Tags[k]})
	}
	r.Cost = costTexts(v.Cost)
	return r
}

// moneyText formats per-currency amounts for display.
func costTexts(ms []inventory.Money) []string {
	var out []string
	for _, m := range ms {
		out = append(out, spend.Display(m.Amount, m.Currency)+" "+string(m.Currency))
	}
	return out
}

// SourceLabel names the source for people.
func (r ResourceRow) SourceLabel() string {
	switch r.Source {
	case store.ResourceFromSync:
		return "Synced"
	case store.ResourceFromCosts:
		return "Cost data"
	case store.ResourceFromVirtual:
		return "Virtual"
	}
	return r.Source
}

// ResourcePage is one resource: details, its tags in the cloud and in
// Canopy, the edit form and its cost.
type ResourcePage struct {
	Layout
	FormErrors
	Resource ResourceRow
	From, To string
	TagRows  []TagCompare
	CanEdit  bool
	Edit     BulkForm
	Virtual  *VirtualForm // virtual resources' recurring cost
}

func (ResourcePage) Template() string { return "resource" }

// TagCompare is one tag key with the cloud's value and Canopy's.
type TagCompare struct {
	Key                 string
	Cloud, Canopy       string
	InCloud, InCanopy   bool
	Changed, HasPending bool
}

func tagCompare(v inventory.View) []TagCompare {
	keys := map[string]bool{}
	for k := range v.CloudTags {
		keys[k] = true
	}
	for k := range v.CanopyTags {
		keys[k] = true
	}
	var out []TagCompare
	for _, k := range slices.Sorted(maps.Keys(keys)) {
		c := TagCompare{Key: k, HasPending: v.CanopyTags != nil}
		c.Cloud, c.InCloud = v.CloudTags[k]
		c.Canopy, c.InCanopy = v.CanopyTags[k]
		if !c.HasPending {
			c.Canopy, c.InCanopy = c.Cloud, c.InCloud
		}
		c.Changed = c.InCloud != c.InCanopy || c.Cloud != c.Canopy
		out = append(out, c)
	}
	return out
}

// VirtualForm is the virtual resource form.
type VirtualForm struct {
	ID, Name, Description, Tags string
	Amount, Currency            string
	From, To                    string
}

func virtualForm(v inventory.View) *VirtualForm {
	f := &VirtualForm{ID: v.ID, Name: v.Name, Description: v.Description, Amount: v.VirtualAmount, Currency: v.VirtualCurrency}
	if v.VirtualFrom != nil {
		f.From = v.VirtualFrom.Format("2006-01")
	}
	if v.VirtualTo != nil {
		f.To = v.VirtualTo.AddDate(0, -1, 0).Format("2006-01")
	}
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(v.CloudTags)) {
		lines = append(lines, k+"="+v.CloudTags[k])
	}
	f.Tags = strings.Join(lines, "\n")
	return f
}

// VirtualPage creates or edits a virtual resource.
type VirtualPage struct {
	Layout
	FormErrors
	Form VirtualForm
}

func (VirtualPage) Template() string { return "resource_virtual" }

// Action is where the form posts.
func (p VirtualPage) Action() string {
	if p.Form.ID == "" {
		return "/resources/virtual"
	}
	return "/resources/" + p.Form.ID + "/virtual"
}

// TagSettingsPage manages tag-key aliases and required-tag policies.
type TagSettingsPage struct {
	Layout
	FormErrors
	Aliases   []inventory.Alias
	Policies  []PolicyRow
	CanEdit   bool
	AliasForm struct{ Alias, Canonical string }
	Policy    struct{ Key, Allowed, Description string }
}

func (TagSettingsPage) Template() string { return "tag_settings" }

// PolicyRow is one policy as the settings page lists it.
type PolicyRow struct {
	ID, Key, Allowed, Description string
}

// CoveragePage is the required-tag coverage report.
type CoveragePage struct {
	Layout
	FormErrors
	Filter    inventory.Filter // the resources covered
	From, To  string
	Policies  []string
	Overall   CoverageRowView
	PerPolicy []CoverageRowView
	Groups    []CoverageGroupView
}

func (CoveragePage) Template() string { return "resources_coverage" }

// FilterFields carry the filter through the period form.
func (p CoveragePage) FilterFields() []Option { return filterFields(p.Filter) }

// FilterText names the resources covered.
func (p CoveragePage) FilterText() string { return filterText(p.Filter) }

// CoverageGroupView is the coverage per group of one grouping.
type CoverageGroupView struct {
	Key, Name string
	Rows      []CoverageRowView
}

// CoverageRowView is one row of the coverage report.
type CoverageRowView struct {
	Group               string
	Resources           int
	Compliant           int
	ResourcePct         string
	Cost                []CoverageCostView
	MissingURL, AllURLs string
}

// CoverageCostView is a row's compliant and total cost in one currency.
type CoverageCostView struct {
	Compliant, Total, Percent string
}

func coverageRowView(r inventory.CoverageRow) CoverageRowView {
	v := CoverageRowView{Group: r.Group, Resources: r.Resources, Compliant: r.Compliant, ResourcePct: r.ResourcePercent()}
	for _, c := range r.Cost {
		v.Cost = append(v.Cost, CoverageCostView{Compliant: spend.Display(c.Compliant, c.Currency) + " " + string(c.Currency),
			Total: spend.Display(c.Total, c.Currency) + " " + string(c.Currency), Percent: c.Percent()})
	}
	return v
}

// dayText formats a period end for date inputs.
func dayText(t time.Time) string { return t.Format(time.DateOnly) }

// TagEditFields feeds the tag_edit_fields template.
type TagEditFields struct {
	Prefix      string
	Edit        BulkForm
	FieldErrors FieldErrors
}

// BulkFields are the bulk edit form's fields.
func (p ResourcesPage) BulkFields() TagEditFields {
	return TagEditFields{Prefix: "bulk", Edit: p.Bulk, FieldErrors: p.FieldErrors}
}

// EditFields are the resource's tag edit form's fields.
func (p ResourcePage) EditFields() TagEditFields {
	return TagEditFields{Prefix: "edit", Edit: p.Edit, FieldErrors: p.FieldErrors}
}

// MatchingText is how many resources a bulk edit applies to, in words.
func (p ResourcesPage) MatchingText() string {
	if p.Matching == 1 {
		return "1 resource"
	}
	return strconv.Itoa(p.Matching) + " resources"
}
