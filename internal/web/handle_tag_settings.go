package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/inventory"
)

func (s *Server) tagSettingsPage(r *http.Request) (TagSettingsPage, error) {
	ctx, p, svc := r.Context(), principalFrom(r.Context()), s.inventory()
	page := TagSettingsPage{Layout: s.layout(r, NavSettingsTags), CanEdit: p.Can(inventory.PermWrite)}
	var err error
	if page.Aliases, err = svc.Aliases(ctx, p); err != nil {
		return page, err
	}
	policies, err := svc.Policies(ctx, p)
	for _, pol := range policies {
		page.Policies = append(page.Policies, PolicyRow{ID: pol.ID, Key: pol.Key, Allowed: strings.Join(pol.AllowedValues, ", "),
			Description: pol.Description})
	}
	return page, err
}

func (s *Server) tagSettings(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.tagSettingsPage)
}

// tagSettingsDone redirects after a change, or shows the page with err.
func (s *Server) tagSettingsDone(w http.ResponseWriter, r *http.Request, err error, ok string, fill func(*TagSettingsPage)) {
	if err == nil {
		s.flash(r, FlashSuccess, ok)
		redirect(w, r, "/settings/tags")
		return
	}
	if code := domain.ErrorCode(err); code != domain.CodeInvalid && code != domain.CodeConflict {
		s.fail(w, r, err)
		return
	}
	page, perr := s.tagSettingsPage(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	fill(&page)
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

func (s *Server) addAlias(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	alias, canonical := r.PostFormValue("alias"), r.PostFormValue("canonical")
	_, err := s.inventory().SetAlias(r.Context(), principalFrom(r.Context()), actor(r), alias, canonical)
	s.tagSettingsDone(w, r, err, "Alias saved: "+alias+" now reads as "+canonical+".", func(p *TagSettingsPage) {
		p.AliasForm.Alias, p.AliasForm.Canonical = alias, canonical
	})
}

func (s *Server) removeAlias(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.inventory().DeleteAlias(r.Context(), principalFrom(r.Context()), actor(r), r.PostFormValue("alias"))
	s.tagSettingsDone(w, r, err, "Alias removed.", func(*TagSettingsPage) {})
}

func (s *Server) addPolicy(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	key, allowed, desc := r.PostFormValue("key"), r.PostFormValue("allowed_values"), r.PostFormValue("description")
	in := inventory.PolicyInput{Key: key, Description: desc, AllowedValues: strings.Split(allowed, ",")}
	_, err := s.inventory().CreatePolicy(r.Context(), principalFrom(r.Context()), actor(r), in)
	s.tagSettingsDone(w, r, err, "Policy added: every resource must have "+strings.TrimSpace(key)+".", func(p *TagSettingsPage) {
		p.Policy.Key, p.Policy.Allowed, p.Policy.Description = key, allowed, desc
	})
}

func (s *Server) removePolicy(w http.ResponseWriter, r *http.Request) {
	err := s.inventory().DeletePolicy(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, "Policy removed.")
	redirect(w, r, "/settings/tags")
}

func (s *Server) coveragePage(r *http.Request) (CoveragePage, error) {
	ctx, p, svc := r.Context(), principalFrom(r.Context()), s.inventory()
	q := r.URL.Query()
	page := CoveragePage{Layout: s.layout(r, NavResourcesCoverage)}
	period, err := inventory.ParsePeriod(q.Get("from"), q.Get("to"), svc.Now())
	if err != nil {
		return page, err
	}
	page.From, page.To = dayText(period.From), dayText(period.LastDay())
	if page.Filter, err = inventory.ParseFilter(q); err != nil {
		return page, err
	}
	byGroup, err := s.allocation().CoverageGrouping(ctx, p.Org.ID)
	if err != nil {
		return page, err
	}
	c, err := svc.Coverage(ctx, p, period, page.Filter, byGroup, inventory.BySubAccount, inventory.ByResourceGroup)
	if err != nil {
		return page, err
	}
	for _, pol := range c.Policies {
		page.Policies = append(page.Policies, pol.Key)
	}
	page.Overall = coverageRowView(c.Overall)
	page.Overall.MissingURL = missingURL(page.Filter.Values())
	for _, row := range c.PerPolicy {
		v := coverageRowView(row)
		q := page.Filter.Values()
		q.Set("missing", row.Group)
		v.MissingURL = "/resources?" + q.Encode()
		page.PerPolicy = append(page.PerPolicy, v)
	}
	for _, g := range c.Groups {
		gv := CoverageGroupView{Key: g.Key, Name: g.Name}
		for _, row := range g.Rows {
			v := coverageRowView(row)
			q := page.Filter.Values()
			q.Set(g.Key, row.Group)
			v.MissingURL = missingURL(q)
			gv.Rows = append(gv.Rows, v)
		}
		page.Groups = append(page.Groups, gv)
	}
	return page, nil
}

// missingURL lists the resources of a group failing any policy.
func missingURL(v url.Values) string {
	v.Set("missing", inventory.MissingAny)
	return "/resources?" + v.Encode()
}

func (s *Server) coverage(w http.ResponseWriter, r *http.Request) {
	page, err := s.coveragePage(r)
	if domain.ErrorCode(err) == domain.CodeInvalid {
		page.SetErr(err)
		s.R.Render(w, http.StatusBadRequest, page)
		return
	}
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}
