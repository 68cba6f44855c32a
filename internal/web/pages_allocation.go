package web

import (
	"fmt"
	"strings"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/spend"
)

// AllocPeriod is the period the Allocation pages show: the date inputs
// as sent, a month picker and shortcuts.
type AllocPeriod struct {
	Path     string // the page's path, the forms' action
	Keep     []Fact // other parameters the forms keep (hidden fields)
	From, To string // inclusive charge days, YYYY-MM-DD
	Month    string // YYYY-MM when the range is one whole month
	Label    string // "March 2026" or "2026-03-01 to 2026-03-15"
	Query    string // from=…&to=…, for links that keep the period
	Presets  []Link
}

// AllocationPage is the Allocation overview: the group tree with each
// group's own amount and its total with the groups below it, plus the
// cost no rule placed and the unassigned licences.
type AllocationPage struct {
	Layout
	FormErrors
	Period         AllocPeriod
	Currency       string
	Rows           []GroupTreeRow
	Unallocated    string
	Unassigned     string
	Total          string
	Warnings       []spend.Warning
	CanWrite       bool
	UnallocatedURL string
	ExplorerURL    string
}

func (AllocationPage) Template() string { return "allocation" }

// GroupTreeRow is one group of the tree, indented by Depth.
type GroupTreeRow struct {
	ID, Name, Kind string
	Depth          int
	Own, Total     string
	URL            string
}

// DepthClass is the indentation class (capped: deeper trees stay readable).
func (r GroupTreeRow) DepthClass() string { return fmt.Sprintf("tree-d%d", min(r.Depth, 6)) }

// AllocGroupPage is one group (or the new-group form): its total and
// lineage for the period, its top resources and the edit form.
type AllocGroupPage struct {
	Layout
	FormErrors
	New       bool
	CanWrite  bool
	Group     allocation.Group
	Form      GroupForm
	Kinds     []Choice
	Parents   []Choice
	Members   []Choice
	Period    AllocPeriod
	Totals    []string // per billing currency, e.g. "1,234.50 USD"
	Lineage   []LineageRow
	Resources []TopResource
	Warnings  []spend.Warning
	Currency  string
	Explorer  string
	// WithChildren is the reporting-currency total with the groups below.
	WithChildren string
	// Access lists members whose role is limited to this group; with
	// roles.manage the page can give and remove such roles.
	Access          []allocation.Access
	CanManageAccess bool
	AccessMembers   []Choice
	AccessRoles     []Choice
}

func (AllocGroupPage) Template() string { return "allocation_group" }

// GroupForm is the group form's values.
type GroupForm struct {
	Name, Kind, ParentID, Description string
	Owners                            []string
}

// Owns reports whether a member is among the chosen owners.
func (f GroupForm) Owns(id string) bool {
	for _, o := range f.Owners {
		if o == id {
			return true
		}
	}
	return false
}

// LineageRow is one way money reached a group: a rule, a split or a
// licence seat, in one billing currency.
type LineageRow struct {
	Via, Rule, Split, Currency, Amount string
	Lines, Seats                       int64
}

// TopResource is one of a group's top resources.
type TopResource struct {
	Label, ID, Amount, WhyURL string
}

// AllocRulesPage is the ordered rule list and the splits of the current
// version with their forms.
type AllocRulesPage struct {
	Layout
	CanWrite  bool
	Version   int
	Rules     []RuleRow
	Splits    []SplitRow
	RuleForm  RuleForm
	SplitForm SplitForm
	RuleErr   string
	SplitErr  string
	Targets   []Choice
	Groups    []Choice
	Fields    []Choice
	Ops       []Choice
	Methods   []Choice
}

func (AllocRulesPage) Template() string { return "allocation_rules" }

// RuleRow is one rule as the list shows it.
type RuleRow struct {
	ID, Name           string
	Position           int
	Conditions         []string
	Target, TargetURL  string
	ValidFrom, ValidTo string
	First, Last        bool
}

// RuleForm is the add/edit rule form: up to three conditions.
type RuleForm struct {
	ID, Name, Target, ValidFrom, ValidTo, Note string
	Conds                                      []CondForm
}

// CondForm is one condition row of the rule form.
type CondForm struct {
	N                      int
	Field, Key, Op, Values string
}

// SplitRow is one split as the list shows it.
type SplitRow struct {
	ID, Name, Method string
	Shares           []string
}

// SplitForm is the add/edit split form.
type SplitForm struct {
	ID, Name, Method, Note string
	Shares                 []ShareForm
}

// ShareForm is one group row of the split form.
type ShareForm struct {
	N              int
	Group, Percent string
}

// AllocExplainPage answers "why is this here" for a resource.
type AllocExplainPage struct {
	Layout
	FormErrors
	Resource     string
	Period       AllocPeriod
	Explanations []ExplainView
}

func (AllocExplainPage) Template() string { return "allocation_explain" }

// ExplainView is one explanation: the line's key, the rule that matched
// and the portions.
type ExplainView struct {
	Resource, ResourceName, Amount, Currency, Days string
	Facts                                          []Fact
	Tags                                           []Fact
	Matched                                        bool
	Position                                       int
	RuleName                                       string
	Conditions                                     []string
	Version                                        int
	Split                                          string
	Shares                                         []string
	Portions                                       []PortionView
}

// Fact is a labelled value.
type Fact struct{ Label, Value string }

// PortionView is the part of a line one group received.
type PortionView struct {
	Group, GroupURL, Via, Amount string
	Seats                        int64
}

// AllocVersionsPage lists the saved rule set versions.
type AllocVersionsPage struct {
	Layout
	Versions []VersionRow
}

func (AllocVersionsPage) Template() string { return "allocation_versions" }

// VersionRow is one version.
type VersionRow struct {
	Number                   int
	When, Who, Note, Affects string
	Current                  bool
}

// AllocVersionPage is one version's rules and its group totals.
type AllocVersionPage struct {
	Layout
	Version VersionRow
	Rules   []RuleRow
	Splits  []SplitRow
	Period  AllocPeriod
	Totals  []VersionTotal
}

func (AllocVersionPage) Template() string { return "allocation_version" }

// VersionTotal is a group's total under a version, in one currency.
type VersionTotal struct{ Group, Currency, Amount string }

// AllocLicencesPage lists the licence price mappings.
type AllocLicencesPage struct {
	Layout
	FormErrors
	CanWrite bool
	Prices   []allocation.LicencePrice
	Form     allocation.LicencePrice
}

func (AllocLicencesPage) Template() string { return "allocation_licences" }

// fieldLabels name the condition fields for people.
var fieldLabels = map[string]string{
	allocation.FieldTag: "tag", allocation.FieldSubAccount: "subscription/account", allocation.FieldResourceGroup: "resource group",
	allocation.FieldService: "service", allocation.FieldRegion: "region", allocation.FieldResourceName: "resource name",
	allocation.FieldResource: "resource ID", allocation.FieldProvider: "provider", allocation.FieldBillingAccount: "billing account",
	allocation.FieldCategory: "service category", allocation.FieldSKU: "SKU", allocation.FieldChargeCategory: "charge category",
	allocation.FieldUserDepartment: "user department", allocation.FieldUserCompany: "user company",
	allocation.FieldUserCountry: "user country", allocation.FieldUserOffice: "user office",
	allocation.FieldUserExtension: "user extension attribute",
}

var opLabels = map[string]string{allocation.OpIn: "in", allocation.OpNotIn: "not in", allocation.OpMatches: "matches", allocation.OpExists: "exists"}

// conditionWords writes a condition for people: "tag team in [web]".
func conditionWords(c allocation.Condition) string {
	label := fieldLabels[c.Field]
	if label == "" {
		label = c.Field
	}
	parts := []string{label}
	if c.Key != "" {
		parts = append(parts, c.Key)
	}
	op := opLabels[c.Op]
	if op == "" {
		op = c.Op
	}
	parts = append(parts, op)
	if c.Op != allocation.OpExists {
		parts = append(parts, "["+strings.Join(c.Values, ", ")+"]")
	}
	return strings.Join(parts, " ")
}

func conditionsWords(cs []allocation.Condition) []string {
	out := make([]string, len(cs))
	for i, c := range cs {
		out[i] = conditionWords(c)
	}
	return out
}

var kindLabels = map[string]string{allocation.KindBusinessUnit: "Business unit", allocation.KindCostCenter: "Cost centre",
	allocation.KindProject: "Project"}

func kindChoices() []Choice {
	out := make([]Choice, len(allocation.Kinds))
	for i, k := range allocation.Kinds {
		out[i] = Choice{Value: k, Label: kindLabels[k]}
	}
	return out
}

func fieldChoices() []Choice {
	out := make([]Choice, len(allocation.Fields))
	for i, f := range allocation.Fields {
		out[i] = Choice{Value: f, Label: fieldLabels[f]}
	}
	return out
}

func opChoices() []Choice {
	var out []Choice
	for _, op := range []string{allocation.OpIn, allocation.OpNotIn, allocation.OpMatches, allocation.OpExists} {
		out = append(out, Choice{Value: op, Label: opLabels[op]})
	}
	return out
}

func methodChoices() []Choice {
	return []Choice{{Value: allocation.SplitFixed, Label: "Fixed percentages"},
		{Value: allocation.SplitProportional, Label: "In proportion to each group's own spend"}}
}

var viaLabels = map[string]string{allocation.ViaRule: "Rule", allocation.ViaSplit: "Split", allocation.ViaLicence: "Licence seats",
	allocation.ViaUnallocated: "No rule matched", allocation.ViaUnassigned: "Unassigned licence seats"}

func viaLabel(v string) string {
	if l, ok := viaLabels[v]; ok {
		return l
	}
	return v
}
