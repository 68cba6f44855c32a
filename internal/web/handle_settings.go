package web

import (
	"net/http"
	"slices"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

func (s *Server) orgSettings(w http.ResponseWriter, r *http.Request) {
	p := principalFrom(r.Context())
	s.R.Render(w, http.StatusOK, OrgSettingsPage{Layout: s.layout(r, NavSettings), Name: p.Org.Name,
		MFARequired: p.Org.MFARequired, CanEdit: p.Can(auth.PermSettingsManage)})
}

func (s *Server) saveOrgSettings(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	in := auth.OrgSettings{Name: r.PostFormValue("name"), MFARequired: r.PostFormValue("mfa_required") == "on"}
	if _, err := s.Auth.UpdateOrgSettings(r.Context(), principalFrom(r.Context()), in, actor(r)); err != nil {
		page := OrgSettingsPage{Layout: s.layout(r, NavSettings), Name: in.Name, MFARequired: in.MFARequired, CanEdit: true}
		page.SetErr(err)
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	s.flash(r, FlashSuccess, "Organisation settings saved.")
	redirect(w, r, "/settings")
}

func roleOptions() []RoleOption {
	var out []RoleOption
	for _, role := range auth.Roles() {
		out = append(out, RoleOption{Key: role.Key, Name: role.Name, Description: role.Description})
	}
	return out
}

func roleNames(grants []domain.RoleGrant) []string {
	var out []string
	for _, g := range grants {
		if role, ok := auth.RoleByKey(g.Role); ok {
			out = append(out, role.Name)
		}
	}
	return out
}

func userRow(m domain.Member) UserRow {
	return UserRow{ID: m.User.ID, Name: m.User.Name, Email: m.User.Email, Status: m.EffectiveStatus(),
		Roles: roleNames(m.Grants), MFAEnabled: m.User.MFAEnabled, LastSignInAt: m.User.LastSignInAt}
}

func (s *Server) usersPage(r *http.Request) (UsersPage, error) {
	p := principalFrom(r.Context())
	q := r.URL.Query().Get("q")
	list, err := s.Auth.ListMembers(r.Context(), p, store.MemberFilter{Query: q, Limit: 200})
	page := UsersPage{Layout: s.layout(r, NavSettingsUsers), Roles: roleOptions(), Query: q, CanManage: p.Can(auth.PermUsersManage)}
	for _, m := range list.Items {
		page.Users = append(page.Users, userRow(m))
	}
	return page, err
}

func (s *Server) users(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, s.usersPage)
}

func (s *Server) addUser(w http.ResponseWriter, r *http.Request) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	form := InviteForm{Email: r.PostFormValue("email"), Name: r.PostFormValue("name"), Role: r.PostFormValue("role"), Mode: r.PostFormValue("mode")}
	in := auth.NewMember{Email: form.Email, Name: form.Name, Mode: form.ModeOrDefault()}
	if form.Role != "" {
		in.Roles = []string{form.Role}
	}
	added, err := s.Auth.AddMember(r.Context(), principalFrom(r.Context()), in, actor(r))
	page, perr := s.usersPage(r)
	if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
		s.fail(w, r, err)
		return
	}
	if err != nil {
		page.SetErr(err)
		page.Invite = form
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	page.CreatedPassword, page.CreatedEmail = added.OneTimePassword, added.User.Email
	msg := "Invitation sent to " + added.User.Email + "."
	switch {
	case added.Existing:
		msg = added.User.Email + " already had a Canopy account and was added to this organisation."
	case added.OneTimePassword != "":
		msg = "Account created for " + added.User.Email + ". Give them the one-time password below."
	}
	page.Flash = &Flash{Kind: FlashSuccess, Message: msg}
	s.R.Render(w, http.StatusOK, page)
}

func (s *Server) userDetailPage(r *http.Request, userID string) (UserDetailPage, error) {
	p := principalFrom(r.Context())
	m, err := s.Auth.GetMember(r.Context(), p, userID)
	if err != nil {
		return UserDetailPage{}, err
	}
	page := UserDetailPage{Layout: s.layout(r, NavSettingsUsers), User: userRow(m), CanManage: p.Can(auth.PermUsersManage),
		IsSelf: userID == p.User.ID}
	held := roleKeysOf(m.Grants)
	for _, o := range roleOptions() {
		page.Roles = append(page.Roles, RoleChoice{RoleOption: o, Assigned: slices.Contains(held, o.Key)})
	}
	if page.CanManage {
		list, err := s.Auth.ListSessions(r.Context(), p, userID)
		if err != nil {
			return page, err
		}
		page.Sessions = s.sessionViews(r, list)
	}
	return page, nil
}

func roleKeysOf(grants []domain.RoleGrant) []string {
	var out []string
	for _, g := range grants {
		out = append(out, g.Role)
	}
	return out
}

func (s *Server) userDetail(w http.ResponseWriter, r *http.Request) {
	renderBuilt(s, w, r, func(r *http.Request) (UserDetailPage, error) { return s.userDetailPage(r, r.PathValue("id")) })
}

// userAction runs an admin action on a member and returns to their page,
// showing the error there when it fails.
func (s *Server) userAction(w http.ResponseWriter, r *http.Request, act func(userID string) error, done string) {
	if err := parseForm(w, r); err != nil {
		s.fail(w, r, err)
		return
	}
	id := r.PathValue("id")
	if err := act(id); err != nil {
		page, perr := s.userDetailPage(r, id)
		if perr != nil || domain.ErrorCode(err) == domain.CodeInternal {
			s.fail(w, r, err)
			return
		}
		page.SetErr(err)
		s.R.Render(w, domain.HTTPStatus(err), page)
		return
	}
	s.flash(r, FlashSuccess, done)
	redirect(w, r, "/settings/users/"+id)
}

func (s *Server) setRoles(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, func(id string) error {
		return s.Auth.SetRoles(r.Context(), principalFrom(r.Context()), id, r.PostForm["roles"], actor(r))
	}, "Roles saved.")
}

func (s *Server) setActive(active bool) http.HandlerFunc {
	done := "The user was deactivated in this organisation and can no longer use it."
	if active {
		done = "The user was reactivated."
	}
	return func(w http.ResponseWriter, r *http.Request) {
		s.userAction(w, r, func(id string) error {
			return s.Auth.SetMemberActive(r.Context(), principalFrom(r.Context()), id, active, actor(r))
		}, done)
	}
}

func (s *Server) resetMFA(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, func(id string) error {
		return s.Auth.ResetMFA(r.Context(), principalFrom(r.Context()), id, actor(r))
	}, "MFA was reset and the user was signed out. They can set it up again at their next sign-in.")
}

func (s *Server) revokeUserSession(w http.ResponseWriter, r *http.Request) {
	s.userAction(w, r, func(id string) error {
		return s.Auth.RevokeSession(r.Context(), principalFrom(r.Context()), id, r.PathValue("sid"), actor(r))
	}, "The session was signed out.")
}
