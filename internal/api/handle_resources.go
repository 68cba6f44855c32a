package api

import (
	"net/http"
	"net/url"

	"github.com/canopyhq/canopy/internal/inventory"
)

// resourceRoutes are the resource inventory, tag edits, virtual
// resources, tag aliases and required-tag policies.
func (a *API) resourceRoutes() []route {
	read, write := inventory.PermRead, inventory.PermWrite
	return []route{
		signedIn("GET", "/resources", read, a.listResources),
		signedIn("POST", "/resources", write, a.createVirtual),
		signedIn("POST", "/resources/tags", write, a.bulkTags),
		signedIn("POST", "/resources/refresh", write, a.refreshResources),
		signedIn("GET", "/resources/coverage", read, a.tagCoverage),
		signedIn("GET", "/resources/{resource_id}", read, a.getResource),
		signedIn("PATCH", "/resources/{resource_id}", write, a.editResourceTags),
		signedIn("PUT", "/resources/{resource_id}/virtual", write, a.updateVirtual),
		signedIn("DELETE", "/resources/{resource_id}", write, a.deleteVirtual),
		signedIn("GET", "/tag-aliases", read, a.listAliases),
		signedIn("POST", "/tag-aliases", write, a.putAlias),
		signedIn("DELETE", "/tag-aliases/{alias}", write, a.deleteAlias),
		signedIn("GET", "/tag-policies", read, a.listPolicies),
		signedIn("POST", "/tag-policies", write, a.createPolicy),
		signedIn("PATCH", "/tag-policies/{policy_id}", write, a.updatePolicy),
		signedIn("DELETE", "/tag-policies/{policy_id}", write, a.deletePolicy),
	}
}

func resourceURL(id string) string { return Prefix + "/resources/" + url.PathEscape(id) }

func (a *API) period(r *http.Request) (inventory.Period, error) {
	q := r.URL.Query()
	return inventory.ParsePeriod(q.Get("from"), q.Get("to"), a.inventory.Now())
}

func (a *API) listResources(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	f, err := inventory.ParseFilter(q)
	if err != nil {
		return err
	}
	period, err := a.period(r)
	if err != nil {
		return err
	}
	page, err := a.inventory.List(r.Context(), c.P, f, period, cursor, limit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(page.Items, resourceOf, page.NextCursor))
}

func (a *API) getResource(w http.ResponseWriter, r *http.Request, c *call) error {
	period, err := a.period(r)
	if err != nil {
		return err
	}
	v, err := a.inventory.Get(r.Context(), c.P, r.PathValue("resource_id"), period)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resourceOf(v))
}

func (a *API) editResourceTags(w http.ResponseWriter, r *http.Request, c *call) error {
	var edit inventory.TagEdit
	if err := decodeJSON(w, r, &edit); err != nil {
		return err
	}
	v, err := a.inventory.EditTags(r.Context(), c.P, c.Who, r.PathValue("resource_id"), edit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resourceOf(v))
}

func (a *API) bulkTags(w http.ResponseWriter, r *http.Request, c *call) error {
	var body bulkTagsBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	if _, err := inventory.ParseFilter(body.Filter.Values()); err != nil {
		return err
	}
	if body.DryRun {
		n, err := a.inventory.CountMatching(r.Context(), c.P, body.Filter)
		if err != nil {
			return err
		}
		return writeJSON(w, http.StatusOK, bulkResultView{Matched: n, DryRun: true})
	}
	res, err := a.inventory.BulkEditTags(r.Context(), c.P, c.Who, body.Filter, body.Edit)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, bulkResultView{Matched: res.Matched, Changed: res.Changed})
}

func (a *API) refreshResources(w http.ResponseWriter, r *http.Request, c *call) error {
	res, err := a.inventory.Refresh(r.Context(), c.P, c.Who)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, res)
}

func (a *API) tagCoverage(w http.ResponseWriter, r *http.Request, c *call) error {
	period, err := a.period(r)
	if err != nil {
		return err
	}
	f, err := inventory.ParseFilter(r.URL.Query())
	if err != nil {
		return err
	}
	groupings := []inventory.Grouping{inventory.BySubAccount, inventory.ByResourceGroup}
	if a.allocation != nil {
		byGroup, err := a.allocation.CoverageGrouping(r.Context(), c.P.Org.ID)
		if err != nil {
			return err
		}
		groupings = append([]inventory.Grouping{byGroup}, groupings...)
	}
	cov, err := a.inventory.Coverage(r.Context(), c.P, period, f, groupings...)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, coverageOf(cov))
}

func (a *API) createVirtual(w http.ResponseWriter, r *http.Request, c *call) error {
	var in inventory.VirtualInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	v, err := a.inventory.CreateVirtual(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", resourceURL(v.ID))
	return writeJSON(w, http.StatusCreated, resourceOf(v))
}

func (a *API) updateVirtual(w http.ResponseWriter, r *http.Request, c *call) error {
	var in inventory.VirtualInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	v, err := a.inventory.UpdateVirtual(r.Context(), c.P, c.Who, r.PathValue("resource_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, resourceOf(v))
}

func (a *API) deleteVirtual(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.inventory.DeleteVirtual(r.Context(), c.P, c.Who, r.PathValue("resource_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listAliases(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.inventory.Aliases(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, aliasOf, ""))
}

func (a *API) putAlias(w http.ResponseWriter, r *http.Request, c *call) error {
	var body aliasBody
	if err := decodeJSON(w, r, &body); err != nil {
		return err
	}
	al, err := a.inventory.SetAlias(r.Context(), c.P, c.Who, body.Alias, body.Canonical)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, aliasOf(al))
}

func (a *API) deleteAlias(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.inventory.DeleteAlias(r.Context(), c.P, c.Who, r.PathValue("alias")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listPolicies(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.inventory.Policies(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, policyOf, ""))
}

func (a *API) createPolicy(w http.ResponseWriter, r *http.Request, c *call) error {
	var in inventory.PolicyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := a.inventory.CreatePolicy(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/tag-policies/"+url.PathEscape(p.ID))
	return writeJSON(w, http.StatusCreated, policyOf(p))
}

func (a *API) updatePolicy(w http.ResponseWriter, r *http.Request, c *call) error {
	var in inventory.PolicyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := a.inventory.UpdatePolicy(r.Context(), c.P, c.Who, r.PathValue("policy_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, policyOf(p))
}

func (a *API) deletePolicy(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.inventory.DeletePolicy(r.Context(), c.P, c.Who, r.PathValue("policy_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
