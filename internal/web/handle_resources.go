package web

import (
	"fmt"
	"net/http"
	"net/url"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/inventory"
)

// resourcesPageSize is how many resources one page of /resources shows.
const resourcesPageSize = 50

// resourceRoutes are the Resources area and the tag settings.
func (s *Server) resourceRoutes() []Route {
	perm := func(p string, pm auth.Permission, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: pm, handler: h}
	}
	read, write := inventory.PermRead, inventory.PermWrite
	return []Route{
		perm("GET /resources", read, s.resources),
		perm("POST /resources/tags", write, s.bulkTags),
		perm("POST /resources/refresh", write, s.refreshResources),
		perm("GET /resources/coverage", read, s.coverage),
		perm("GET /resources/virtual/new", write, s.newVirtual),
		perm("POST /resources/virtual", write, s.createVirtual),
		perm("GET /resources/{id}", read, s.resource),
		perm("POST /resources/{id}/tags", write, s.editTags),
		perm("GET /resources/{id}/virtual", write, s.editVirtual),
		perm("POST /resources/{id}/virtual", write, s.updateVirtual),
		perm("POST /resources/{id}/delete", write, s.deleteVirtual),
		perm("GET /settings/tags", read, s.tagSettings),
		perm("POST /settings/tags/aliases", write, s.addAlias),
		perm("POST /settings/tags/aliases/delete", write, s.removeAlias),
		perm("POST /settings/tags/policies", write, s.addPolicy),
		perm("POST /settings/tags/policies/{id}/delete", write, s.removePolicy),
	}
}

// inventory is the app's inventory service, or one over the server's store.
func (s *Server) inventory() *inventory.Service {
	if s.Inventory != nil {
		return s.Inventory
	}
	return inventory.New(s.Auth.Store) // without the app's cost cache (tests)
}

// resourcesPage builds the inventory page from the query (the filter,
// period and cursor), refreshing an empty inventory from cost data first.
func (s *Server) resourcesPage(r *http.Request, q url.Values) (ResourcesPage, error) {
	ctx, p, svc := r.Context(), principalFrom(r.Context()), s.inventory()
	page := ResourcesPage{Layout: s.layout(r, NavResources), CanEdit: p.Can(inventory.PermWrite), Cursor: q.Get("cursor")}
	var err error
	if page.Filter, err = inventory.ParseFilter(q); err != nil {
		return page, err
	}
	period, err := inventory.ParsePeriod(q.Get("from"), q.Get("to"), svc.Now())
	if err != nil {
		return page, err
	}
	page.From, page.To = dayText(period.From), dayText(period.LastDay())
	if page.Facets, err = svc.Facets(ctx, p); err != nil {
		return page, err
	}
	if page.Facets.Total == 0 { // a first visit: take what the imported cost data names
		if _, err := svc.RefreshOrg(ctx, actor(r), p.Org.ID); err != nil {
			return page, err
		}
		if page.Facets, err = svc.Facets(ctx, p); err != nil {
			return page, err
		}
	}
	policies, err := svc.Policies(ctx, p)
	for _, pol := range policies {
		page.Policies = append(page.Policies, pol.Key)
	}
	if err != nil {
		return page, err
	}
	list, err := svc.List(ctx, p, page.Filter, period, page.Cursor, resourcesPageSize)
	for _, v := range list.Items {
		page.Rows = append(page.Rows, resourceRow(v))
	}
	page.NextCursor = list.NextCursor
	return page, err
}

func (s *Server) resources(w http.ResponseWriter, r *http.Request) {
	page, err := s.resourcesPage(r, r.URL.Query())
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

// tagEditOf reads the edit form: "key=value" lines to set, "old=new"
// lines to rename, keys to remove (one a line or comma-separated).
func tagEditOf(f BulkForm) (inventory.TagEdit, error) {
	var e inventory.TagEdit
	var err error
	if e.Set, err = pairLines("set", f.Set); err != nil {
		return e, err
	}
	if e.Rename, err = pairLines("rename", f.Rename); err != nil {
		return e, err
	}
	for _, k := range strings.FieldsFunc(f.Remove, func(r rune) bool { return r == ',' || r == '\n' }) {
		if k = strings.TrimSpace(k); k != "" {
			e.Remove = append(e.Remove, k)
		}
	}
	return e, nil
}

// pairLines reads "a=b" lines (split at the first '='; blank lines skip).
func pairLines(field, text string) (map[string]string, error) {
	out := map[string]string{}
	for i, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.TrimSpace(k) == "" {
			return nil, domain.FieldError(field, "Line %d: write key=value.", i+1)
		}
		out[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	if len(out) == 0 {
		return nil, nil
	}
	return out, nil
}

func bulkFormOf(r *http.Request) BulkForm {
	return BulkForm{Set: r.PostFormValue("set"), Rename: r.PostFormValue("rename"), Remove: r.PostFormValue("remove")}
}

// bulkTags edits the tags of every resource the posted filter selects:
// the first post shows how many resources that is, the confirmed one
// makes the change.
func (s *Server) bulkTags(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	ctx, p, svc := r.Context(), principalFrom(r.Context()), s.inventory()
	page, err := s.resourcesPage(r, r.PostForm)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	page.Bulk = bulkFormOf(r)
	edit, err := tagEditOf(page.Bulk)
	if err == nil && edit.Empty() {
		err = domain.FieldError("set", "Say which tags to set, rename or remove.")
	}
	if err == nil && r.PostFormValue("confirm") != "yes" {
		page.Matching, err = svc.CountMatching(ctx, p, page.Filter)
		page.Confirm = err == nil
	}
	if err != nil || page.Confirm {
		page.SetErr(err)
		s.R.Render(w, formStatus(err), page)
		return
	}
	res, err := svc.BulkEditTags(ctx, p, actor(r), page.Filter, edit)
	if err != nil {
		page.SetErr(err)
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	s.flash(r, FlashSuccess, fmt.Sprintf("Tags changed on %d of the %d resources the filter selects.", res.Changed, res.Matched))
	redirect(w, r, page.FirstURL())
}

func (s *Server) refreshResources(w http.ResponseWriter, r *http.Request) {
	res, err := s.inventory().Refresh(r.Context(), principalFrom(r.Context()), actor(r))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.flash(r, FlashSuccess, fmt.Sprintf("Cost data names %d resources: %d added, %d updated.", res.Seen, res.Added, res.Updated))
	redirect(w, r, "/resources")
}

func (s *Server) resourcePage(r *http.Request) (ResourcePage, error) {
	ctx, p, svc := r.Context(), principalFrom(r.Context()), s.inventory()
	q := r.URL.Query()
	page := ResourcePage{Layout: s.layout(r, NavResources), CanEdit: p.Can(inventory.PermWrite)}
	period, err := inventory.ParsePeriod(q.Get("from"), q.Get("to"), svc.Now())
	if err != nil {
		return page, err
	}
	page.From, page.To = dayText(period.From), dayText(period.LastDay())
	v, err := svc.Get(ctx, p, r.PathValue("id"), period)
	if err != nil {
		return page, err
	}
	page.Title, page.Resource, page.TagRows = v.Name, resourceRow(v), tagCompare(v)
	if page.Resource.Virtual {
		page.Virtual = virtualForm(v)
	}
	return page, nil
}

func (s *Server) resource(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.resourcePage)
}

func (s *Server) editTags(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id, form := r.PathValue("id"), bulkFormOf(r)
	edit, err := tagEditOf(form)
	if err == nil {
		_, err = s.inventory().EditTags(r.Context(), principalFrom(r.Context()), actor(r), id, edit)
	}
	if err == nil {
		s.flash(r, FlashSuccess, "Tags saved in Canopy.")
		redirect(w, r, "/resources/"+url.PathEscape(id))
		return
	}
	page, perr := s.resourcePage(r)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	page.Edit = form
	page.SetErr(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

// formStatus is the status of a page re-rendered with a form's outcome.
func formStatus(err error) int {
	if err == nil {
		return http.StatusOK
	}
	return domain.HTTPStatus(err)
}
