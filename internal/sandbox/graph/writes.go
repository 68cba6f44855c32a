package graph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
	"unicode"
)

// Write permissions (application roles), any one of which allows the
// endpoint, as Microsoft Graph v1.0 documents them.
var (
	permUserWrite    = []string{"User.ReadWrite.All", "Directory.ReadWrite.All"}
	permUserPassword = []string{"User-PasswordProfile.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}
	permLicenceWrite = []string{"LicenseAssignment.ReadWrite.All", "User.ReadWrite.All", "Directory.ReadWrite.All"}
	permMemberWrite  = []string{"GroupMember.ReadWrite.All", "Group.ReadWrite.All", "Directory.ReadWrite.All"}
	permMailbox      = []string{"MailboxSettings.ReadWrite"}
	permMailboxRead  = []string{"MailboxSettings.Read", "MailboxSettings.ReadWrite"}
	permExchange     = []string{"Exchange.ManageAsApp"}
)

// writeRoutes adds the directory write endpoints and the emulated
// Exchange Online admin surface to the API mux.
func (g *Graph) writeRoutes(mux *http.ServeMux) {
	mux.HandleFunc("POST /{ver}/users", g.need(g.createUser, permUserWrite...))
	mux.HandleFunc("PATCH /{ver}/users/{id}", g.need(g.patchUser, permUserPassword...))
	mux.HandleFunc("DELETE /{ver}/users/{id}", g.need(g.deleteUser, permUserWrite...))
	mux.HandleFunc("POST /{ver}/directory/deletedItems/{id}/restore", g.need(g.restoreUser, permUserWrite...))
	mux.HandleFunc("GET /{ver}/directory/deletedItems/microsoft.graph.user", g.need(g.serveDeletedUsers, permUsers...))
	mux.HandleFunc("POST /{ver}/users/{id}/revokeSignInSessions", g.need(g.revokeSessions, permUserWrite...))
	mux.HandleFunc("POST /{ver}/users/{id}/assignLicense", g.need(g.assignLicense, permLicenceWrite...))
	mux.HandleFunc("GET /{ver}/users/{id}/manager", g.need(g.serveManager, permUsers...))
	mux.HandleFunc("PUT /{ver}/users/{id}/manager/$ref", g.need(g.putManager, permUserWrite...))
	mux.HandleFunc("DELETE /{ver}/users/{id}/manager/$ref", g.need(g.deleteManager, permUserWrite...))
	mux.HandleFunc("POST /{ver}/groups/{id}/members/$ref", g.need(g.addMember, permMemberWrite...))
	mux.HandleFunc("DELETE /{ver}/groups/{id}/members/{uid}/$ref", g.need(g.removeMember, permMemberWrite...))
	mux.HandleFunc("GET /{ver}/users/{id}/mailboxSettings", g.need(g.serveMailboxSettings, permMailboxRead...))
	mux.HandleFunc("PATCH /{ver}/users/{id}/mailboxSettings", g.need(g.patchMailboxSettings, permMailbox...))
	mux.HandleFunc("POST /adminapi/beta/{tenant}/InvokeCommand", g.invokeCommand)
}

func (u *User) deleted() bool { return !u.DeletedDateTime.IsZero() }

func notFound(w http.ResponseWriter, r *http.Request, id string) {
	writeError(w, r, http.StatusNotFound, "Request_ResourceNotFound", "Resource '"+id+"' does not exist or one of its queried reference-property objects are not present.")
}

// liveUser finds a user that is not deleted by ID or UPN.
func (t *tenant) liveUser(key string) (*User, int) {
	i, ok := t.byKey[strings.ToLower(key)]
	if !ok || t.users[i].deleted() {
		return nil, -1
	}
	return &t.users[i], i
}

// decodeBody reads a JSON object body as Graph does, refusing malformed JSON.
func decodeBody(w http.ResponseWriter, r *http.Request, out any) bool {
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<20)).Decode(out); err != nil {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Unable to read JSON request payload. Please ensure Content-Type header is set and payload is of valid JSON format.")
		return false
	}
	return true
}

// writableUserProps are the string properties PATCH /users and POST /users accept.
var writableUserProps = map[string]func(*User, string){
	"displayName": func(u *User, v string) { u.DisplayName = v }, "givenName": func(u *User, v string) { u.GivenName = v },
	"surname": func(u *User, v string) { u.Surname = v }, "jobTitle": func(u *User, v string) { u.JobTitle = v },
	"companyName": func(u *User, v string) { u.CompanyName = v }, "department": func(u *User, v string) { u.Department = v },
	"officeLocation": func(u *User, v string) { u.OfficeLocation = v }, "streetAddress": func(u *User, v string) { u.StreetAddress = v },
	"city": func(u *User, v string) { u.City = v }, "state": func(u *User, v string) { u.State = v },
	"postalCode": func(u *User, v string) { u.PostalCode = v }, "country": func(u *User, v string) { u.Country = v },
	"usageLocation": func(u *User, v string) { u.UsageLocation = strings.ToUpper(v) }, "preferredLanguage": func(u *User, v string) { u.PreferredLanguage = v },
	"mail": func(u *User, v string) { u.Mail = v }, "mobilePhone": func(u *User, v string) {},
	"userPrincipalName": func(u *User, v string) { u.UserPrincipalName = v }, "mailNickname": func(u *User, v string) {},
	"userType": func(u *User, v string) { u.UserType = v },
}

var usageLocationRE = regexp.MustCompile(`^[A-Za-z]{2}$`)

// applyUser applies a PATCH/POST body to u. It returns the error to
// answer with, changing nothing when there is one.
func (g *Graph) applyUser(t *tenant, u *User, body map[string]json.RawMessage, self int) *apiError {
	next := *u
	next.OnPremisesExtensionAttributes = u.OnPremisesExtensionAttributes
	for k, raw := range body {
		if strings.HasPrefix(k, "@odata") {
			continue
		}
		switch name, _ := lookupProp(allUserWritable, k); name {
		case "accountEnabled":
			if json.Unmarshal(raw, &next.AccountEnabled) != nil {
				return badRequest("Request_BadRequest", "Invalid value specified for property 'accountEnabled' of resource 'User'.")
			}
		case "passwordProfile":
			var pp struct {
				Password                      *string `json:"password"`
				ForceChangePasswordNextSignIn bool    `json:"forceChangePasswordNextSignIn"`
			}
			if json.Unmarshal(raw, &pp) != nil || pp.Password == nil {
				return badRequest("Request_BadRequest", "Invalid value specified for property 'passwordProfile' of resource 'User'.")
			}
			if !complexPassword(*pp.Password) {
				return badRequest("Request_BadRequest", "The specified password does not comply with password complexity requirements. Please provide a different password.")
			}
			next.PasswordChangedAt, next.ForceChangePasswordNextSignIn = g.clock.Now(), pp.ForceChangePasswordNextSignIn
		case "onPremisesExtensionAttributes":
			var ext map[string]*string
			if json.Unmarshal(raw, &ext) != nil {
				return badRequest("Request_BadRequest", "Invalid value specified for property 'onPremisesExtensionAttributes' of resource 'User'.")
			}
			for ek, ev := range ext {
				var n int
				if _, err := fmt.Sscanf(strings.ToLower(ek), "extensionattribute%d", &n); err != nil || n < 1 || n > 15 {
					return badRequest("Request_BadRequest", "Invalid property '"+ek+"'.")
				}
				next.OnPremisesExtensionAttributes[n-1] = ""
				if ev != nil {
					next.OnPremisesExtensionAttributes[n-1] = *ev
				}
			}
		case "":
			if userProps[k] || lookupOK(userProps, k) {
				return badRequest("Request_BadRequest", "Property '"+k+"' is read-only and cannot be set.")
			}
			return badRequest("Request_BadRequest", "Invalid property '"+k+"'.")
		default:
			var v *string
			if json.Unmarshal(raw, &v) != nil {
				return badRequest("Request_BadRequest", "Invalid value specified for property '"+name+"' of resource 'User'.")
			}
			s := ""
			if v != nil {
				s = *v
			}
			if name == "usageLocation" && s != "" && !usageLocationRE.MatchString(s) {
				return badRequest("Request_BadRequest", "Invalid value specified for property 'usageLocation' of resource 'User'.")
			}
			if name == "displayName" && strings.TrimSpace(s) == "" {
				return badRequest("Request_BadRequest", "Invalid value specified for property 'displayName' of resource 'User'.")
			}
			if name == "userPrincipalName" {
				if j, ok := t.byKey[strings.ToLower(s)]; ok && j != self {
					return badRequest("Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.")
				}
				if !strings.Contains(s, "@") {
					return badRequest("Request_BadRequest", "Invalid value specified for property 'userPrincipalName' of resource 'User'.")
				}
			}
			writableUserProps[name](&next, s)
		}
	}
	if next.UserPrincipalName != u.UserPrincipalName && self >= 0 {
		delete(t.byKey, strings.ToLower(u.UserPrincipalName))
		t.byKey[strings.ToLower(next.UserPrincipalName)] = self
	}
	*u = next
	return nil
}

var allUserWritable = map[string]bool{"accountEnabled": true, "passwordProfile": true, "onPremisesExtensionAttributes": true}

func init() {
	for k := range writableUserProps {
		allUserWritable[k] = true
	}
}

func lookupOK(m map[string]bool, k string) bool { _, ok := lookupProp(m, k); return ok }

// complexPassword is Entra ID's rule: 8 to 256 characters, three of
// upper case, lower case, digits and symbols.
func complexPassword(p string) bool {
	if n := len([]rune(p)); n < 8 || n > 256 {
		return false
	}
	var up, lo, dg, sy int
	for _, c := range p {
		switch {
		case unicode.IsUpper(c):
			up = 1
		case unicode.IsLower(c):
			lo = 1
		case unicode.IsDigit(c):
			dg = 1
		default:
			sy = 1
		}
	}
	return up+lo+dg+sy >= 3
}

// createUser answers POST /users (201 with the user).
func (g *Graph) createUser(w http.ResponseWriter, r *http.Request, t *tenant) {
	var body map[string]json.RawMessage
	if !decodeBody(w, r, &body) {
		return
	}
	for _, req := range []string{"accountEnabled", "displayName", "mailNickname", "passwordProfile", "userPrincipalName"} {
		if _, ok := body[req]; !ok {
			badRequest("Request_BadRequest", "Property '"+req+"' is required when creating the resource.").write(w, r)
			return
		}
	}
	u := User{ID: uuidFrom(rng(g.seed, "graph-new-user", t.ID, fmt.Sprint(len(t.users)), g.clock.Now().String())),
		UserType: "Member", CreatedDateTime: g.clock.Now().UTC()}
	if e := g.applyUser(t, &u, body, -1); e != nil {
		e.write(w, r)
		return
	}
	if _, taken := t.byKey[strings.ToLower(u.UserPrincipalName)]; taken {
		badRequest("Request_BadRequest", "Another object with the same value for property userPrincipalName already exists.").write(w, r)
		return
	}
	if u.Mail == "" && !t.noEXO {
		u.Mail = u.UserPrincipalName
		u.ProxyAddresses = []string{"SMTP:" + u.UserPrincipalName}
	}
	t.users = append(t.users, u)
	t.byKey[strings.ToLower(u.ID)] = len(t.users) - 1
	t.byKey[strings.ToLower(u.UserPrincipalName)] = len(t.users) - 1
	m := project(userJSON(&u), defaultUserProps)
	m["@odata.context"] = baseURL(r) + "/" + r.PathValue("ver") + "/$metadata#users/$entity"
	writeJSON(w, http.StatusCreated, m)
}

// patchUser answers PATCH /users/{id} (204).
func (g *Graph) patchUser(w http.ResponseWriter, r *http.Request, t *tenant) {
	u, i := t.liveUser(r.PathValue("id"))
	if u == nil {
		notFound(w, r, r.PathValue("id"))
		return
	}
	var body map[string]json.RawMessage
	if !decodeBody(w, r, &body) {
		return
	}
	// Only a password reset needs no more than User-PasswordProfile.ReadWrite.All.
	if _, pw := body["passwordProfile"]; !pw || len(body) > 1 {
		if !hasAny(claimsOf(r), permUserWrite) {
			writeError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "Insufficient privileges to complete the operation.")
			return
		}
	}
	if e := g.applyUser(t, u, body, i); e != nil {
		e.write(w, r)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}

// deleteUser answers DELETE /users/{id} (204): the user moves to the
// deleted items for 30 days.
func (g *Graph) deleteUser(w http.ResponseWriter, r *http.Request, t *tenant) {
	u, _ := t.liveUser(r.PathValue("id"))
	if u == nil {
		notFound(w, r, r.PathValue("id"))
		return
	}
	u.DeletedDateTime = g.clock.Now().UTC()
	w.WriteHeader(http.StatusNoContent)
}

// restoreUser answers POST /directory/deletedItems/{id}/restore (200 with
// the restored user).
func (g *Graph) restoreUser(w http.ResponseWriter, r *http.Request, t *tenant) {
	i, ok := t.byKey[strings.ToLower(r.PathValue("id"))]
	if !ok || !t.users[i].deleted() || !strings.EqualFold(t.users[i].ID, r.PathValue("id")) {
		notFound(w, r, r.PathValue("id"))
		return
	}
	t.users[i].DeletedDateTime = time.Time{}
	m := project(userJSON(&t.users[i]), defaultUserProps)
	m["@odata.context"] = baseURL(r) + "/" + r.PathValue("ver") + "/$metadata#directoryObjects/$entity"
	m["@odata.type"] = "#microsoft.graph.user"
	writeJSON(w, http.StatusOK, m)
}

// serveDeletedUsers answers GET /directory/deletedItems/microsoft.graph.user.
func (g *Graph) serveDeletedUsers(w http.ResponseWriter, r *http.Request, t *tenant) {
	items := []map[string]any{}
	for i := range t.users {
		if t.users[i].deleted() {
			m := project(userJSON(&t.users[i]), defaultUserProps)
			m["deletedDateTime"] = t.users[i].DeletedDateTime.Format(time.RFC3339)
			items = append(items, m)
		}
	}
	writePage(w, r, "directoryObjects", items, 0, len(items)+1, -1)
}

// revokeSessions answers POST /users/{id}/revokeSignInSessions.
func (g *Graph) revokeSessions(w http.ResponseWriter, r *http.Request, t *tenant) {
	u, _ := t.liveUser(r.PathValue("id"))
	if u == nil {
		notFound(w, r, r.PathValue("id"))
		return
	}
	u.SignInSessionsValidFromDateTime = g.clock.Now().UTC()
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": baseURL(r) + "/" + r.PathValue("ver") + "/$metadata#Edm.Boolean", "value": true})
}

// assignLicense answers POST /users/{id}/assignLicense: licences to add
// (with their disabled plans) and SKU IDs to remove, all or nothing.
func (g *Graph) assignLicense(w http.ResponseWriter, r *http.Request, t *tenant) {
	u, _ := t.liveUser(r.PathValue("id"))
	if u == nil {
		notFound(w, r, r.PathValue("id"))
		return
	}
	var body struct {
		AddLicenses []struct {
			SkuID         string   `json:"skuId"`
			DisabledPlans []string `json:"disabledPlans"`
		} `json:"addLicenses"`
		RemoveLicenses []string `json:"removeLicenses"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.AddLicenses == nil || body.RemoveLicenses == nil {
		badRequest("Request_BadRequest", "Invalid value specified for property 'addLicenses' and 'removeLicenses': both are required (use [] for none).").write(w, r)
		return
	}
	sku := func(id string) int {
		return slices.IndexFunc(t.skus, func(s SKU) bool { return strings.EqualFold(s.SkuID, id) })
	}
	held := func(id string) int {
		return slices.IndexFunc(u.AssignedLicenses, func(l AssignedLicense) bool { return strings.EqualFold(l.SkuID, id) })
	}
	if len(body.AddLicenses) > 0 && u.UsageLocation == "" {
		badRequest("Request_BadRequest", "License assignment cannot be done for user with invalid usage location.").write(w, r)
		return
	}
	lic := append([]AssignedLicense(nil), u.AssignedLicenses...)
	consumed := map[int]int{}
	for _, id := range body.RemoveLicenses {
		k := sku(id)
		if k < 0 {
			badRequest("Request_BadRequest", "License "+id+" does not correspond to a valid company License.").write(w, r)
			return
		}
		if j := held(id); j < 0 {
			badRequest("Request_BadRequest", "User does not have a corresponding license.").write(w, r)
			return
		}
		lic = slices.DeleteFunc(lic, func(l AssignedLicense) bool { return strings.EqualFold(l.SkuID, id) })
		consumed[k]--
	}
	for _, a := range body.AddLicenses {
		k := sku(a.SkuID)
		if k < 0 {
			badRequest("Request_BadRequest", "License "+a.SkuID+" does not correspond to a valid company License.").write(w, r)
			return
		}
		for _, p := range a.DisabledPlans {
			if !slices.ContainsFunc(t.skus[k].ServicePlans, func(sp ServicePlan) bool { return strings.EqualFold(sp.ID, p) }) {
				badRequest("Request_BadRequest", "Service plan "+p+" is not part of license "+t.skus[k].SkuID+".").write(w, r)
				return
			}
		}
		dp := append([]string{}, a.DisabledPlans...)
		if j := slices.IndexFunc(lic, func(l AssignedLicense) bool { return strings.EqualFold(l.SkuID, a.SkuID) }); j >= 0 {
			lic[j].DisabledPlans = dp // changing the plans of a held licence uses no unit
			continue
		}
		if t.skus[k].Consumed+consumed[k]+1 > t.skus[k].Enabled {
			badRequest("Request_BadRequest", "Subscription for "+t.skus[k].SkuPartNumber+" ("+t.skus[k].SkuID+") does not have any available licenses.").write(w, r)
			return
		}
		lic = append(lic, AssignedLicense{SkuID: t.skus[k].SkuID, DisabledPlans: dp})
		consumed[k]++
	}
	for k, n := range consumed {
		t.skus[k].Consumed += n
	}
	u.AssignedLicenses = lic
	m := project(userJSON(u), defaultUserProps)
	m["@odata.context"] = baseURL(r) + "/" + r.PathValue("ver") + "/$metadata#users/$entity"
	writeJSON(w, http.StatusOK, m)
}

// refID reads {"@odata.id": ".../users/{id}" or ".../directoryObjects/{id}"}.
func refID(w http.ResponseWriter, r *http.Request) (string, bool) {
	var body struct {
		ID string `json:"@odata.id"`
	}
	if !decodeBody(w, r, &body) {
		return "", false
	}
	i := strings.LastIndex(body.ID, "/")
	if body.ID == "" || i < 0 || i == len(body.ID)-1 {
		badRequest("Request_BadRequest", "Invalid object identifier '"+body.ID+"'.").write(w, r)
		return "", false
	}
	return body.ID[i+1:], true
}

func (g *Graph) serveManager(w http.ResponseWriter, r *http.Request, t *tenant) {
	u, _ := t.liveUser(r.PathValue("id"))
	if u == nil {
		notFound(w, r, r.PathValue("id"))
		return
	}
	m, _ := t.liveUser(u.ManagerID)
	if m == nil {
		notFound(w, r, "manager")
		return
	}
	out := project(userJSON(m), defaultUserProps)
	out["@odata.type"] = "#microsoft.graph.user"
	writeJSON(w, http.StatusOK, out)
}

// putManager answers PUT /users/{id}/manager/$ref (204).
func (g *Graph) putManager(w http.ResponseWriter, r *http.Request, t *tenant) {
	u, _ := t.liveUser(r.PathValue("id"))
	if u == nil {
		notFound(w, r, r.PathValue("id"))
		return
	}
	id, ok := refID(w, r)
	if !ok {
		return
	}
	m, _ := t.liveUser(id)
	if m == nil {
		notFound(w, r, id)
		return
	}
	if m.ID == u.ID {
		badRequest("Request_BadRequest", "A user cannot be their own manager.").write(w, r)
		return
	}
	u.ManagerID = m.ID
	w.WriteHeader(http.StatusNoContent)
}

// deleteManager answers DELETE /users/{id}/manager/$ref (204).
func (g *Graph) deleteManager(w http.ResponseWriter, r *http.Request, t *tenant) {
	u, _ := t.liveUser(r.PathValue("id"))
	if u == nil || u.ManagerID == "" {
		notFound(w, r, r.PathValue("id"))
		return
	}
	u.ManagerID = ""
	w.WriteHeader(http.StatusNoContent)
}

func (t *tenant) group(id string) *group {
	for i := range t.groups {
		if strings.EqualFold(t.groups[i].ID, id) {
			return &t.groups[i]
		}
	}
	return nil
}

// addMember answers POST /groups/{id}/members/$ref (204).
func (g *Graph) addMember(w http.ResponseWriter, r *http.Request, t *tenant) {
	grp := t.group(r.PathValue("id"))
	if grp == nil {
		notFound(w, r, r.PathValue("id"))
		return
	}
	id, ok := refID(w, r)
	if !ok {
		return
	}
	u, i := t.liveUser(id)
	if u == nil {
		notFound(w, r, id)
		return
	}
	if slices.Contains(grp.Members, i) {
		badRequest("Request_BadRequest", "One or more added object references already exist for the following modified properties: 'members'.").write(w, r)
		return
	}
	grp.Members = append(grp.Members, i)
	w.WriteHeader(http.StatusNoContent)
}

// removeMember answers DELETE /groups/{id}/members/{uid}/$ref (204).
func (g *Graph) removeMember(w http.ResponseWriter, r *http.Request, t *tenant) {
	grp := t.group(r.PathValue("id"))
	if grp == nil {
		notFound(w, r, r.PathValue("id"))
		return
	}
	_, i := t.liveUser(r.PathValue("uid"))
	if i < 0 || !slices.Contains(grp.Members, i) {
		notFound(w, r, r.PathValue("uid"))
		return
	}
	grp.Members = slices.DeleteFunc(grp.Members, func(x int) bool { return x == i })
	w.WriteHeader(http.StatusNoContent)
}

// mailboxUser is the user whose mailbox a request names, or an answer
// saying why there is none (no Exchange Online, no mail).
func (g *Graph) mailboxUser(w http.ResponseWriter, r *http.Request, t *tenant) *User {
	u, _ := t.liveUser(r.PathValue("id"))
	if u == nil {
		notFound(w, r, r.PathValue("id"))
		return nil
	}
	if t.noEXO || u.Mail == "" || u.UserType != "Member" {
		writeError(w, r, http.StatusNotFound, "MailboxNotEnabledForRESTAPI", "The mailbox is either inactive, soft-deleted, or is hosted on-premise.")
		return nil
	}
	return u
}

func autoReplyJSON(u *User) map[string]any {
	if u.AutoReply == nil {
		return map[string]any{"status": "disabled", "externalAudience": "all", "internalReplyMessage": "", "externalReplyMessage": "",
			"scheduledStartDateTime": nil, "scheduledEndDateTime": nil}
	}
	return u.AutoReply
}

func (g *Graph) serveMailboxSettings(w http.ResponseWriter, r *http.Request, t *tenant) {
	u := g.mailboxUser(w, r, t)
	if u == nil {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": baseURL(r) + "/v1.0/$metadata#users('" + u.ID + "')/mailboxSettings",
		"automaticRepliesSetting": autoReplyJSON(u), "timeZone": "UTC", "language": map[string]any{"locale": u.PreferredLanguage}})
}

// patchMailboxSettings answers PATCH /users/{id}/mailboxSettings; only
// automaticRepliesSetting is emulated.
func (g *Graph) patchMailboxSettings(w http.ResponseWriter, r *http.Request, t *tenant) {
	u := g.mailboxUser(w, r, t)
	if u == nil {
		return
	}
	var body struct {
		Auto *struct {
			Status           string         `json:"status"`
			ExternalAudience string         `json:"externalAudience"`
			Internal         string         `json:"internalReplyMessage"`
			External         string         `json:"externalReplyMessage"`
			ScheduledStart   map[string]any `json:"scheduledStartDateTime"`
			ScheduledEnd     map[string]any `json:"scheduledEndDateTime"`
		} `json:"automaticRepliesSetting"`
	}
	if !decodeBody(w, r, &body) {
		return
	}
	if body.Auto == nil {
		badRequest("ErrorInvalidRequest", "The sandbox emulates automaticRepliesSetting only.").write(w, r)
		return
	}
	a := body.Auto
	if !slices.Contains([]string{"disabled", "alwaysEnabled", "scheduled"}, a.Status) {
		badRequest("ErrorInvalidRequest", "Requested value '"+a.Status+"' was not found for automaticRepliesSetting.status.").write(w, r)
		return
	}
	if a.ExternalAudience == "" {
		a.ExternalAudience = "all"
	}
	if !slices.Contains([]string{"none", "contactsOnly", "all"}, a.ExternalAudience) {
		badRequest("ErrorInvalidRequest", "Requested value '"+a.ExternalAudience+"' was not found for automaticRepliesSetting.externalAudience.").write(w, r)
		return
	}
	if a.Status == "scheduled" && (a.ScheduledStart == nil || a.ScheduledEnd == nil) {
		badRequest("ErrorInvalidScheduledOofDuration", "A scheduled automatic reply needs scheduledStartDateTime and scheduledEndDateTime.").write(w, r)
		return
	}
	u.AutoReply = map[string]any{"status": a.Status, "externalAudience": a.ExternalAudience, "internalReplyMessage": a.Internal,
		"externalReplyMessage": a.External, "scheduledStartDateTime": a.ScheduledStart, "scheduledEndDateTime": a.ScheduledEnd}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": baseURL(r) + "/v1.0/$metadata#users('" + u.ID + "')/mailboxSettings",
		"automaticRepliesSetting": u.AutoReply})
}

// invokeCommand emulates Exchange Online's admin API (the REST surface of
// the EXO V3 PowerShell module): POST /adminapi/beta/{tenant}/InvokeCommand
// with {"CmdletInput":{"CmdletName","Parameters"}}; Get-Mailbox and
// Set-Mailbox with EmailAddresses (aliases: proxyAddresses, "SMTP:" is the
// primary), ForwardingSmtpAddress and DeliverToMailboxAndForward;
// Get-Mailbox -RecipientTypeDetails and Get-MailboxStatistics list every
// mailbox in pages (mailboxstats.go), the latter only for a signed-in
// user with an Exchange or Global Reader role.
func (g *Graph) invokeCommand(w http.ResponseWriter, r *http.Request) {
	c := claimsOf(r)
	t := g.tenant(c.String("tid"))
	if t == nil || !strings.EqualFold(r.PathValue("tenant"), t.ID) && !strings.EqualFold(r.PathValue("tenant"), t.Domain) {
		writeError(w, r, http.StatusUnauthorized, "InvalidAuthenticationToken", "The token's tenant does not match the tenant in the URL.")
		return
	}
	var in struct {
		CmdletInput struct {
			CmdletName string                     `json:"CmdletName"`
			Parameters map[string]json.RawMessage `json:"Parameters"`
		} `json:"CmdletInput"`
	}
	if !decodeBody(w, r, &in) {
		return
	}
	name := in.CmdletInput.CmdletName
	_, listing := in.CmdletInput.Parameters["RecipientTypeDetails"]
	userCtx := userContextCmdlets[name]
	if !userCtx && !hasAny(c, permExchange) && !(name == "Get-Mailbox" && listing && c.String("idtyp") == "user") {
		writeError(w, r, http.StatusForbidden, "Authorization_RequestDenied", "The role assigned to application isn't supported in this scenario (Exchange.ManageAsApp is required).")
		return
	}
	if t.noEXO {
		writeError(w, r, http.StatusBadRequest, "ExchangeOnlineNotProvisioned", "Exchange Online is not provisioned for tenant "+t.Domain+": it has no Exchange Online subscription.")
		return
	}
	if userCtx || name == "Get-Mailbox" && listing {
		g.userContext(w, r, c, t, name, in.CmdletInput.Parameters)
		return
	}
	var identity string
	_ = json.Unmarshal(in.CmdletInput.Parameters["Identity"], &identity)
	u, _ := t.liveUser(identity)
	if u == nil || u.Mail == "" || u.UserType != "Member" {
		badRequest("ManagementObjectNotFoundException", "The operation couldn't be performed because object '"+identity+"' couldn't be found on '"+t.Domain+"'.").write(w, r)
		return
	}
	switch in.CmdletInput.CmdletName {
	case "Get-Mailbox":
	case "Set-Mailbox":
		next := *u
		for k, raw := range in.CmdletInput.Parameters {
			switch k {
			case "Identity":
			case "EmailAddresses":
				var ea struct {
					Add    []string `json:"add"`
					Remove []string `json:"remove"`
				}
				if json.Unmarshal(raw, &ea) != nil {
					badRequest("ParameterBindingException", "Cannot process argument transformation on parameter 'EmailAddresses'.").write(w, r)
					return
				}
				addrs := append([]string(nil), u.ProxyAddresses...)
				if len(addrs) == 0 {
					addrs = []string{"SMTP:" + u.Mail}
				}
				for _, a := range ea.Remove {
					addrs = slices.DeleteFunc(addrs, func(x string) bool { return strings.EqualFold(x, a) || strings.EqualFold(x, "smtp:"+a) })
				}
				for _, a := range ea.Add {
					if !strings.Contains(a, "@") {
						badRequest("ProxyAddressInvalid", "The proxy address \""+a+"\" is invalid.").write(w, r)
						return
					}
					if !strings.Contains(a, ":") {
						a = "smtp:" + a
					}
					if g.addressTaken(t, a, u.ID) {
						badRequest("ProxyAddressExists", "The proxy address \""+a+"\" is already being used by another recipient.").write(w, r)
						return
					}
					if !slices.ContainsFunc(addrs, func(x string) bool { return strings.EqualFold(x, a) }) {
						addrs = append(addrs, a)
					}
				}
				if !slices.ContainsFunc(addrs, func(x string) bool { return strings.HasPrefix(x, "SMTP:") }) {
					badRequest("ProxyAddressInvalid", "The primary SMTP address cannot be removed.").write(w, r)
					return
				}
				next.ProxyAddresses = addrs
			case "ForwardingSmtpAddress":
				var s *string
				if json.Unmarshal(raw, &s) != nil || s != nil && *s != "" && !strings.Contains(*s, "@") {
					badRequest("ParameterBindingException", "Cannot process argument transformation on parameter 'ForwardingSmtpAddress'.").write(w, r)
					return
				}
				next.ForwardingSMTPAddress = ""
				if s != nil {
					next.ForwardingSMTPAddress = strings.TrimPrefix(strings.TrimPrefix(*s, "smtp:"), "SMTP:")
				}
			case "DeliverToMailboxAndForward":
				if json.Unmarshal(raw, &next.DeliverToMailboxAndForward) != nil {
					badRequest("ParameterBindingException", "Cannot process argument transformation on parameter 'DeliverToMailboxAndForward'.").write(w, r)
					return
				}
			default:
				badRequest("ParameterBindingException", "A parameter cannot be found that matches parameter name '"+k+"'.").write(w, r)
				return
			}
		}
		*u = next
	default:
		badRequest("CommandNotFoundException", "The term '"+in.CmdletInput.CmdletName+"' is not recognized as a cmdlet the sandbox emulates (Get-Mailbox, Set-Mailbox, Get-MailboxStatistics).").write(w, r)
		return
	}
	fwd := any(nil)
	if u.ForwardingSMTPAddress != "" {
		fwd = "smtp:" + u.ForwardingSMTPAddress
	}
	addrs := u.ProxyAddresses
	if len(addrs) == 0 {
		addrs = []string{"SMTP:" + u.Mail}
	}
	writeJSON(w, http.StatusOK, map[string]any{"@odata.context": baseURL(r) + "/adminapi/beta/" + t.ID + "/$metadata#Collection(Exchange.GenericHashTable)",
		"value": []map[string]any{{"Identity": u.UserPrincipalName, "ExternalDirectoryObjectId": u.ID, "PrimarySmtpAddress": u.Mail,
			"EmailAddresses": addrs, "ForwardingSmtpAddress": fwd, "DeliverToMailboxAndForward": u.DeliverToMailboxAndForward}}})
}

func (g *Graph) addressTaken(t *tenant, addr, self string) bool {
	bare := strings.ToLower(addr[strings.Index(addr, ":")+1:])
	for i := range t.users {
		u := &t.users[i]
		if u.ID == self {
			continue
		}
		if strings.EqualFold(u.Mail, bare) || slices.ContainsFunc(u.ProxyAddresses, func(x string) bool {
			return strings.EqualFold(x[strings.Index(x, ":")+1:], bare)
		}) {
			return true
		}
	}
	return false
}
