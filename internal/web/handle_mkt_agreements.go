package web

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
)

// Marketplace agreements: the list and an agreement's page with its
// subscriptions, its order queue and its recurring PO number.

func (s *Server) mktAgreements(w http.ResponseWriter, r *http.Request) {
	ctx, p, f := r.Context(), principalFrom(r.Context()), listFilterOf(r)
	svc := s.marketplace()
	list, err := svc.Agreements(ctx, p, marketplace.AgreementFilter{Status: f.Status, BuyerID: f.Buyer, Query: f.Query, After: f.After})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cat, err := svc.Catalog(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := MktAgreementsPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabAgreements}, Filter: f, Agreements: list.Items,
		Statuses: statusNames(marketplace.Agreements), Names: namesOf(cat), Pager: pagerOf("/marketplace/agreements", f, list.Next)}
	page.Title = "Agreements"
	for _, b := range cat.Buyers {
		page.Buyers = append(page.Buyers, Choice{Value: b.ID, Label: b.Name, Selected: b.ID == f.Buyer})
	}
	s.R.Render(w, http.StatusOK, page)
}

// finalReasons say why an agreement's final status is final.
var finalReasons = map[marketplace.AgreementStatus]string{
	marketplace.AgreementTerminated: "Terminated is final: its last subscription was terminated or expired, and a terminated agreement cannot be reactivated. " +
		"Buy the product again to start a new agreement.",
	marketplace.AgreementFailed:  "Failed is final: its purchase order failed. Place a new purchase order from the catalog.",
	marketplace.AgreementDeleted: "Deleted is final: its purchase order was cancelled before it was submitted.",
}

func (s *Server) mktAgreementPage(r *http.Request) (MktAgreementPage, error) {
	p := principalFrom(r.Context())
	d, err := s.marketplace().Agreement(r.Context(), p, r.PathValue("id"))
	if err != nil {
		return MktAgreementPage{}, err
	}
	page := MktAgreementPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabAgreements}, Detail: d,
		ProgramLabel: marketplace.Program(d.Vendor.Program).Label(), FinalReason: finalReasons[marketplace.AgreementStatus(d.Agreement.Status)],
		CanBuy: p.Can(auth.PermMarketplacePurchase), PO: d.Agreement.PONumber}
	page.Title = d.Agreement.Name
	page.Orders = queueOf(d.Orders)
	return page, nil
}

// queueOf labels each order with its place in the agreement's queue:
// one order is with the vendor, the others submitted wait in turn.
func queueOf(orders []marketplace.Order) []MktQueuedOrder {
	var open []marketplace.Order
	for _, o := range orders {
		if (o.Status == string(marketplace.OrderProcessing) || o.Status == string(marketplace.OrderQuerying)) && o.QueueNo > 0 {
			open = append(open, o)
		}
	}
	sort.Slice(open, func(i, j int) bool { return open[i].QueueNo < open[j].QueueNo })
	label := map[string]string{}
	for i, o := range open {
		switch {
		case o.SentAt != nil && o.Status == string(marketplace.OrderQuerying):
			label[o.ID] = "with the vendor, waiting for your answer"
		case o.SentAt != nil:
			label[o.ID] = "with the vendor"
		case i == 0:
			label[o.ID] = "next to be sent"
		default:
			label[o.ID] = "waiting: " + ordinal(i) + " in line"
		}
	}
	out := make([]MktQueuedOrder, 0, len(orders))
	for _, o := range orders {
		out = append(out, MktQueuedOrder{Order: o, Queue: label[o.ID]})
	}
	return out
}

// ordinal is 1st, 2nd, 3rd, 4th… (n ≥ 1).
func ordinal(n int) string {
	suffix := "th"
	switch {
	case n%100 >= 11 && n%100 <= 13:
	case n%10 == 1:
		suffix = "st"
	case n%10 == 2:
		suffix = "nd"
	case n%10 == 3:
		suffix = "rd"
	}
	return strconv.Itoa(n) + suffix
}

func (s *Server) mktAgreement(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.mktAgreementPage)
}

func (s *Server) mktSetAgreementPO(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	po := r.PostFormValue("po_number")
	agr, err := s.marketplace().SetAgreementPO(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"), po)
	if err == nil {
		s.flash(r, FlashSuccess, "Recurring purchase-order number of "+agr.ID+" saved: invoices print it from now on.")
		redirect(w, r, "/marketplace/agreements/"+agr.ID)
		return
	}
	page, perr := s.mktAgreementPage(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	if isFatal(err) {
		s.fail(w, r, err)
		return
	}
	page.PO = po
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}
