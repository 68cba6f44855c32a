package api

import (
	"net/http"
	"slices"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// userStatuses are the values ?status= accepts.
var userStatuses = []string{domain.UserActive, domain.UserInvited, domain.UserDeactivated}

func (a *API) listUsers(w http.ResponseWriter, r *http.Request, c *call) error {
	q := r.URL.Query()
	limit, cursor, err := pageParams(q)
	if err != nil {
		return err
	}
	f := store.MemberFilter{Query: q.Get("q"), Status: q.Get("status"), Cursor: cursor, Limit: limit}
	if f.Status != "" && !slices.Contains(userStatuses, f.Status) {
		return domain.FieldError("status", "status must be one of active, invited or deactivated.")
	}
	page, err := a.svc.ListMembers(r.Context(), c.P, f)
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(page.Items, userOf, page.NextCursor))
}

type newUser struct {
	Email string   `json:"email"`
	Name  string   `json:"name"`
	Roles []string `json:"roles"`
	Mode  string   `json:"mode"` // "invite" or "password"
}

func (a *API) createUser(w http.ResponseWriter, r *http.Request, c *call) error {
	var in newUser
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	added, err := a.svc.AddMember(r.Context(), c.P,
		auth.NewMember{Email: in.Email, Name: in.Name, Roles: in.Roles, Mode: in.Mode}, c.Who)
	out := createdUserView{Existing: added.Existing, OneTimePassword: added.OneTimePassword}
	if err != nil {
		if added.User.ID == "" {
			return err
		}
		// The member was committed and only the email failed: report the
		// success (a retry would conflict) and say what did not happen.
		a.log.ErrorContext(r.Context(), "api: member added but email not queued", "user", added.User.ID, "err", err)
		out.Warning = "The user was added, but the email to them could not be sent. Tell them yourself."
	}
	grants := make([]domain.RoleGrant, 0, len(in.Roles))
	for _, role := range in.Roles {
		grants = append(grants, domain.RoleGrant{Role: role})
	}
	out.User = userOf(domain.Member{User: added.User, OrgID: c.P.Org.ID, Status: domain.UserActive, Grants: grants})
	w.Header().Set("Location", Prefix+"/users/"+added.User.ID)
	return writeJSON(w, http.StatusCreated, out)
}

func (a *API) getUser(w http.ResponseWriter, r *http.Request, c *call) error {
	return a.writeUser(w, r, c)
}

// writeUser answers with the current state of the {user_id} member.
func (a *API) writeUser(w http.ResponseWriter, r *http.Request, c *call) error {
	m, err := a.svc.GetMember(r.Context(), c.P, r.PathValue("user_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, userOf(m))
}

type roleAssignment struct {
	Roles []string `json:"roles"`
}

func (a *API) setRoles(w http.ResponseWriter, r *http.Request, c *call) error {
	var in roleAssignment
	if err := decodeJSON(w, r, &in); err != nil {
		return err
	}
	if err := a.svc.SetRoles(r.Context(), c.P, r.PathValue("user_id"), in.Roles, c.Who); err != nil {
		return err
	}
	return a.writeUser(w, r, c)
}

func (a *API) setActive(active bool) handlerFunc {
	return func(w http.ResponseWriter, r *http.Request, c *call) error {
		if err := a.svc.SetMemberActive(r.Context(), c.P, r.PathValue("user_id"), active, c.Who); err != nil {
			return err
		}
		return a.writeUser(w, r, c)
	}
}

func (a *API) resetMFA(w http.ResponseWriter, r *http.Request, c *call) error {
	if err := a.svc.ResetMFA(r.Context(), c.P, r.PathValue("user_id"), c.Who); err != nil {
		return err
	}
	return a.writeUser(w, r, c)
}

func (a *API) listSessions(w http.ResponseWriter, r *http.Request, c *call) error {
	sessions, err := a.svc.ListSessions(r.Context(), c.P, r.PathValue("user_id"))
	if err != nil {
		return err
	}
	return writeJSON(w, http.StatusOK, listOf(sessions, sessionOf, ""))
}

func (a *API) revokeSession(w http.ResponseWriter, r *http.Request, c *call) error {
	err := a.svc.RevokeSession(r.Context(), c.P, r.PathValue("user_id"), r.PathValue("session_id"), c.Who)
	if err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}
