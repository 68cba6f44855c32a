package web

// mktBillingRoutes: invoices, statements, charges and credit memos.
func (s *Server) mktBillingRoutes() []Route { return nil }
