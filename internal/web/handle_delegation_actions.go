package web

import (
	"net/http"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// profileFormFields are the user.update fields the user page offers
// (form name = Graph property).
var profileFormFields = []string{"displayName", "givenName", "surname", "jobTitle", "companyName", "officeLocation",
	"streetAddress", "city", "state", "postalCode", "country", "mobilePhone"}

// execRequestFromForm reads an action form of the user page: the action
// and its fields (department, usage_location, sku_id + disable_plan,
// manager, group_id, profile fields, auto reply, aliases, forwarding).
// cur is the user as stored: user.update sends only changed fields.
func (s *Server) execRequestFromForm(r *http.Request, connID string, cur store.M365User) (delegation.ExecRequest, error) {
	f := func(k string) string { return strings.TrimSpace(r.PostFormValue(k)) }
	req := delegation.ExecRequest{Action: delegation.Action(r.PostFormValue("action")), Targets: []string{cur.ObjectID}}
	pr := &req.Params
	switch req.Action {
	case delegation.ActSetDepartment:
		pr.Attributes = map[string]string{"department": f("department")}
	case delegation.ActSetUsageLocation:
		pr.Attributes = map[string]string{"usageLocation": strings.ToUpper(f("usage_location"))}
	case delegation.ActAssignLicence:
		pr.SkuID = f("sku_id")
		// Plans the administrator chose to disable; the restricted ones
		// come as hidden inputs, so a form never asks for a restricted plan.
		if plans := r.PostForm["disable_plan"]; len(plans) > 0 {
			pr.DisabledPlans = plans
		}
	case delegation.ActRemoveLicence:
		pr.SkuID = f("sku_id")
	case delegation.ActSetManager:
		id, err := s.resolveUser(r, connID, f("manager"))
		if err != nil {
			return req, err
		}
		pr.ManagerID = id
	case delegation.ActAddToGroup, delegation.ActRemoveFromGroup:
		pr.GroupID = f("group_id")
	case delegation.ActUpdateUser:
		pr.Attributes = changedProfile(r, cur)
		if len(pr.Attributes) == 0 {
			return req, domain.FieldError("params.attributes", "Nothing changed: edit a field first.")
		}
	case delegation.ActSetAutoReply:
		pr.AutoReply = &m365.AutoReply{Status: f("auto_reply_status"), ExternalAudience: "all",
			InternalReplyMessage: f("internal_message"), ExternalReplyMessage: f("external_message")}
	case delegation.ActSetAliases:
		pr.AddAliases, pr.RemoveAliases = splitIDs(r.PostFormValue("add_aliases")), splitIDs(r.PostFormValue("remove_aliases"))
	case delegation.ActSetForwarding:
		to := f("forward_to")
		pr.ForwardTo, pr.KeepCopy = &to, r.PostFormValue("keep_copy") != ""
	}
	return req, nil
}

// changedProfile returns the profile fields of the form that differ from
// the stored user.
func changedProfile(r *http.Request, cur store.M365User) map[string]string {
	now := map[string]string{"displayName": cur.DisplayName, "givenName": cur.GivenName, "surname": cur.Surname,
		"jobTitle": cur.JobTitle, "companyName": cur.CompanyName, "officeLocation": cur.OfficeLocation,
		"streetAddress": cur.StreetAddress, "city": cur.City, "state": cur.State, "postalCode": cur.PostalCode, "country": cur.Country}
	out := map[string]string{}
	for _, k := range profileFormFields {
		if !r.PostForm.Has(k) {
			continue
		}
		if v := strings.TrimSpace(r.PostFormValue(k)); v != now[k] {
			out[k] = v
		}
	}
	return out
}

// resolveUser turns a user principal name into the object ID of a
// current user of the connection; anything else is taken as an object ID
// ("" stays "": no manager).
func (s *Server) resolveUser(r *http.Request, connID, v string) (string, error) {
	if !strings.Contains(v, "@") {
		return v, nil
	}
	users, _, err := s.Auth.Store.ListM365Users(r.Context(), principalFrom(r.Context()).Org.ID,
		store.M365UserFilter{ConnectionID: connID, Search: v, Limit: 20})
	if err != nil {
		return "", err
	}
	for _, u := range users {
		if strings.EqualFold(u.UserPrincipalName, v) {
			return u.ObjectID, nil
		}
	}
	return "", domain.FieldError("params.manager_id", "No user %s in this connection's directory.", v)
}

// delegationCreateUser creates a user through Execute (user.create) from
// the users page's form and shows the outcome there (the password only
// in this response).
func (s *Server) delegationCreateUser(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	connID, da := r.PathValue("conn"), delegation.ActorOf(p)
	if err := s.delegationSvc().MayAct(r.Context(), p.Org.ID, da, connID); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	attrs := map[string]string{}
	for _, k := range []string{"userPrincipalName", "displayName", "givenName", "surname", "department", "jobTitle", "companyName",
		"officeLocation", "city", "country", "usageLocation"} {
		if v := strings.TrimSpace(r.PostFormValue(k)); v != "" {
			attrs[k] = v
		}
	}
	if v, ok := attrs["usageLocation"]; ok {
		attrs["usageLocation"] = strings.ToUpper(v)
	}
	res, execErr := s.delegationSvc().Execute(r.Context(), p.Org.ID, da, actor(r), connID,
		delegation.ExecRequest{Action: delegation.ActCreateUser, Params: delegation.ExecParams{Attributes: attrs}})
	if execErr != nil && domain.HTTPStatus(execErr) >= 500 {
		s.fail(w, r, execErr)
		return
	}
	page, err := s.delegationUsersPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status := http.StatusOK
	switch {
	case execErr != nil:
		page.Error, status = fieldMessage(execErr), domain.HTTPStatus(execErr)
	case len(res) == 1:
		page.Created = &DelegationResult{Action: string(delegation.ActCreateUser), Result: res[0]}
		if res[0].Status == delegation.StatusRefused {
			status = http.StatusForbidden
		}
	}
	s.R.Render(w, status, page)
}

// fillUserActions adds what the user page's action forms offer: the
// connection's groups and the user's, each SKU with its plans and what
// the policies say about assigning it, the held licences, the manager
// and whether mailbox actions are possible.
func (s *Server) fillUserActions(r *http.Request, page *DelegationUserPage, u store.M365User) error {
	p := principalFrom(r.Context())
	ctx, st, connID := r.Context(), s.Auth.Store, page.ConnectionID
	conn, err := st.GetConnection(ctx, p.Org.ID, connID)
	if err != nil {
		return err
	}
	if !m365.HasExchangeOnline(conn.Settings) {
		page.NoExchange = "Mailbox actions need Exchange Online, and connection " + conn.Name +
			" has none (connection setting exchange_online)."
	}
	page.User.Deleted = u.DeletedAt != nil
	page.User.ManagerID = u.ManagerID
	if u.ManagerID != "" {
		if m, err := st.GetM365User(ctx, p.Org.ID, connID, u.ManagerID); err == nil {
			page.User.Manager = m.DisplayName + " (" + m.UserPrincipalName + ")"
		}
	}
	if page.Can("group.add_member") || page.Can("group.remove_member") {
		if page.Groups, err = st.ListM365GroupNames(ctx, p.Org.ID, connID); err != nil {
			return err
		}
		if page.UserGroups, err = st.M365GroupsOf(ctx, p.Org.ID, connID, u.ObjectID); err != nil {
			return err
		}
	}
	return s.fillUserSKUs(r, page, u)
}

// fillUserSKUs lists the connection's SKUs with their service plans; for
// licence.assign each carries the dry-run decision (restricted plans to
// keep disabled, or the refusal such as a reached quota).
func (s *Server) fillUserSKUs(r *http.Request, page *DelegationUserPage, u store.M365User) error {
	if !page.Can("licence.assign") && !page.Can("licence.remove") {
		return nil
	}
	p := principalFrom(r.Context())
	skus, _, err := s.Auth.Store.ListM365SKUs(r.Context(), p.Org.ID, 500, "")
	if err != nil {
		return err
	}
	sub := delegation.NewSubject(u)
	for _, k := range skus {
		if k.ConnectionID != page.ConnectionID {
			continue
		}
		sku := DelegationSKU{ID: k.SkuID, Name: k.SkuPartNumber, Plans: skuPlans(k), Held: slices.ContainsFunc(sub.Licences, func(l delegation.Licence) bool { return strings.EqualFold(l.SkuID, k.SkuID) })}
		if page.Can("licence.assign") && !page.User.Deleted {
			d, err := s.delegationSvc().Authorize(r.Context(), p.Org.ID, delegation.ActorOf(p), delegation.Request{ConnectionID: page.ConnectionID,
				Action: delegation.ActAssignLicence, Target: u.ObjectID, Params: delegation.Params{SkuID: k.SkuID}})
			if err != nil {
				return err
			}
			if d.Allowed {
				sku.Restricted = d.DisabledPlans
			} else {
				sku.Refusal = d.Reason
			}
		}
		page.SKUs = append(page.SKUs, sku)
	}
	return nil
}

func skuPlans(k store.M365SKU) []DelegationPlan {
	var out []DelegationPlan
	for _, sp := range delegation.PlansOf(k) {
		out = append(out, DelegationPlan{ID: sp.ID, Name: sp.Name})
	}
	slices.SortFunc(out, func(a, b DelegationPlan) int { return strings.Compare(a.Name, b.Name) })
	return out
}
