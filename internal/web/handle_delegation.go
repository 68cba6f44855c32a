package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// delegationRoutes are Microsoft 365 → Delegation: the users a member may
// administer and their actions (any member; what they see and may do is
// decided by their delegations), and the OUs, policies and delegations
// (m365.delegate).
func (s *Server) delegationRoutes() []Route {
	user := func(p string, h http.HandlerFunc) Route { return Route{Pattern: p, Access: SignedIn, handler: h} }
	perm := func(p string, h http.HandlerFunc) Route {
		return Route{Pattern: p, Access: Needs, Perm: auth.PermM365Delegate, handler: h}
	}
	return []Route{
		user("GET /m365/delegation", s.delegationUsers),
		user("GET /m365/delegation/{conn}/users/{id}", s.delegationUser),
		user("POST /m365/delegation/{conn}/users/{id}/actions", s.delegationAct),
		user("POST /m365/delegation/{conn}/users/new", s.delegationCreateUser),
		perm("GET /m365/delegation/manage", s.delegationManage),
		perm("POST /m365/delegation/ous", s.delegationCreateOU),
		perm("GET /m365/delegation/ous/{id}", s.delegationOU),
		perm("POST /m365/delegation/ous/{id}/delete", s.delegationDeleteOU),
		perm("POST /m365/delegation/policies", s.delegationCreatePolicy),
		perm("POST /m365/delegation/policies/{id}/delete", s.delegationDeletePolicy),
		perm("POST /m365/delegation/delegations", s.delegationCreateDelegation),
		perm("POST /m365/delegation/delegations/{id}/delete", s.delegationDeleteDelegation),
		perm("POST /m365/delegation/ous/{id}", s.delegationUpdateOU),
		perm("POST /m365/delegation/ous/{id}/licences", s.delegationSetLicences),
		perm("POST /m365/delegation/policies/{id}", s.delegationUpdatePolicy),
		perm("POST /m365/delegation/delegations/{id}", s.delegationUpdateDelegation),
	}
}

func (s *Server) delegationSvc() *delegation.Service { return s.Delegation }

// m365Connections lists the organisation's Microsoft 365 connections.
func (s *Server) m365Connections(r *http.Request) ([]store.Connection, error) {
	all, err := s.Auth.Store.ListConnections(r.Context(), principalFrom(r.Context()).Org.ID)
	return slices.DeleteFunc(all, func(c store.Connection) bool { return c.Kind != "m365" }), err
}

func (s *Server) delegationUsers(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.delegationUsersPage)
}

// delegationUsersPage lists, per connection, the users the member may
// administer (searchable) and whether they may create users there.
func (s *Server) delegationUsersPage(r *http.Request) (DelegationUsersPage, error) {
	p := principalFrom(r.Context())
	page := DelegationUsersPage{Layout: s.layout(r, NavM365), Q: strings.TrimSpace(r.URL.Query().Get("q"))}
	conns, err := s.m365Connections(r)
	if err != nil {
		return page, err
	}
	actor := delegation.ActorOf(p)
	for _, c := range conns {
		users, err := s.delegationSvc().Administrable(r.Context(), p.Org.ID, actor, c.ID)
		if err != nil {
			return page, err
		}
		create, err := s.delegationSvc().MayCreate(r.Context(), p.Org.ID, actor, c.ID)
		if err != nil {
			return page, err
		}
		if len(users) == 0 && !create {
			continue
		}
		g := DelegationConnUsers{ID: c.ID, Name: c.Name, Total: len(users), CanCreate: create}
		for _, u := range users {
			if page.Q != "" && !containsFold(u.DisplayName, page.Q) && !containsFold(u.UPN, page.Q) {
				continue
			}
			g.Users = append(g.Users, u)
		}
		page.Connections = append(page.Connections, g)
	}
	return page, nil
}

func containsFold(s, sub string) bool {
	return strings.Contains(strings.ToLower(s), strings.ToLower(sub))
}

// delegationUserPage builds a user's page: its OUs and the actions the
// member may perform. A member who may do nothing on the user gets a 403
// page with the reason Authorize gives.
func (s *Server) delegationUserPage(r *http.Request) (DelegationUserPage, int, error) {
	p := principalFrom(r.Context())
	connID, id := r.PathValue("conn"), r.PathValue("id")
	page := DelegationUserPage{Layout: s.layout(r, NavM365), ConnectionID: connID}
	svc, actor := s.delegationSvc(), delegation.ActorOf(p)
	if err := svc.MayAct(r.Context(), p.Org.ID, actor, connID); err != nil {
		return page, 0, err
	}
	u, places, acts, err := svc.UserActions(r.Context(), p.Org.ID, actor, connID, id)
	if err != nil {
		return page, 0, err
	}
	page.User, page.OUs, page.Actions = delegationUserView(u), places, acts
	if len(acts) == 0 {
		d, err := svc.Authorize(r.Context(), p.Org.ID, actor, delegation.Request{ConnectionID: connID, Action: delegation.ActResetPassword, Target: id})
		if err != nil {
			return page, 0, err
		}
		page.Refusal = d.Reason
		return page, http.StatusForbidden, nil
	}
	return page, http.StatusOK, s.fillUserActions(r, &page, u)
}

func (s *Server) delegationUser(w http.ResponseWriter, r *http.Request) {
	page, status, err := s.delegationUserPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, status, page)
}

// delegationAct runs one action on the user through Execute and shows the
// result on the user's page (a new password only in this response).
func (s *Server) delegationAct(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	connID, id := r.PathValue("conn"), r.PathValue("id")
	svc, da := s.delegationSvc(), delegation.ActorOf(p)
	if err := svc.MayAct(r.Context(), p.Org.ID, da, connID); err != nil {
		s.fail(w, r, err)
		return
	}
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	cur, err := s.Auth.Store.GetM365User(r.Context(), p.Org.ID, connID, id)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	req, execErr := s.execRequestFromForm(r, connID, cur)
	var res []delegation.Result
	if execErr == nil {
		res, execErr = svc.Execute(r.Context(), p.Org.ID, da, actor(r), connID, req)
	}
	if execErr != nil && domain.HTTPStatus(execErr) >= 500 {
		s.fail(w, r, execErr)
		return
	}
	page, status, err := s.delegationUserPage(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	status = http.StatusOK
	page.Done = &DelegationResult{Action: string(req.Action)}
	switch {
	case execErr != nil:
		page.Error = fieldMessage(execErr)
		page.Done = nil
		status = domain.HTTPStatus(execErr)
	case len(res) == 1:
		page.Done.Result = res[0]
		if res[0].Status == delegation.StatusRefused {
			status = http.StatusForbidden
		}
	}
	s.R.Render(w, status, page)
}

func delegationUserView(u store.M365User) DelegationUserView {
	return DelegationUserView{ID: u.ObjectID, Name: u.DisplayName, UPN: u.UserPrincipalName, Department: u.Department,
		Country: u.Country, UsageLocation: u.UsageLocation, Enabled: u.AccountEnabled, MFA: u.MFARegistered,
		Profile: map[string]string{"displayName": u.DisplayName, "givenName": u.GivenName, "surname": u.Surname,
			"jobTitle": u.JobTitle, "companyName": u.CompanyName, "officeLocation": u.OfficeLocation,
			"streetAddress": u.StreetAddress, "city": u.City, "state": u.State, "postalCode": u.PostalCode, "country": u.Country}}
}

// Management (m365.delegate).

// delegationConnections lists the organisation's Microsoft 365 connections
// for a page's picker and the one shown: connID, or the first.
func (s *Server) delegationConnections(r *http.Request, connID string) ([]DelegationConn, string, error) {
	conns, err := s.m365Connections(r)
	if err != nil {
		return nil, "", err
	}
	var out []DelegationConn
	for _, c := range conns {
		out = append(out, DelegationConn{ID: c.ID, Name: c.Name})
		if connID == "" {
			connID = c.ID
		}
	}
	return out, connID, nil
}

func (s *Server) delegationManagePage(r *http.Request, connID string) (DelegationManagePage, error) {
	p := principalFrom(r.Context())
	page := DelegationManagePage{Layout: s.layout(r, NavM365), Attributes: delegation.Attributes(), Operators: delegation.Operators,
		Actions: delegation.Actions()}
	var err error
	if page.Connections, page.ConnectionID, err = s.delegationConnections(r, connID); err != nil || page.ConnectionID == "" {
		return page, err
	}
	connID = page.ConnectionID
	svc := s.delegationSvc()
	if page.OUs, err = svc.ListOUs(r.Context(), p, connID); err != nil {
		return page, err
	}
	if page.Policies, err = svc.ListPolicies(r.Context(), p); err != nil {
		return page, err
	}
	ds, err := svc.ListDelegations(r.Context(), p, store.M365DelegationFilter{})
	if err != nil {
		return page, err
	}
	for _, d := range ds {
		if slices.ContainsFunc(page.OUs, func(o delegation.OU) bool { return o.ID == d.OUID }) {
			page.Delegations = append(page.Delegations, d)
		}
	}
	members, err := s.Auth.ListMembers(r.Context(), p, store.MemberFilter{Status: domain.UserActive, Limit: 500})
	if err != nil {
		return page, err
	}
	for _, m := range members.Items {
		page.Members = append(page.Members, DelegationMember{ID: m.User.ID, Email: m.User.Email})
	}
	return page, nil
}

func (s *Server) delegationManage(w http.ResponseWriter, r *http.Request) {
	page, err := s.delegationManagePage(r, r.URL.Query().Get("connection"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.R.Render(w, http.StatusOK, page)
}

// manageAgain re-renders the management page with err (or sends the
// browser back to it with a flash).
func (s *Server) manageAgain(w http.ResponseWriter, r *http.Request, connID string, err error, ok string) {
	if err == nil {
		s.flash(r, FlashSuccess, ok)
		redirect(w, r, "/m365/delegation/manage?connection="+url.QueryEscape(connID))
		return
	}
	if domain.HTTPStatus(err) >= 500 || domain.ErrorCode(err) == domain.CodeForbidden {
		s.fail(w, r, err)
		return
	}
	page, perr := s.delegationManagePage(r, connID)
	if perr != nil {
		s.fail(w, r, perr)
		return
	}
	page.Error = fieldMessage(err)
	s.R.Render(w, domain.HTTPStatus(err), page)
}

// maxConditionRows is how many condition rows the OU form offers.
const maxConditionRows = 4

// ouInputFromForm reads the OU form: condition rows (rule_N, attribute_N,
// operator_N, values_N; rows of one rule number are ANDed, rules ORed),
// include and exclude object IDs one a line or comma-separated.
func ouInputFromForm(r *http.Request) delegation.OUInput {
	in := delegation.OUInput{ConnectionID: r.PostFormValue("connection_id"), ParentID: r.PostFormValue("parent_id"),
		Name: strings.TrimSpace(r.PostFormValue("name")), Description: strings.TrimSpace(r.PostFormValue("description")),
		Rules: []delegation.Rule{}, Include: splitIDs(r.PostFormValue("include")), Exclude: splitIDs(r.PostFormValue("exclude"))}
	rules := map[string]int{}
	for i := 0; r.PostForm.Has("attribute_" + strconv.Itoa(i)); i++ {
		n := strconv.Itoa(i)
		a := strings.TrimSpace(r.PostFormValue("attribute_" + n))
		if a == "" {
			continue
		}
		c := delegation.Condition{Attribute: a, Operator: r.PostFormValue("operator_" + n), Values: splitValues(r.PostFormValue("values_" + n))}
		key := r.PostFormValue("rule_" + n)
		at, ok := rules[key]
		if !ok {
			at = len(in.Rules)
			rules[key] = at
			in.Rules = append(in.Rules, delegation.Rule{})
		}
		in.Rules[at].Conditions = append(in.Rules[at].Conditions, c)
	}
	return in
}

func splitValues(s string) []string {
	out := []string{}
	for _, v := range strings.Split(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

func splitIDs(s string) []string {
	return splitValues(strings.NewReplacer("\r\n", ",", "\n", ",").Replace(s))
}

func (s *Server) delegationCreateOU(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := ouInputFromForm(r)
	o, err := s.delegationSvc().CreateOU(r.Context(), principalFrom(r.Context()), actor(r), in)
	s.manageAgain(w, r, in.ConnectionID, err, "OU "+o.Name+" created.")
}

func (s *Server) delegationOUPage(r *http.Request, id string) (DelegationOUPage, error) {
	p := principalFrom(r.Context())
	svc := s.delegationSvc()
	page := DelegationOUPage{Layout: s.layout(r, NavM365), Attributes: delegation.Attributes(), Operators: delegation.Operators,
		Requirable: delegation.RequirableAttributes()}
	o, err := svc.GetOU(r.Context(), p, id)
	if err != nil {
		return page, err
	}
	page.OU = o
	if page.Members, err = svc.Members(r.Context(), p, o.ID); err != nil {
		return page, err
	}
	if page.OUs, err = svc.ListOUs(r.Context(), p, o.ConnectionID); err != nil {
		return page, err
	}
	return page, s.fillOUSKUs(r, &page)
}

func (s *Server) delegationOU(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, func(r *http.Request) (DelegationOUPage, error) { return s.delegationOUPage(r, r.PathValue("id")) })
}

func (s *Server) delegationDeleteOU(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	o, err := s.delegationSvc().GetOU(r.Context(), p, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	err = s.delegationSvc().DeleteOU(r.Context(), p, actor(r), o.ID)
	s.manageAgain(w, r, o.ConnectionID, err, "OU "+o.Name+" deleted.")
}

func (s *Server) delegationCreatePolicy(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := delegation.PolicyInput{Name: strings.TrimSpace(r.PostFormValue("name")), Description: strings.TrimSpace(r.PostFormValue("description"))}
	for _, a := range r.PostForm["actions"] {
		in.Actions = append(in.Actions, delegation.Action(a))
	}
	pol, err := s.delegationSvc().CreatePolicy(r.Context(), principalFrom(r.Context()), actor(r), in)
	s.manageAgain(w, r, r.PostFormValue("connection_id"), err, "Policy "+pol.Name+" created.")
}

func (s *Server) delegationDeletePolicy(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.delegationSvc().DeletePolicy(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"))
	s.manageAgain(w, r, r.PostFormValue("connection_id"), err, "Policy deleted.")
}

func (s *Server) delegationCreateDelegation(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := delegation.DelegationInput{UserID: r.PostFormValue("user_id"), OUID: r.PostFormValue("ou_id"), PolicyID: r.PostFormValue("policy_id")}
	d, err := s.delegationSvc().CreateDelegation(r.Context(), principalFrom(r.Context()), actor(r), in)
	s.manageAgain(w, r, r.PostFormValue("connection_id"), err, "Delegation of OU "+d.OUName+" to "+d.UserEmail+" created.")
}

func (s *Server) delegationDeleteDelegation(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	err := s.delegationSvc().DeleteDelegation(r.Context(), principalFrom(r.Context()), actor(r), r.PathValue("id"))
	s.manageAgain(w, r, r.PostFormValue("connection_id"), err, "Delegation ended.")
}

// fieldMessage is err's message naming its field: the delegation forms
// show errors in one place, and the field says where
// (rules[0].conditions[1].values).
func fieldMessage(err error) string {
	msg := domain.ErrorMessage(err)
	if field := domain.ErrorField(err); field != "" && !strings.Contains(msg, field) {
		msg = field + ": " + msg
	}
	return msg
}
