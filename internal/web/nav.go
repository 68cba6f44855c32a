package web

import "strings"

// Nav keys for Layout.Active. Settings sub-pages use "settings.<sub>" so
// the main Settings item stays current while the sub-nav marks the page.
const (
	NavOverview         = "overview"
	NavSpend            = "spend"
	NavSpendImports     = "spend.imports"
	NavSpendConsumption = "spend.consumption"
	NavAllocation       = "allocation"
	NavBudgets          = "budgets"
	NavAlerts           = "alerts"
	NavChargebacks      = "chargebacks"
	NavRecommendations  = "recommendations"
	NavM365             = "m365"
	NavMarketplace      = "marketplace"
	NavConnections      = "connections"
	NavSettings         = "settings"
	NavSettingsUsers    = "settings.users"
	NavSettingsAudit    = "settings.audit"
	NavSettingsFX       = "settings.currency"
	NavSettingsWebhooks = "settings.webhooks"
	NavSettingsSSO      = "settings.sso"
	NavProfile          = "profile"
)

// Area is one product area of Canopy, in navigation order.
type Area struct {
	Key         string
	Name        string
	URL         string
	Description string
}

// areas is the navigation, in the order the product presents it.
var areas = []Area{
	{NavOverview, "Overview", "/", "A summary of your organisation's spend and where to look next."},
	{NavSpend, "Spend", "/spend", "Explore cloud and software costs by day, service, account and tag, and export what you see."},
	{NavAllocation, "Allocation", "/allocation", "Assign every cost to a team, product or cost centre with tags, custom groups, rules and shared-cost splits."},
	{NavResources, "Resources", "/resources", "The resource inventory with tags and cost: edit tags one by one or in bulk, add virtual resources and track required-tag coverage."},
	{NavBudgets, "Budgets", "/budgets", "Set budgets per team or scope, track actual and forecast spend against them, and get alerted before they are exceeded."},
	{NavAlerts, "Alerts", "/alerts", "Get told when a day's spend jumps, a budget is overrun or a reservation goes unused, and follow each alert to the costs behind it."},
	{NavChargebacks, "Chargebacks", "/chargebacks", "Produce monthly chargeback and showback statements per cost centre that reconcile to the invoice."},
	{NavRecommendations, "Recommendations", "/recommendations", "Find savings: idle and oversized resources, reservation and savings-plan coverage, and unused licences."},
	{NavM365, "Microsoft 365", "/m365", "See Microsoft 365 licences, who has them and whether they are used, and reclaim the ones nobody uses."},
	{NavMarketplace, "Marketplace", "/marketplace", "Browse the software catalogue, place orders, and track subscriptions, agreements, charges and invoices."},
	{NavConnections, "Connections", "/connections", "Connect Azure, AWS, Microsoft 365 and Partner Center so Canopy can import costs and usage every day."},
	{NavSettings, "Settings", "/settings", "Your organisation, its users and roles, and the audit log."},
}

// Areas returns the product areas in navigation order.
func Areas() []Area { return append([]Area(nil), areas...) }

// AreaByKey finds an area by its nav key.
func AreaByKey(key string) (Area, bool) {
	for _, a := range areas {
		if a.Key == key {
			return a, true
		}
	}
	return Area{}, false
}

// AreaCard is one tile on the overview page.
type AreaCard struct {
	Area
	Available bool // false shows "Not available yet"
}

// NewAreaCards builds the overview tiles for every area except Overview
// and Settings; the keys listed in available are marked as built.
func NewAreaCards(available ...string) []AreaCard {
	built := map[string]bool{}
	for _, k := range available {
		built[k] = true
	}
	var cards []AreaCard
	for _, a := range areas {
		if a.Key == NavOverview || a.Key == NavSettings {
			continue
		}
		cards = append(cards, AreaCard{Area: a, Available: built[a.Key]})
	}
	return cards
}

// NavLink is one navigation entry as the template draws it.
type NavLink struct {
	Label   string
	URL     string
	Current bool
	// AriaCurrent is "page" on the link to the page shown, "true" on the
	// area containing it (Settings while on Users), "" elsewhere.
	AriaCurrent string
}

func navLink(label, url string, exact, within bool) NavLink {
	l := NavLink{Label: label, URL: url, Current: exact || within}
	switch {
	case exact:
		l.AriaCurrent = "page"
	case within:
		l.AriaCurrent = "true"
	}
	return l
}

// Nav returns the main navigation with the active area marked.
func (l Layout) Nav() []NavLink {
	links := make([]NavLink, 0, len(areas))
	for _, a := range areas {
		within := strings.HasPrefix(l.Active, a.Key+".")
		links = append(links, navLink(a.Name, a.URL, l.Active == a.Key, within))
	}
	return links
}

// settingsLinks lists the settings sub-pages and the permissions that
// reveal them (any one suffices; none means everyone sees it).
var settingsLinks = []struct {
	key, label, url string
	perms           []string
}{
	{NavSettings, "Organisation", "/settings", nil},
	{NavSettingsUsers, "Users", "/settings/users", []string{"users.read", "users.manage"}},
	{NavSettingsAudit, "Audit log", "/settings/audit", []string{"audit.read"}},
	{NavSettingsFX, "Currency", "/settings/currency", []string{"costs.read", "currency.manage"}},
	{NavSettingsTags, "Tags", "/settings/tags", []string{"allocation.read"}},
	{NavSettingsWebhooks, "Webhooks", "/settings/webhooks", []string{"settings.manage"}},
	{NavSettingsSSO, "Single sign-on", "/settings/sso", []string{"settings.manage"}},
}

// SettingsNav returns the settings sub-navigation the user may see.
func (l Layout) SettingsNav() []NavLink {
	var links []NavLink
	for _, s := range settingsLinks {
		if s.perms != nil && !l.Allows(s.perms...) {
			continue
		}
		links = append(links, navLink(s.label, s.url, l.Active == s.key, false))
	}
	return links
}

// spendLinks lists the Spend area's sub-pages and the permissions that
// reveal them (any one suffices).
var spendLinks = []struct {
	key, label, url string
	perms           []string
}{
	{NavSpend, "Explorer", "/spend", []string{"costs.read"}},
	{NavSpendConsumption, "Consumption", "/spend/consumption", []string{"costs.read"}},
	{NavSpendImports, "Imports", "/spend/imports", []string{"costs.read", "costs.import"}},
}

// SpendNav returns the Spend sub-navigation the user may see.
func (l Layout) SpendNav() []NavLink {
	var links []NavLink
	for _, s := range spendLinks {
		if s.perms != nil && !l.Allows(s.perms...) {
			continue
		}
		links = append(links, navLink(s.label, s.url, l.Active == s.key, false))
	}
	return links
}
