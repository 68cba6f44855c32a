package web

// mktCatalogRoutes: catalog management for operations.
func (s *Server) mktCatalogRoutes() []Route { return nil }
