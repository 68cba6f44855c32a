package api

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/spend"
)

// WithSpend answers the explorer endpoints with s (the application's one
// spend service, whose cost query cache the web UI shares); nil keeps the
// service over the store that New made.
func (a *API) WithSpend(s *spend.Service) *API {
	if s != nil {
		if s.Groups == nil && a.allocation != nil {
			s.Groups = a.allocation
		}
		a.spend = s
	}
	return a
}

// WithAllocation serves /allocation and lets the explorer group and
// filter by custom group.
func (a *API) WithAllocation(s *allocation.Service) *API {
	a.allocation = s
	if a.spend != nil {
		a.spend.Groups = s
	}
	return a
}

// allocationRoutes are the /allocation endpoints.
func (a *API) allocationRoutes() []route {
	return []route{
		signedIn("GET", "/allocation/groups", auth.PermAllocationRead, a.listGroups),
		signedIn("POST", "/allocation/groups", auth.PermAllocationWrite, a.createGroup),
		signedIn("GET", "/allocation/groups/{group_id}", auth.PermAllocationRead, a.getGroup),
		signedIn("PATCH", "/allocation/groups/{group_id}", auth.PermAllocationWrite, a.updateGroup),
		signedIn("DELETE", "/allocation/groups/{group_id}", auth.PermAllocationWrite, a.deleteGroup),
		signedIn("GET", "/allocation/groups/{group_id}/access", auth.PermAllocationRead, a.listGroupAccess),
		signedIn("PUT", "/allocation/groups/{group_id}/access/{user_id}", auth.PermRolesManage, a.setGroupAccess),
		signedIn("DELETE", "/allocation/groups/{group_id}/access/{user_id}", auth.PermRolesManage, a.removeGroupAccess),
		signedIn("GET", "/allocation/rules", auth.PermAllocationRead, a.getRules),
		signedIn("PUT", "/allocation/rules", auth.PermAllocationWrite, a.putRules),
		signedIn("GET", "/allocation/versions", auth.PermAllocationRead, a.listVersions),
		signedIn("GET", "/allocation/versions/{version}", auth.PermAllocationRead, a.getVersion),
		heavy(signedIn("GET", "/allocation/results", auth.PermAllocationRead, a.getResults)),
		signedIn("GET", "/allocation/explain", auth.PermAllocationRead, a.explain),
		signedIn("GET", "/allocation/licence-prices", auth.PermAllocationRead, a.listLicencePrices),
		signedIn("PUT", "/allocation/licence-prices", auth.PermAllocationWrite, a.setLicencePrice),
		signedIn("DELETE", "/allocation/licence-prices/{sku_part_number}", auth.PermAllocationWrite, a.deleteLicencePrice),
	}
}

func groupURL(id string) string { return Prefix + "/allocation/groups/" + url.PathEscape(id) }

func (a *API) listGroups(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.allocation.Groups(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, func(g allocation.Group) allocation.Group { return g }, ""))
}

func (a *API) createGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	var in allocation.GroupInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	g, err := a.allocation.CreateGroup(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", groupURL(g.ID))
	return writeJSON(w, http.StatusCreated, g)
}

func (a *API) getGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	g, err := a.allocation.Group(r.Context(), c.P, r.PathValue("group_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

func (a *API) updateGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	var in allocation.GroupInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	g, err := a.allocation.UpdateGroup(r.Context(), c.P, c.Who, r.PathValue("group_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, g)
}

func (a *API) deleteGroup(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.allocation.DeleteGroup(r.Context(), c.P, c.Who, r.PathValue("group_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) getRules(w http.ResponseWriter, r *http.Request, c *call) error {
	v, err := a.allocation.Version(r.Context(), c.P, 0)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

// rulesBody is PUT /allocation/rules: the whole new rule set, and the
// version it was edited from (409 when another change came first).
type rulesBody struct {
	BaseVersion int                `json:"base_version"`
	Rules       []allocation.Rule  `json:"rules"`
	Splits      []allocation.Split `json:"splits"`
	Note        string             `json:"note"`
}

func (a *API) putRules(w http.ResponseWriter, r *http.Request, c *call) error {
	var body rulesBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	rs := allocation.Ruleset{Rules: body.Rules, Splits: body.Splits}
	if rs.Rules == nil {
		rs.Rules = []allocation.Rule{}
	}
	if rs.Splits == nil {
		rs.Splits = []allocation.Split{}
	}
	saved, err := a.allocation.SaveRuleset(r.Context(), c.P, c.Who, body.BaseVersion, rs, strings.TrimSpace(body.Note))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, saved)
}

func (a *API) listVersions(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.allocation.Versions(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, func(v allocation.Version) allocation.Version { return v }, ""))
}

func (a *API) getVersion(w http.ResponseWriter, r *http.Request, c *call) error {
	n, err := strconv.Atoi(r.PathValue("version"))
	if err != nil || n <= 0 {
		return domain.FieldError("version", "A version is a positive number.")
	}
	v, err := a.allocation.Version(r.Context(), c.P, n)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, v)
}

func (a *API) getResults(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	query, err := spend.ParseQuery(q, domain.Now())
	if err != nil {
		return err
	}
	rq := allocation.ResultsQuery{From: query.From, To: query.To, Group: q.Get("group"), ByRule: q.Get("by_rule") == "true"}
	if v := q.Get("version"); v != "" {
		if rq.Version, err = strconv.Atoi(v); err != nil || rq.Version <= 0 {
			return domain.FieldError("version", "A version is a positive number.")
		}
	}
	res, err := a.allocation.Results(r.Context(), c.P, rq)
	if err != nil {
		return err
	}
	if res.Totals == nil {
		res.Totals = []allocation.Total{}
	}
	return writeJSON(w, http.StatusOK, res)
}

func (a *API) explain(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	query, err := spend.ParseQuery(q, domain.Now())
	if err != nil {
		return err
	}
	resource := strings.TrimSpace(q.Get("resource"))
	if resource == "" && len(query.Filters) == 0 {
		return domain.FieldError("resource", "Name a resource (or give filters) to explain.")
	}
	xs, err := a.allocation.Explain(r.Context(), c.P, resource, query.Filters, query.From, query.To)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(xs, func(x allocation.Explanation) allocation.Explanation { return x }, ""))
}

func (a *API) listLicencePrices(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.allocation.LicencePrices(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, func(p allocation.LicencePrice) allocation.LicencePrice { return p }, ""))
}

func (a *API) setLicencePrice(w http.ResponseWriter, r *http.Request, c *call) error {
	var in allocation.LicencePrice
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.allocation.SetLicencePrice(r.Context(), c.P, c.Who, in); err != nil {
		return err
	}
	return a.listLicencePrices(w, r, c)
}

func (a *API) deleteLicencePrice(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.allocation.DeleteLicencePrice(r.Context(), c.P, c.Who, r.PathValue("sku_part_number")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listGroupAccess(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.allocation.GroupAccess(r.Context(), c.P, r.PathValue("group_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, func(x allocation.Access) allocation.Access { return x }, ""))
}

// accessBody is PUT .../access/{user_id}: the role the member gets on the
// group only.
type accessBody struct {
	Role string `json:"role"`
}

func (a *API) setGroupAccess(w http.ResponseWriter, r *http.Request, c *call) error {
	var body accessBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if strings.TrimSpace(body.Role) == "" {
		return domain.FieldError("role", "Name the role, e.g. viewer; DELETE removes the access.")
	}
	if err := a.allocation.SetGroupAccess(r.Context(), c.P, c.Who, r.PathValue("group_id"), r.PathValue("user_id"), body.Role); err != nil {
		return err
	}
	return a.listGroupAccess(w, r, c)
}

func (a *API) removeGroupAccess(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.allocation.SetGroupAccess(r.Context(), c.P, c.Who, r.PathValue("group_id"), r.PathValue("user_id"), ""); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
