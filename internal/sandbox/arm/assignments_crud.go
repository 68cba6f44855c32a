package arm

import (
	"net/http"
	"regexp"
	"strings"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

var (
	principalFilterRE = regexp.MustCompile(`(?i)principalId\s+eq\s+'([^']+)'`)
	assignedToRE      = regexp.MustCompile(`(?i)assignedTo\('([^']+)'\)`)
)

// listAssignments serves GET {scope}/.../roleAssignments: assignments at,
// above and below the scope; $filter atScope() keeps those at or above,
// principalId eq '...' / assignedTo('...') one principal's.
func (a *ARM) listAssignments(w http.ResponseWriter, r *http.Request, scope string) {
	if r.Method != http.MethodGet {
		methodNotAllowed(w, r)
		return
	}
	if _, err := a.check(r, scope, "Microsoft.Authorization/roleAssignments/read"); err != nil {
		writeAuthError(w, err)
		return
	}
	f := r.URL.Query().Get("$filter")
	atScope := strings.Contains(strings.ToLower(f), "atscope()")
	principal := ""
	if m := principalFilterRE.FindStringSubmatch(f); m != nil {
		principal = m[1]
	} else if m := assignedToRE.FindStringSubmatch(f); m != nil {
		principal = m[1]
	}
	items := []any{}
	for _, as := range a.Assignments() {
		if principal != "" && !strings.EqualFold(as.PrincipalID, principal) {
			continue
		}
		if within(scope, as.Scope) || (!atScope && within(as.Scope, scope)) {
			items = append(items, assignmentJSON(as))
		}
	}
	writeJSON(w, http.StatusOK, a.page(r, items))
}

// assignment serves GET, PUT and DELETE of one role assignment.
func (a *ARM) assignment(w http.ResponseWriter, r *http.Request, scope, name string) {
	scope = cleanScope(scope)
	switch r.Method {
	case http.MethodGet:
		if _, err := a.check(r, scope, "Microsoft.Authorization/roleAssignments/read"); err != nil {
			writeAuthError(w, err)
			return
		}
		if as, ok := a.findAssignment(scope, name); ok {
			writeJSON(w, http.StatusOK, assignmentJSON(as))
			return
		}
		sbx.WriteARMError(w, http.StatusNotFound, "RoleAssignmentNotFound", "The role assignment '"+name+"' is not found.")
	case http.MethodPut:
		a.createAssignment(w, r, scope, name)
	case http.MethodDelete:
		if _, err := a.check(r, scope, "Microsoft.Authorization/roleAssignments/delete"); err != nil {
			writeAuthError(w, err)
			return
		}
		as, ok := a.deleteAssignment(scope, name)
		if !ok {
			w.WriteHeader(http.StatusNoContent)
			return
		}
		writeJSON(w, http.StatusOK, assignmentJSON(as))
	default:
		methodNotAllowed(w, r)
	}
}

// createAssignment checks what ARM checks, in its order: permission to
// write, a GUID name, a body, a known role, an existing principal, no
// duplicate.
func (a *ARM) createAssignment(w http.ResponseWriter, r *http.Request, scope, name string) {
	c, err := a.check(r, scope, "Microsoft.Authorization/roleAssignments/write")
	if err != nil {
		writeAuthError(w, err)
		return
	}
	if !guidRE.MatchString(name) {
		sbx.WriteARMError(w, http.StatusBadRequest, "InvalidRoleAssignmentId", "The role assignment ID '"+name+"' is not valid. The role assignment ID must be a GUID.")
		return
	}
	b, ok := decodeAssignment(r)
	if !ok || b.Properties.PrincipalID == "" || b.Properties.RoleDefinitionID == "" {
		sbx.WriteARMError(w, http.StatusBadRequest, "InvalidRequestContent", "The request content was invalid and could not be deserialized: the role assignment needs properties.roleDefinitionId and properties.principalId.")
		return
	}
	p := b.Properties
	if _, ok := roleByID(p.RoleDefinitionID); !ok {
		sbx.WriteARMError(w, http.StatusBadRequest, "RoleDefinitionDoesNotExist", "The specified role definition with ID '"+roleGUID(p.RoleDefinitionID)+"' does not exist.")
		return
	}
	ptype, apiErr := a.principalType(scope, p.PrincipalID, p.PrincipalType)
	if apiErr != nil {
		writeAuthError(w, apiErr)
		return
	}
	as := Assignment{Name: strings.ToLower(name), Scope: scope, RoleDefinitionID: roleGUID(p.RoleDefinitionID),
		PrincipalID: p.PrincipalID, PrincipalType: ptype, CreatedOn: a.clock.Now(), CreatedBy: c.String("oid")}
	if apiErr := a.insertAssignment(as); apiErr != nil {
		writeAuthError(w, apiErr)
		return
	}
	writeJSON(w, http.StatusCreated, assignmentJSON(as))
}

// principalType looks the principal up in the subscription's tenant.
func (a *ARM) principalType(scope, id, claimed string) (string, *sbx.AuthError) {
	a.mu.Lock()
	dir, tenant := a.dir, a.tenantOfScopeLocked(scope)
	a.mu.Unlock()
	if dir == nil {
		if claimed == "" {
			claimed = "User"
		}
		return claimed, nil
	}
	t := dir.PrincipalType(tenant, id)
	switch {
	case t == "":
		return "", &sbx.AuthError{Status: 400, Code: "PrincipalNotFound", Message: "Principal " + strings.ReplaceAll(id, "-", "") + " does not exist in the directory " + tenant + ". Check that you have the correct principal ID. If you are creating this principal and then immediately assigning a role, this error might be related to a replication delay. In this case, set the role assignment principalType property to a value, such as ServicePrincipal, User, or Group.  See https://aka.ms/docs-principaltype"}
	case claimed != "" && !strings.EqualFold(claimed, t):
		return "", &sbx.AuthError{Status: 400, Code: "UnmatchedPrincipalType", Message: "The PrincipalType in the request '" + claimed + "' does not match the PrincipalType '" + t + "' of the principal with ID '" + id + "'."}
	}
	return t, nil
}

func (a *ARM) insertAssignment(as Assignment) *sbx.AuthError {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, x := range a.assignments {
		same := strings.EqualFold(x.PrincipalID, as.PrincipalID) && x.RoleDefinitionID == as.RoleDefinitionID && strings.EqualFold(x.Scope, as.Scope)
		if same {
			return &sbx.AuthError{Status: 409, Code: "RoleAssignmentExists", Message: "The role assignment already exists."}
		}
		if strings.EqualFold(x.Name, as.Name) {
			return &sbx.AuthError{Status: 400, Code: "RoleAssignmentUpdateNotPermitted", Message: "Tenant ID, application ID, principal ID, and scope are not allowed to be updated."}
		}
	}
	cp := as
	a.assignments = append(a.assignments, &cp)
	return nil
}

func (a *ARM) findAssignment(scope, name string) (Assignment, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for _, x := range a.assignments {
		if strings.EqualFold(x.Name, name) && strings.EqualFold(x.Scope, scope) {
			return *x, true
		}
	}
	return Assignment{}, false
}

func (a *ARM) deleteAssignment(scope, name string) (Assignment, bool) {
	a.mu.Lock()
	defer a.mu.Unlock()
	for i, x := range a.assignments {
		if strings.EqualFold(x.Name, name) && strings.EqualFold(x.Scope, scope) {
			a.assignments = append(a.assignments[:i], a.assignments[i+1:]...)
			return *x, true
		}
	}
	return Assignment{}, false
}
