package web

// mktCommerceRoutes: the catalog to buy from, agreements, subscriptions
// and orders.
func (s *Server) mktCommerceRoutes() []Route { return nil }
