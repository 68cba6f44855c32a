package api

import (
	"net/http"
	"strings"

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
	Name              *string `json:"name"`
	MFARequired       *bool   `json:"mfa_required"`
	ReportingCurrency *string `json:"reporting_currency"`
}

func (a *API) patchOrg(w http.ResponseWriter, r *http.Request, c *call) error {
	var in orgPatch
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	set, err := in.apply(c.P.Org)
	if err != nil {
		return err
	}
	org, err := a.svc.UpdateOrgSettings(r.Context(), c.P, set, c.Who)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, orgOf(org))
}

// apply lays the patch over the org's current settings.
func (in orgPatch) apply(org domain.Org) (auth.OrgSettings, error) {
	if in.Name == nil && in.MFARequired == nil && in.ReportingCurrency == nil {
		return auth.OrgSettings{}, domain.Errorf(domain.CodeInvalid, "Send at least one of name, mfa_required and reporting_currency.")
	}
	set := auth.OrgSettings{Name: org.Name, MFARequired: org.MFARequired}
	if in.Name != nil {
		set.Name = *in.Name
	}
	if in.MFARequired != nil {
		set.MFARequired = *in.MFARequired
	}
	if in.ReportingCurrency != nil {
		// The service reads "" as "keep"; sent explicitly it is a mistake.
		if strings.TrimSpace(*in.ReportingCurrency) == "" {
			return set, domain.FieldError("reporting_currency", "reporting_currency must be an ISO 4217 currency code like EUR.")
		}
		set.ReportingCurrency = strings.TrimSpace(*in.ReportingCurrency)
	}
	return set, nil
}

func (a *API) listRoles(w http.ResponseWriter, r *http.Request, c *call) error {
	return writeJSON(w, http.StatusOK, listOf(auth.Roles(), roleOf, ""))
}

func (a *API) listPermissions(w http.ResponseWriter, r *http.Request, c *call) error {
	return writeJSON(w, http.StatusOK, listOf(auth.AllPermissions(), permissionOf, ""))
}
