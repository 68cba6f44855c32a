package web

import (
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/marketplace"
)

// Marketplace subscriptions: the list, a subscription's page, its PO
// number, change orders and termination.

func (s *Server) mktSubscriptions(w http.ResponseWriter, r *http.Request) {
	f := listFilterOf(r)
	list, err := s.marketplace().Subscriptions(r.Context(), principalFrom(r.Context()), marketplace.SubscriptionFilter{Status: f.Status,
		AgreementID: f.Agreement, Query: f.Query, After: f.After})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := MktSubscriptionsPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabSubscriptions}, Filter: f,
		Subscriptions: list.Items, Statuses: statusNames(marketplace.Subscriptions), Pager: pagerOf("/marketplace/subscriptions", f, list.Next)}
	page.Title = "Subscriptions"
	s.R.Render(w, http.StatusOK, page)
}

// mktSubscriptionPage builds a subscription's page with the programme's
// rules applied to it now, so refusals are said before anyone tries.
func (s *Server) mktSubscriptionPage(r *http.Request) (MktSubscriptionPage, error) {
	ctx, p := r.Context(), principalFrom(r.Context())
	svc := s.marketplace()
	d, err := svc.Subscription(ctx, p, r.PathValue("id"))
	if err != nil {
		return MktSubscriptionPage{}, err
	}
	sub := d.Subscription
	agr, err := svc.Agreement(ctx, p, sub.AgreementID)
	if err != nil {
		return MktSubscriptionPage{}, err
	}
	prog := marketplace.Program(agr.Vendor.Program)
	page := MktSubscriptionPage{Layout: s.layout(r, NavMarketplace), MktTabs: MktTabs{Tab: MktTabSubscriptions}, Sub: sub, Item: d.Item,
		Agreement: agr.Agreement, Vendor: agr.Vendor, ProgramLabel: prog.Label(), History: d.History, Charges: d.Charges,
		CanBuy: p.Can(auth.PermMarketplacePurchase), Running: sub.Status == string(marketplace.SubscriptionActive), PO: sub.PONumber,
		Change: MktChangeForm{Quantity: strconv.FormatInt(sub.Quantity, 10)}}
	page.Title = sub.Name + " · " + sub.ID
	for _, o := range agr.Orders {
		full, err := svc.Store.GetMktOrder(ctx, p.Org.ID, o.ID, false)
		if err != nil {
			return page, err
		}
		for _, l := range full.Lines {
			if l.SubscriptionID != sub.ID {
				continue
			}
			page.Orders = append(page.Orders, o)
			if st := marketplace.OrderStatus(o.Status); st == marketplace.OrderQuoted || st == marketplace.OrderProcessing || st == marketplace.OrderQuerying {
				page.OpenOrder = o.ID
			}
			break
		}
	}
	rulesOf(&page, marketplace.PolicyOf(prog), svc.Now().UTC())
	return page, nil
}

// rulesOf fills the page's refusals and return-window note.
func rulesOf(page *MktSubscriptionPage, pol marketplace.Policy, now time.Time) {
	sub := page.Sub
	if err := pol.CheckPOChange(sub.ID, marketplace.SubscriptionStatus(sub.Status)); err != nil {
		page.POBlocked = domain.ErrorMessage(err)
	}
	bought, renews := derefTime(sub.PurchasedAt), derefTime(sub.RenewsOn)
	switch {
	case pol.ReturnDays == 0:
		page.ReturnNote = pol.Program.Label() + " rules: terminating ends the subscription when the vendor confirms it, without credit for the rest of the billing period."
	case sub.PurchasedAt == nil:
		page.ReturnNote = fmt.Sprintf("%s rules: licences can be returned within %d days of purchase.", pol.Program.Label(), pol.ReturnDays)
	case pol.InReturnWindow(bought, now):
		page.ReturnNote = fmt.Sprintf("%s rules: until %s (%d days after purchase) you can terminate or lower the quantity for a full credit. "+
			"After that, quantities only go down at renewal and a subscription ends by not renewing.", pol.Program.Label(),
			pol.ReturnUntil(bought).Format(TimeLayout), pol.ReturnDays)
	default:
		page.ReturnNote = fmt.Sprintf("%s rules: the %d-day return window closed on %s.", pol.Program.Label(), pol.ReturnDays,
			pol.ReturnUntil(bought).Format(TimeLayout))
	}
	if !page.Running {
		return
	}
	if page.OpenOrder != "" {
		page.TerminateBlocked = "Order " + page.OpenOrder + " is open for this subscription: wait for it to finish or cancel it before placing another."
		page.ReduceBlocked = page.TerminateBlocked
		return
	}
	if err := pol.CheckReduction(sub.ID, bought, now, renews, true); err != nil {
		page.TerminateBlocked = domain.ErrorMessage(err)
	}
	if err := pol.CheckReduction(sub.ID, bought, now, renews, false); err != nil {
		page.ReduceBlocked = domain.ErrorMessage(err)
	}
}

func (s *Server) mktSubscription(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.mktSubscriptionPage)
}

// mktSubError shows the subscription page again with err, its field
// errors under prefix (the page has several forms).
func (s *Server) mktSubError(w http.ResponseWriter, r *http.Request, err error, prefix string, keep func(*MktSubscriptionPage)) {
	page, perr := s.mktSubscriptionPage(r)
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
	setErrUnder(&page.FormErrors, prefix, err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

// isFatal: errors that show the error page rather than the form.
func isFatal(err error) bool {
	switch domain.ErrorCode(err) {
	case domain.CodeInternal, domain.CodeNotFound, domain.CodeForbidden:
		return true
	}
	return false
}

// setErrUnder files a field error under prefix+field.
func setErrUnder(f *FormErrors, prefix string, err error) {
	if field := domain.ErrorField(err); field != "" {
		if f.FieldErrors == nil {
			f.FieldErrors = FieldErrors{}
		}
		f.FieldErrors[prefix+field] = domain.ErrorMessage(err)
		return
	}
	f.SetErr(err)
}

func (s *Server) mktSetSubscriptionPO(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	po := r.PostFormValue("po_number")
	sub, err := s.marketplace().SetSubscriptionPO(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"), po)
	if err != nil {
		s.mktSubError(w, r, err, "", func(p *MktSubscriptionPage) { p.PO = po })
		return
	}
	s.flash(r, FlashSuccess, "Purchase-order number of "+sub.ID+" saved.")
	redirect(w, r, "/marketplace/subscriptions/"+sub.ID)
}

// changeFormOf reads the change form: an empty quantity keeps it, an
// empty auto-renew choice keeps it.
func changeFormOf(r *http.Request) (MktChangeForm, marketplace.LineInput, error) {
	f := MktChangeForm{Quantity: strings.TrimSpace(r.PostFormValue("quantity")), AutoRenew: r.PostFormValue("auto_renew"),
		PONumber: r.PostFormValue("po_number"), Notes: r.PostFormValue("notes")}
	line := marketplace.LineInput{SubscriptionID: r.PathValue("id")}
	if f.Quantity != "" {
		n, err := strconv.ParseInt(f.Quantity, 10, 64)
		if err != nil || n < 1 || n > 1_000_000 {
			return f, line, domain.FieldError("quantity", "Enter a whole number of licences between 1 and 1000000 (terminate to end the subscription).")
		}
		line.Quantity = n
	}
	switch f.AutoRenew {
	case "on", "off":
		on := f.AutoRenew == "on"
		line.AutoRenew = &on
	case "":
	default:
		return f, line, domain.FieldError("auto_renew", "Choose whether the subscription renews.")
	}
	return f, line, nil
}

func (s *Server) mktChangeSubscription(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	form, line, err := changeFormOf(r)
	keep := func(p *MktSubscriptionPage) { p.Change = form }
	if err != nil {
		s.mktSubError(w, r, err, "change_", keep)
		return
	}
	ctx, p := r.Context(), principalFrom(r.Context())
	sub, err := s.marketplace().Subscription(ctx, p, line.SubscriptionID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.marketplace().Change(ctx, p, actor(r), sub.Subscription.AgreementID, marketplace.OrderInput{PONumber: form.PONumber,
		Notes: form.Notes, Lines: []marketplace.LineInput{line}, Submit: r.PostFormValue("action") != "quote"})
	s.mktPlaced(w, r, o, err, "Change order", "change_", keep)
}

func (s *Server) mktTerminateSubscription(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, p := r.Context(), principalFrom(r.Context())
	sub, err := s.marketplace().Subscription(ctx, p, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	o, err := s.marketplace().Terminate(ctx, p, actor(r), sub.Subscription.AgreementID, marketplace.OrderInput{
		Notes: r.PostFormValue("notes"), Lines: []marketplace.LineInput{{SubscriptionID: sub.Subscription.ID}}, Submit: true})
	s.mktPlaced(w, r, o, err, "Termination order", "terminate_", nil)
}

// mktPlaced opens a placed order's page, or shows the subscription page
// again with why the order was refused.
func (s *Server) mktPlaced(w http.ResponseWriter, r *http.Request, o marketplace.Order, err error, what, prefix string, keep func(*MktSubscriptionPage)) {
	if o.ID == "" {
		s.mktSubError(w, r, err, prefix, keep)
		return
	}
	if err != nil {
		s.Log.WarnContext(r.Context(), "marketplace: dispatch after order", "order", o.ID, "err", err)
	}
	if o.Status == string(marketplace.OrderQuoted) {
		s.flash(r, FlashSuccess, what+" "+o.ID+" saved as a quote. Submit it when you are ready.")
	} else {
		s.flash(r, FlashSuccess, what+" "+o.ID+" placed and submitted.")
	}
	redirect(w, r, "/marketplace/orders/"+o.ID)
}

func derefTime(t *time.Time) time.Time {
	if t == nil {
		return time.Time{}
	}
	return *t
}
