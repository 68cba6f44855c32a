package web

import (
	"net/http"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
)

// Marketplace orders: the list, an order's page and what people do
// with an order (submit a quote, cancel, answer the vendor, decide it
// by hand).

// listFilterOf reads a list page's filters from the query string.
func listFilterOf(r *http.Request) MktListFilter {
	q := r.URL.Query()
	get := func(k string) string { return strings.TrimSpace(q.Get(k)) }
	return MktListFilter{Status: get("status"), Type: get("type"), Agreement: get("agreement"), Buyer: get("buyer"),
		Query: get("q"), After: get("after")}
}

func statusNames[S ~string](m marketplace.Machine[S]) []string {
	var out []string
	for _, st := range m.All() {
		out = append(out, string(st))
	}
	return out
}

func (s *Server) mktOrders(w http.ResponseWriter, r *http.Request) {
	f := listFilterOf(r)
	list, err := s.marketplace().Orders(r.Context(), principalFrom(r.Context()), marketplace.OrderFilter{Status: f.Status, Type: f.Type,
		AgreementID: f.Agreement, Query: f.Query, After: f.After})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := MktOrdersPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabOrders}, Filter: f, Orders: list.Items,
		Statuses: statusNames(marketplace.Orders), Types: []string{marketplace.OrderPurchase, marketplace.OrderChange, marketplace.OrderTermination},
		Pager: pagerOf("/marketplace/orders", f, list.Next)}
	page.Title = "Orders"
	s.R.Render(w, http.StatusOK, page)
}

// mktOrderPage builds an order's page.
func (s *Server) mktOrderPage(r *http.Request) (MktOrderPage, error) {
	ctx, p := r.Context(), principalFrom(r.Context())
	svc := s.marketplace()
	d, err := svc.Order(ctx, p, r.PathValue("id"))
	if err != nil {
		return MktOrderPage{}, err
	}
	agr, err := svc.Agreement(ctx, p, d.Order.AgreementID)
	if err != nil {
		return MktOrderPage{}, err
	}
	cat, err := svc.Catalog(ctx, p)
	if err != nil {
		return MktOrderPage{}, err
	}
	o, names := d.Order, namesOf(cat)
	page := MktOrderPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabOrders}, Order: o, Agreement: d.Agreement,
		Buyer: agr.Buyer, Product: agr.Product, Vendor: agr.Vendor, Billing: d.Billing, History: d.History,
		CanBuy: p.Can(auth.PermMarketplacePurchase), Decision: marketplace.Outcome{State: marketplace.OutcomeCompleted}}
	page.Title = o.Type + " order " + o.ID
	for _, l := range o.Lines {
		page.Lines = append(page.Lines, MktLineView{OrderLine: l, ItemName: names.Item(l.ItemID), TermLabel: marketplace.Term(l.Term).Label(),
			Currency: d.Agreement.Currency, Total: lineTotal(l.UnitPrice, l.Quantity, d.Agreement.Currency), Per: strings.ToLower(billingPeriod(l.Term))})
	}
	_, adapter := svc.Vendors.Adapter(agr.Vendor)
	page.State = MktOrderStatus{ID: o.ID, Status: o.Status, QueryMessage: o.QueryMessage, StatusNote: o.StatusNote, Sent: o.SentAt != nil,
		WaitingFor: d.WaitingFor, ByHand: !adapter}
	if d.WaitingFor != "" {
		for _, other := range agr.Orders {
			open := other.Status == string(marketplace.OrderProcessing) || other.Status == string(marketplace.OrderQuerying)
			if open && other.QueueNo > 0 && other.QueueNo < o.QueueNo {
				page.State.QueuePos++
			}
		}
	}
	st := marketplace.OrderStatus(o.Status)
	page.CanDecide = p.Can(auth.PermMarketplaceManage) && !adapter && st == marketplace.OrderProcessing && o.SentAt != nil
	page.CanCancel = page.CanBuy && (st == marketplace.OrderQuoted || st == marketplace.OrderQuerying ||
		(st == marketplace.OrderProcessing && o.SentAt == nil))
	return page, nil
}

func (s *Server) mktOrder(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.mktOrderPage)
}

// mktOrderStatus is the status panel a Processing order's page polls;
// once the order moved on, htmx reloads the whole page (HX-Refresh) so
// its actions, lines and history are current.
func (s *Server) mktOrderStatus(w http.ResponseWriter, r *http.Request) {
	page, err := s.mktOrderPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	if r.URL.Query().Get("shown") != page.State.Key() {
		w.Header().Set("HX-Refresh", "true")
	}
	s.R.RenderPartial(w, "mkt_order_status", page.State)
}

// mktOrderError shows the order page again with err (or the error page
// when the order itself cannot be shown).
func (s *Server) mktOrderError(w http.ResponseWriter, r *http.Request, err error, keep func(*MktOrderPage)) {
	page, perr := s.mktOrderPage(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	if isFatal(err) {
		s.fail(w, r, err)
		return
	}
	if keep != nil {
		keep(&page)
	}
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

// mktOrderAction runs act on the posted order, then flashes done and
// returns to the order's page.
func (s *Server) mktOrderAction(w http.ResponseWriter, r *http.Request, done string, act func(p *auth.Principal, id string) (marketplace.Order, error),
	keep func(*MktOrderPage)) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	o, err := act(principalFrom(r.Context()), id)
	if err != nil && o.ID == "" {
		s.mktOrderError(w, r, err, keep)
		return
	}
	if err != nil { // stored, but a follow-up (the vendor, the queue) failed
		s.flash(r, FlashError, done+" "+domain.ErrorMessage(err))
	} else {
		s.flash(r, FlashSuccess, done)
	}
	redirect(w, r, "/marketplace/orders/"+id)
}

func (s *Server) mktSubmitOrder(w http.ResponseWriter, r *http.Request) {
	s.mktOrderAction(w, r, "Order submitted.", func(p *auth.Principal, id string) (marketplace.Order, error) {
		return s.marketplace().Submit(r.Context(), p, actor(r), id)
	}, nil)
}

func (s *Server) mktCancelOrder(w http.ResponseWriter, r *http.Request) {
	s.mktOrderAction(w, r, "Order cancelled.", func(p *auth.Principal, id string) (marketplace.Order, error) {
		return s.marketplace().Cancel(r.Context(), p, actor(r), id, r.PostFormValue("reason"))
	}, nil)
}

func (s *Server) mktAnswerOrder(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	answer := r.PostFormValue("answer")
	s.mktOrderAction(w, r, "Answer sent: the order is processing again.", func(p *auth.Principal, id string) (marketplace.Order, error) {
		return s.marketplace().AnswerQuery(r.Context(), p, actor(r), id, answer)
	}, func(page *MktOrderPage) { page.Answer = answer })
}

func (s *Server) mktDecideOrder(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	out := marketplace.Outcome{State: r.PostFormValue("state"), Message: strings.TrimSpace(r.PostFormValue("message"))}
	done := map[string]string{marketplace.OutcomeCompleted: "Order completed.", marketplace.OutcomeFailed: "Order failed.",
		marketplace.OutcomeQuerying: "Question sent to the buyer."}[out.State]
	s.mktOrderAction(w, r, done, func(p *auth.Principal, id string) (marketplace.Order, error) {
		return s.marketplace().Decide(r.Context(), p, actor(r), id, out)
	}, func(page *MktOrderPage) { page.Decision = out })
}
