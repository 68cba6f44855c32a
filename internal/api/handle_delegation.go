package api

import (
	"net/http"
	"net/url"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// delegationRoutes are Microsoft 365 Delegation & Policy Control: virtual
// OUs with their licence and configuration policies, authorization
// policies, delegations, a user's OUs, dry-run authorization and the
// compliance report.
func (a *API) delegationRoutes() []route {
	return []route{
		signedIn("GET", "/m365/actions", auth.PermM365Read, a.listM365Actions),
		signedIn("GET", "/m365/ous", auth.PermM365Read, a.listOUs),
		signedIn("POST", "/m365/ous", auth.PermM365Delegate, a.createOU),
		signedIn("GET", "/m365/ous/{ou_id}", auth.PermM365Read, a.getOU),
		signedIn("PUT", "/m365/ous/{ou_id}", auth.PermM365Delegate, a.updateOU),
		signedIn("DELETE", "/m365/ous/{ou_id}", auth.PermM365Delegate, a.deleteOU),
		signedIn("GET", "/m365/ous/{ou_id}/members", auth.PermM365Read, a.ouMembers),
		signedIn("PUT", "/m365/ous/{ou_id}/licence-policies", auth.PermM365Delegate, a.setLicencePolicies),
		signedIn("PUT", "/m365/ous/{ou_id}/required-attributes", auth.PermM365Delegate, a.setRequiredAttributes),
		signedIn("GET", "/m365/policies", auth.PermM365Read, a.listAdminPolicies),
		signedIn("POST", "/m365/policies", auth.PermM365Delegate, a.createAdminPolicy),
		signedIn("GET", "/m365/policies/{admin_policy_id}", auth.PermM365Read, a.getAdminPolicy),
		signedIn("PUT", "/m365/policies/{admin_policy_id}", auth.PermM365Delegate, a.updateAdminPolicy),
		signedIn("DELETE", "/m365/policies/{admin_policy_id}", auth.PermM365Delegate, a.deleteAdminPolicy),
		signedIn("GET", "/m365/delegations", auth.PermM365Delegate, a.listDelegations),
		signedIn("POST", "/m365/delegations", auth.PermM365Delegate, a.createDelegation),
		signedIn("GET", "/m365/delegations/{delegation_id}", auth.PermM365Delegate, a.getDelegation),
		signedIn("PUT", "/m365/delegations/{delegation_id}", auth.PermM365Delegate, a.updateDelegation),
		signedIn("DELETE", "/m365/delegations/{delegation_id}", auth.PermM365Delegate, a.deleteDelegation),
		signedIn("GET", "/m365/connections/{connection_id}/users/{object_id}/ous", auth.PermM365Read, a.userOUs),
		signedIn("POST", "/m365/connections/{connection_id}/evaluate", auth.PermM365Delegate, a.evaluateAction),
		signedIn("GET", "/m365/connections/{connection_id}/compliance", auth.PermM365Read, a.complianceReport),
	}
}

func (a *API) listM365Actions(w http.ResponseWriter, _ *http.Request, _ *call) error {
	return writeJSON(w, http.StatusOK, listOf(delegation.Actions(), same[delegation.ActionInfo], ""))
}

func (a *API) listOUs(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.delegation.ListOUs(r.Context(), c.P, r.URL.Query().Get("connection_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[delegation.OU], ""))
}

func (a *API) createOU(w http.ResponseWriter, r *http.Request, c *call) error {
	var in delegation.OUInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	o, err := a.delegation.CreateOU(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/m365/ous/"+url.PathEscape(o.ID))
	return writeJSON(w, http.StatusCreated, o)
}

func (a *API) getOU(w http.ResponseWriter, r *http.Request, c *call) error {
	o, err := a.delegation.GetOU(r.Context(), c.P, r.PathValue("ou_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (a *API) updateOU(w http.ResponseWriter, r *http.Request, c *call) error {
	var in delegation.OUInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	o, err := a.delegation.UpdateOU(r.Context(), c.P, c.Who, r.PathValue("ou_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (a *API) deleteOU(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.delegation.DeleteOU(r.Context(), c.P, c.Who, r.PathValue("ou_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) ouMembers(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.delegation.Members(r.Context(), c.P, r.PathValue("ou_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[delegation.MemberView], ""))
}

// licencePoliciesBody replaces an OU's licence policies.
type licencePoliciesBody struct {
	LicencePolicies []delegation.LicencePolicy `json:"licence_policies"`
}

func (a *API) setLicencePolicies(w http.ResponseWriter, r *http.Request, c *call) error {
	var in licencePoliciesBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	o, err := a.delegation.SetLicencePolicies(r.Context(), c.P, c.Who, r.PathValue("ou_id"), in.LicencePolicies)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

// requiredAttributesBody replaces an OU's configuration policy.
type requiredAttributesBody struct {
	RequiredAttributes []delegation.Requirement `json:"required_attributes"`
	// AutoRemediate: remediate deviations after every directory sync
	// (absent: unchanged).
	AutoRemediate *bool `json:"auto_remediate"`
}

func (a *API) setRequiredAttributes(w http.ResponseWriter, r *http.Request, c *call) error {
	var in requiredAttributesBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	o, err := a.delegation.SetRequirements(r.Context(), c.P, c.Who, r.PathValue("ou_id"), in.RequiredAttributes, in.AutoRemediate)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, o)
}

func (a *API) listAdminPolicies(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.delegation.ListPolicies(r.Context(), c.P)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[delegation.Policy], ""))
}

func (a *API) createAdminPolicy(w http.ResponseWriter, r *http.Request, c *call) error {
	var in delegation.PolicyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := a.delegation.CreatePolicy(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/m365/policies/"+url.PathEscape(p.ID))
	return writeJSON(w, http.StatusCreated, p)
}

func (a *API) getAdminPolicy(w http.ResponseWriter, r *http.Request, c *call) error {
	p, err := a.delegation.GetPolicy(r.Context(), c.P, r.PathValue("admin_policy_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (a *API) updateAdminPolicy(w http.ResponseWriter, r *http.Request, c *call) error {
	var in delegation.PolicyInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	p, err := a.delegation.UpdatePolicy(r.Context(), c.P, c.Who, r.PathValue("admin_policy_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, p)
}

func (a *API) deleteAdminPolicy(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.delegation.DeletePolicy(r.Context(), c.P, c.Who, r.PathValue("admin_policy_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) listDelegations(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	list, err := a.delegation.ListDelegations(r.Context(), c.P, store.M365DelegationFilter{UserID: q.Get("user_id"),
		OUID: q.Get("ou_id"), PolicyID: q.Get("policy_id")})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[delegation.Delegation], ""))
}

func (a *API) createDelegation(w http.ResponseWriter, r *http.Request, c *call) error {
	var in delegation.DelegationInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := a.delegation.CreateDelegation(r.Context(), c.P, c.Who, in)
	if err != nil {
		return err
	}
	w.Header().Set("Location", Prefix+"/m365/delegations/"+url.PathEscape(d.ID))
	return writeJSON(w, http.StatusCreated, d)
}

func (a *API) getDelegation(w http.ResponseWriter, r *http.Request, c *call) error {
	d, err := a.delegation.GetDelegation(r.Context(), c.P, r.PathValue("delegation_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (a *API) updateDelegation(w http.ResponseWriter, r *http.Request, c *call) error {
	var in delegation.DelegationInput
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := a.delegation.UpdateDelegation(r.Context(), c.P, c.Who, r.PathValue("delegation_id"), in)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (a *API) deleteDelegation(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.delegation.DeleteDelegation(r.Context(), c.P, c.Who, r.PathValue("delegation_id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

func (a *API) userOUs(w http.ResponseWriter, r *http.Request, c *call) error {
	list, err := a.delegation.UserOUs(r.Context(), c.P, r.PathValue("connection_id"), r.PathValue("object_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(list, same[delegation.Placement], ""))
}

// evaluateBody asks whether a member (the caller when actor_user_id is
// empty) may perform an action on a user.
type evaluateBody struct {
	ActorUserID string            `json:"actor_user_id"`
	Action      delegation.Action `json:"action"`
	TargetID    string            `json:"target_id"`
	Params      delegation.Params `json:"params"`
}

func (a *API) evaluateAction(w http.ResponseWriter, r *http.Request, c *call) error {
	var in evaluateBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	d, err := a.delegation.Evaluate(r.Context(), c.P, in.ActorUserID, delegation.Request{ConnectionID: r.PathValue("connection_id"),
		Action: in.Action, Target: in.TargetID, Params: in.Params})
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, d)
}

func (a *API) complianceReport(w http.ResponseWriter, r *http.Request, c *call) error {
	rep, err := a.delegation.Compliance(r.Context(), c.P, r.PathValue("connection_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, rep)
}

// actionRoutes execute administrative actions. They need membership only:
// MayAct lets in administrators (m365.manage) and delegated administrators
// of the connection, and every target is then authorized by the policies.
func (a *API) actionRoutes() []route {
	return []route{
		signedIn("POST", "/m365/connections/{connection_id}/actions", "", a.executeActions),
		signedIn("POST", "/m365/connections/{connection_id}/compliance/remediate", "", a.remediateCompliance),
	}
}

// actionSummary counts results by status.
func actionSummary(statuses []string) map[string]int {
	out := map[string]int{delegation.StatusDone: 0, delegation.StatusRefused: 0, delegation.StatusFailed: 0,
		delegation.StatusUnknown: 0, delegation.StatusInvalid: 0}
	for _, s := range statuses {
		out[s]++
	}
	return out
}

type executeBody struct {
	delegation.ExecRequest
	TargetID string `json:"target_id"`
}

func (a *API) executeActions(w http.ResponseWriter, r *http.Request, c *call) error {
	conn, actor := r.PathValue("connection_id"), delegation.ActorOf(c.P)
	if err := a.delegation.MayAct(r.Context(), c.P.Org.ID, actor, conn); err != nil {
		return err
	}
	var in executeBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if in.TargetID != "" {
		in.Targets = append([]string{in.TargetID}, in.Targets...)
	}
	res, err := a.delegation.Execute(r.Context(), c.P.Org.ID, actor, c.Who, conn, in.ExecRequest)
	if err != nil {
		return err
	}
	st := make([]string, len(res))
	for i, x := range res {
		st[i] = x.Status
	}
	return writeJSON(w, http.StatusOK, map[string]any{"action": in.Action, "results": res, "summary": actionSummary(st)})
}

type remediateBody struct {
	All        bool                      `json:"all"`
	Deviations []delegation.DeviationRef `json:"deviations"`
}

func (a *API) remediateCompliance(w http.ResponseWriter, r *http.Request, c *call) error {
	conn, actor := r.PathValue("connection_id"), delegation.ActorOf(c.P)
	if err := a.delegation.MayAct(r.Context(), c.P.Org.ID, actor, conn); err != nil {
		return err
	}
	var in remediateBody
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	refs := in.Deviations
	switch {
	case in.All && len(refs) > 0:
		return domain.FieldError("deviations", "Give either all: true or the deviations to fix, not both.")
	case !in.All && len(refs) == 0:
		return domain.FieldError("deviations", "Name the deviations to fix ({id, attribute}), or send all: true.")
	case in.All:
		refs = nil
	}
	out, err := a.delegation.Remediate(r.Context(), c.P.Org.ID, actor, c.Who, conn, refs)
	if err != nil {
		return err
	}
	st := make([]string, len(out.Results))
	for i, x := range out.Results {
		st[i] = x.Result.Status
	}
	return writeJSON(w, http.StatusOK, map[string]any{"results": out.Results, "truncated": out.Truncated, "summary": actionSummary(st)})
}

// Delegation is the API's delegation service, for the UI to share: its
// per-connection execution lock and tenant access are the same.
func (a *API) Delegation() *delegation.Service { return a.delegation }
