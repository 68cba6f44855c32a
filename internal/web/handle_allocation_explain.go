package web

import (
	"fmt"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
)

// allocationExplain answers "why is this here" for one resource.
func (s *Server) allocationExplain(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principalFrom(r.Context())
	q := r.URL.Query()
	page := AllocExplainPage{Layout: s.layout(r, NavAllocation), Resource: strings.TrimSpace(q.Get("resource"))}
	page.Title = "Why is this here"
	now := domain.Now()
	from, to, err := allocPeriod(q, now)
	if err != nil {
		page.SetErr(err)
		from, to, _ = allocPeriod(url.Values{}, now)
	}
	page.Period = periodView("/allocation/explain", url.Values{"resource": {page.Resource}}, from, to, now)
	status := http.StatusOK
	if page.Resource == "" {
		page.SetErr(domain.FieldError("resource", "Name the resource to explain (its ID)."))
	} else if !page.HasErrors() {
		xs, err := s.allocation().Explain(ctx, p, page.Resource, nil, from, to)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		for _, x := range xs {
			page.Explanations = append(page.Explanations, explainView(x, page.Period.Query))
		}
	}
	if page.HasErrors() {
		status = http.StatusBadRequest
	}
	s.R.Render(w, status, page)
}

func explainView(x allocation.Explanation, period string) ExplainView {
	cur := domain.Currency(x.Currency)
	k := x.Key
	v := ExplainView{Resource: k.Resource, ResourceName: k.ResourceName, Currency: x.Currency, Version: x.Version,
		Amount: spend.Display(x.Measures.Billed, cur), Days: x.FirstDay.Format(time.DateOnly) + " to " + x.LastDay.Format(time.DateOnly)}
	for _, f := range []Fact{{"Provider", k.Provider}, {"Billing account", k.BillingAccount}, {"Subscription/account", subLabel(k)},
		{"Resource group", k.ResourceGroup}, {"Service", k.Service}, {"Region", k.Region}, {"SKU", k.SKU}, {"Charge category", k.ChargeCategory}} {
		if f.Value != "" {
			v.Facts = append(v.Facts, f)
		}
	}
	keys := make([]string, 0, len(k.Tags))
	for t := range k.Tags {
		keys = append(keys, t)
	}
	sort.Strings(keys)
	for _, t := range keys {
		v.Tags = append(v.Tags, Fact{t, k.Tags[t]})
	}
	if x.Rule != nil {
		v.Matched, v.Position, v.RuleName, v.Conditions = true, x.Position, x.Rule.Name, conditionsWords(x.Rule.Conditions)
	}
	if x.Split != nil {
		v.Split = x.Split.Name + " (" + methodLabel(x.Split.Method) + ")"
		for _, sh := range x.Split.Shares {
			txt := x.Names[sh.Group]
			if txt == "" {
				txt = sh.Group
			}
			if sh.Percent != "" {
				txt += " " + sh.Percent + " %"
			}
			v.Shares = append(v.Shares, txt)
		}
	}
	for _, pt := range x.Portions {
		pv := PortionView{Group: x.Names[pt.Group], Via: viaLabel(pt.Via), Amount: spend.Display(pt.Measures.Billed, cur), Seats: pt.Seats}
		if pt.Group != allocation.Unallocated && pt.Group != allocation.UnassignedLicences {
			pv.GroupURL = "/allocation/groups/" + pt.Group + "?" + period
		}
		v.Portions = append(v.Portions, pv)
	}
	return v
}

func subLabel(k costs.AllocKey) string {
	if k.SubAccountName != "" && k.SubAccountName != k.SubAccount {
		return k.SubAccountName + " (" + k.SubAccount + ")"
	}
	return k.SubAccount
}

func (s *Server) allocationVersions(w http.ResponseWriter, r *http.Request) {
	list, err := s.allocation().Versions(r.Context(), principalFrom(r.Context()))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page := AllocVersionsPage{Layout: s.layout(r, NavAllocation)}
	page.Title = "Allocation versions"
	for i, v := range list {
		page.Versions = append(page.Versions, versionRow(v, i == 0))
	}
	s.R.Render(w, http.StatusOK, page)
}

func versionRow(v allocation.Version, current bool) VersionRow {
	row := VersionRow{Number: v.Number, When: fmtTime(v.CreatedAt), Who: v.CreatedBy, Note: v.Note, Current: current,
		Affects: "changed nothing"}
	if v.Affects {
		row.Affects = affectedDays(v.ChangedFrom, v.ChangedTo)
	}
	return row
}

// affectedDays words the days [from, to) a version can move; nil is open.
func affectedDays(from, to *time.Time) string {
	switch {
	case from == nil && to == nil:
		return "affects every day"
	case to == nil:
		return "affects days from " + from.Format(time.DateOnly) + " on"
	case from == nil:
		return "affects days up to " + to.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	return "affects days from " + from.Format(time.DateOnly) + " to " + to.AddDate(0, 0, -1).Format(time.DateOnly)
}

func (s *Server) allocationVersion(w http.ResponseWriter, r *http.Request) {
	ctx, p := r.Context(), principalFrom(r.Context())
	n, err := strconv.Atoi(r.PathValue("n"))
	if err != nil || n < 1 {
		s.fail(w, r, domain.Errorf(domain.CodeNotFound, "no such version"))
		return
	}
	v, err := s.allocation().Version(ctx, p, n)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	cur, err := s.allocation().Version(ctx, p, 0)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	groups, err := s.allocation().Groups(ctx, p)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	byID := map[string]allocation.Group{}
	for _, g := range groups {
		byID[g.ID] = g
	}
	page := AllocVersionPage{Layout: s.layout(r, NavAllocation), Version: versionRow(v, v.Number == cur.Number),
		Rules: ruleRows(&v.Ruleset, byID), Splits: splitRows(&v.Ruleset, byID)}
	page.Title = fmt.Sprintf("Allocation version %d", v.Number)
	now := domain.Now()
	from, to, err := allocPeriod(r.URL.Query(), now)
	if err != nil {
		from, to, _ = allocPeriod(url.Values{}, now)
	}
	page.Period = periodView(fmt.Sprintf("/allocation/versions/%d", n), nil, from, to, now)
	res, err := s.allocation().Results(ctx, p, allocation.ResultsQuery{Version: n, From: from, To: to})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, t := range res.Totals {
		page.Totals = append(page.Totals, VersionTotal{Group: t.GroupName, Currency: t.Currency,
			Amount: spend.Display(t.Measures.Billed, domain.Currency(t.Currency))})
	}
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) licencesPage(r *http.Request) (AllocLicencesPage, error) {
	p := principalFrom(r.Context())
	page := AllocLicencesPage{Layout: s.layout(r, NavAllocation), CanWrite: p.Can(auth.PermAllocationWrite)}
	page.Title = "Licence prices"
	var err error
	page.Prices, err = s.allocation().LicencePrices(r.Context(), p)
	return page, err
}

func (s *Server) licencePrices(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.licencesPage)
}

func (s *Server) setLicencePrice(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := allocation.LicencePrice{SkuPartNumber: r.PostFormValue("sku_part_number"), CostSKU: r.PostFormValue("cost_sku"),
		UnitPrice: r.PostFormValue("unit_price"), Currency: r.PostFormValue("currency")}
	err := s.allocation().SetLicencePrice(r.Context(), principalFrom(r.Context()), actor(r), in)
	if err == nil {
		s.flash(r, FlashSuccess, "Licence price for "+strings.TrimSpace(in.SkuPartNumber)+" saved.")
		redirect(w, r, "/allocation/licences")
		return
	}
	page, perr := s.licencesPage(r)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
		s.fail(w, r, err)
		return
	}
	page.Form = in
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) deleteLicencePrice(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	part := r.PostFormValue("sku_part_number")
	if err := s.allocation().DeleteLicencePrice(r.Context(), principalFrom(r.Context()), actor(r), part); err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Licence price for "+part+" removed.")
	redirect(w, r, "/allocation/licences")
}
