package api

import (
	"net/http"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
)

func (a *API) me(w http.ResponseWriter, r *http.Request, c *call) error {
	roles := []string{}
	for _, g := range c.P.Grants {
		if g.Scope.OrgWide() {
			roles = append(roles, g.Role)
		}
	}
	return writeJSON(w, http.StatusOK, meView{User: accountOf(c.P.User), Org: orgOf(c.P.Org), Roles: roles,
		Permissions: permStrings(c.P.Perms.List()), TokenID: c.P.TokenID})
}

func (a *API) listOrgs(w http.ResponseWriter, r *http.Request, c *call) error {
	orgs, err := a.svc.ListOrgs(r.Context(), c.P.User.ID)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(orgs, orgOf, ""))
}

func (a *API) getOrg(w http.ResponseWriter, r *http.Request, c *call) error {
	return writeJSON(w, http.StatusOK, orgOf(c.P.Org))
}

// orgPatch holds the settings to change; absent fields stay as they are.
type orgPatch struct {
	Name        *string `json:"name"`
	MFARequired *bool   `json:"mfa_required"`
}

func (a *API) patchOrg(w http.ResponseWriter, r *http.Request, c *call) error {
	var in orgPatch
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.Name == nil && in.MFARequired == nil {
		return domain.Errorf(domain.CodeInvalid, "Send at least one of name and mfa_required.")
	}
	set := auth.OrgSettings{Name: c.P.Org.Name, MFARequired: c.P.Org.MFARequired}
	if in.Name != nil {
		set.Name = *in.Name
	}
	if in.MFARequired != nil {
		set.MFARequired = *in.MFARequired
	}
	org, err := a.svc.UpdateOrgSettings(r.Context(), c.P, set, c.Who)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orgOf(org))
}

func (a *API) listRoles(w http.ResponseWriter, r *http.Request, c *call) error {
	return writeJSON(w, http.StatusOK, listOf(auth.Roles(), roleOf, ""))
}

func (a *API) listPermissions(w http.ResponseWriter, r *http.Request, c *call) error {
	return writeJSON(w, http.StatusOK, listOf(auth.AllPermissions(), permissionOf, ""))
}
