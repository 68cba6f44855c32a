package api

import (
	"time"

	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/store"
)

// resourceView is one resource of the inventory.
type resourceView struct {
	ID            string            `json:"id"`
	Provider      string            `json:"provider"`
	ResourceID    string            `json:"resource_id"`
	Name          string            `json:"name"`
	Type          string            `json:"type"`
	Region        string            `json:"region"`
	SubAccount    string            `json:"sub_account"`
	ResourceGroup string            `json:"resource_group"`
	Source        string            `json:"source"`
	Description   string            `json:"description"`
	Tags          map[string]string `json:"tags"`
	CloudTags     map[string]string `json:"cloud_tags"`
	CanopyTags    map[string]string `json:"canopy_tags"`
	Pending       bool              `json:"pending"`
	MissingTags   []string          `json:"missing_tags"`
	Cost          []moneyView       `json:"cost"`
	Virtual       *virtualView      `json:"virtual"`
	FirstSeen     time.Time         `json:"first_seen"`
	LastSeen      time.Time         `json:"last_seen"`
}

// moneyView is an exact amount in a currency.
type moneyView struct {
	Amount   string `json:"amount"`
	Currency string `json:"currency"`
}

// virtualView is a virtual resource's recurring monthly cost.
type virtualView struct {
	MonthlyAmount string `json:"monthly_amount"`
	Currency      string `json:"currency"`
	FromMonth     string `json:"from_month"`
	ToMonth       string `json:"to_month"` // last month, inclusive; "" when open-ended
}

func resourceOf(v inventory.View) resourceView {
	out := resourceView{ID: v.ID, Provider: v.Provider, ResourceID: v.ResourceID, Name: v.Name, Type: v.Type, Region: v.Region,
		SubAccount: v.SubAccount, ResourceGroup: v.ResourceGroup, Source: v.Source, Description: v.Description,
		Tags: v.Tags, CloudTags: v.CloudTags, CanopyTags: v.CanopyTags, Pending: v.Pending, MissingTags: v.Missing,
		Cost: []moneyView{}, FirstSeen: v.FirstSeen, LastSeen: v.LastSeen}
	if out.MissingTags == nil {
		out.MissingTags = []string{}
	}
	for _, m := range v.Cost {
		out.Cost = append(out.Cost, moneyView{Amount: m.Amount.String(), Currency: string(m.Currency)})
	}
	if v.Source == store.ResourceFromVirtual && v.VirtualFrom != nil {
		vv := &virtualView{MonthlyAmount: v.VirtualAmount, Currency: v.VirtualCurrency, FromMonth: v.VirtualFrom.Format("2006-01")}
		if v.VirtualTo != nil {
			vv.ToMonth = v.VirtualTo.AddDate(0, -1, 0).Format("2006-01")
		}
		out.Virtual = vv
	}
	return out
}

// bulkTagsBody is POST /resources/tags: an edit for every resource a
// filter selects; dry_run only counts them.
type bulkTagsBody struct {
	Filter inventory.Filter  `json:"filter"`
	Edit   inventory.TagEdit `json:"edit"`
	DryRun bool              `json:"dry_run"`
}

// bulkResultView says what a bulk edit did (or would select).
type bulkResultView struct {
	Matched int  `json:"matched"`
	Changed int  `json:"changed"`
	DryRun  bool `json:"dry_run"`
}

// aliasView is one tag-key alias.
type aliasView struct {
	Alias     string    `json:"alias"`
	Canonical string    `json:"canonical"`
	CreatedAt time.Time `json:"created_at"`
}

func aliasOf(a inventory.Alias) aliasView {
	return aliasView{Alias: a.Alias, Canonical: a.Canonical, CreatedAt: a.CreatedAt}
}

// aliasBody is POST /tag-aliases: set (or replace) an alias.
type aliasBody struct {
	Alias     string `json:"alias"`
	Canonical string `json:"canonical"`
}

// policyView is one required-tag policy.
type policyView struct {
	ID            string    `json:"id"`
	Key           string    `json:"key"`
	AllowedValues []string  `json:"allowed_values"`
	Description   string    `json:"description"`
	CreatedAt     time.Time `json:"created_at"`
}

func policyOf(p inventory.Policy) policyView {
	v := policyView{ID: p.ID, Key: p.Key, AllowedValues: p.AllowedValues, Description: p.Description, CreatedAt: p.CreatedAt}
	if v.AllowedValues == nil {
		v.AllowedValues = []string{}
	}
	return v
}

// coverageView is the required-tag coverage report.
type coverageView struct {
	From      string              `json:"from"`
	To        string              `json:"to"`
	Policies  []string            `json:"policies"`
	Overall   coverageRowView     `json:"overall"`
	Groups    []coverageGroupView `json:"groups"`
	PerPolicy []coverageRowView   `json:"per_policy"`
}

type coverageGroupView struct {
	Key  string            `json:"key"`
	Name string            `json:"name"`
	Rows []coverageRowView `json:"rows"`
}

type coverageRowView struct {
	Group     string             `json:"group"`
	Resources int                `json:"resources"`
	Compliant int                `json:"compliant"`
	Cost      []coverageCostView `json:"cost"`
}

type coverageCostView struct {
	Currency  string `json:"currency"`
	Total     string `json:"total"`
	Compliant string `json:"compliant"`
}

func coverageOf(c *inventory.Coverage) coverageView {
	out := coverageView{From: c.Period.From.Format(time.DateOnly), To: c.Period.LastDay().Format(time.DateOnly),
		Policies: []string{}, Overall: coverageRowOf(c.Overall), Groups: []coverageGroupView{}, PerPolicy: []coverageRowView{}}
	for _, p := range c.Policies {
		out.Policies = append(out.Policies, p.Key)
	}
	for _, g := range c.Groups {
		gv := coverageGroupView{Key: g.Key, Name: g.Name, Rows: []coverageRowView{}}
		for _, r := range g.Rows {
			gv.Rows = append(gv.Rows, coverageRowOf(r))
		}
		out.Groups = append(out.Groups, gv)
	}
	for _, r := range c.PerPolicy {
		out.PerPolicy = append(out.PerPolicy, coverageRowOf(r))
	}
	return out
}

func coverageRowOf(r inventory.CoverageRow) coverageRowView {
	v := coverageRowView{Group: r.Group, Resources: r.Resources, Compliant: r.Compliant, Cost: []coverageCostView{}}
	for _, c := range r.Cost {
		v.Cost = append(v.Cost, coverageCostView{Currency: string(c.Currency), Total: c.Total.String(), Compliant: c.Compliant.String()})
	}
	return v
}
