package web

import "github.com/canopyhq/canopy/internal/marketplace"

// The Marketplace area: commerce (catalog, buying, agreements,
// subscriptions, orders: handle_mkt_commerce.go), billing (invoices,
// statements, charges, credit memos: handle_mkt_billing.go) and catalog
// management for operations (vendors, products, items, buyers, listings,
// vendor ordering systems: handle_mkt_catalog.go).

func (s *Server) marketplace() *marketplace.Service {
	if s.Marketplace != nil {
		return s.Marketplace
	}
	return marketplace.New(s.Auth.Store, nil)
}

// Marketplace tabs (MktTabs.Tab).
const (
	MktTabCatalog       = "catalog"
	MktTabOrders        = "orders"
	MktTabSubscriptions = "subscriptions"
	MktTabAgreements    = "agreements"
	MktTabInvoices      = "invoices"
	MktTabManage        = "manage"
)

// MktTabs is embedded by every Marketplace page: mkt_nav marks its Tab.
type MktTabs struct {
	Tab string
}
