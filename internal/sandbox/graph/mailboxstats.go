package graph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// exoReaderRoles are the directory roles (template IDs, the wids claim of
// a delegated token) that may read every mailbox's statistics: Global
// Administrator, Global Reader, Exchange Administrator.
var exoReaderRoles = []string{"62e90394-69f5-4237-9190-012177145e10", "f2ef992c-3afb-46b9-b7cf-a126ee74c451",
	"29232cdf-9323-42fd-ade2-1d097af3e4de"}

// userContextCmdlets are the cmdlets the sandbox answers only for a
// signed-in user (a delegated token), as the tenant's Exchange Online
// here does not grant them to the app-only (Exchange.ManageAsApp) role.
var userContextCmdlets = map[string]bool{"Get-MailboxStatistics": true, "Get-EXOMailboxStatistics": true}

// exoPageSize is how many objects one InvokeCommand answer holds; more
// follow through @odata.nextLink.
const exoPageSize = 25

// recipientType is a mailbox's RecipientTypeDetails, deterministic from
// the seed: disabled member accounts hold shared mailboxes (as shared
// mailboxes are user objects that cannot sign in), a third of them room
// mailboxes; enabled members hold user mailboxes. Guests have none.
func recipientType(seed int64, t *tenant, u *User) string {
	switch {
	case u.UserType != "Member" || u.Mail == "" || u.deleted():
		return ""
	case u.AccountEnabled:
		return "UserMailbox"
	case rng(seed, "mailbox-type", t.ID, u.ID).IntN(3) == 0:
		return "RoomMailbox"
	}
	return "SharedMailbox"
}

// mailboxStats is Get-MailboxStatistics' answer for one mailbox.
func (g *Graph) mailboxStats(t *tenant, u *User, kind string) map[string]any {
	r := rng(g.seed, "mailbox-stats", t.ID, u.ID)
	items := 200 + r.IntN(60000)
	size := int64(items) * int64(20_000+r.IntN(80_000))
	if kind == "RoomMailbox" {
		items, size = 20+r.IntN(400), int64(1+r.IntN(40))<<20
	}
	var logon any
	switch {
	case kind == "UserMailbox" && !u.LastSignIn.IsZero():
		logon = u.LastSignIn.Format(time.RFC3339)
	case kind != "UserMailbox" && r.IntN(3) != 0:
		logon = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.IntN(300*24)) * time.Hour).Format(time.RFC3339)
	}
	archive, archiveSize := "None", int64(0)
	if kind != "RoomMailbox" && r.IntN(4) == 0 {
		archive, archiveSize = "Active", int64(r.IntN(20_000))<<20
	}
	return map[string]any{"DisplayName": u.DisplayName, "Identity": u.UserPrincipalName, "UserPrincipalName": u.UserPrincipalName,
		"ExternalDirectoryObjectId": u.ID, "PrimarySmtpAddress": u.Mail, "RecipientTypeDetails": kind,
		"TotalItemSize": exoSize(size), "ItemCount": items, "ArchiveStatus": archive, "ArchiveTotalItemSize": exoSize(archiveSize),
		"LastLogonTime": logon}
}

// exoSize is Exchange's ByteQuantifiedSize as the REST API serialises it:
// "1.234 GB (1,325,000,000 bytes)".
func exoSize(b int64) string {
	human := fmt.Sprintf("%d B", b)
	switch {
	case b >= 1<<30:
		human = fmt.Sprintf("%.3g GB", float64(b)/(1<<30))
	case b >= 1<<20:
		human = fmt.Sprintf("%.3g MB", float64(b)/(1<<20))
	case b >= 1<<10:
		human = fmt.Sprintf("%.3g KB", float64(b)/(1<<10))
	}
	digits := strconv.FormatInt(b, 10)
	var grouped []byte
	for i := range digits {
		if i > 0 && (len(digits)-i)%3 == 0 {
			grouped = append(grouped, ',')
		}
		grouped = append(grouped, digits[i])
	}
	return human + " (" + string(grouped) + " bytes)"
}

// userContext answers the cmdlets that need a signed-in user
// (Get-MailboxStatistics) and Get-Mailbox -RecipientTypeDetails, listing
// every mailbox in pages of exoPageSize. An app-only token is refused as
// Exchange Online refuses a cmdlet outside the app's role; a user without
// an Exchange or Global Reader role is refused too.
func (g *Graph) userContext(w http.ResponseWriter, r *http.Request, c sbx.Claims, t *tenant, cmdlet string, params map[string]json.RawMessage) {
	if userContextCmdlets[cmdlet] {
		if c.String("idtyp") == "app" || c.String("upn") == "" {
			writeError(w, r, http.StatusForbidden, "Forbidden", "The term '"+cmdlet+"' is not available to app-only authentication "+
				"(the Exchange.ManageAsApp role of this tenant does not include it): connect with a user account holding the "+
				"Exchange Administrator or Global Reader role.")
			return
		}
		if !slices.ContainsFunc(c.Strings("wids"), func(w string) bool { return slices.Contains(exoReaderRoles, w) }) {
			writeError(w, r, http.StatusForbidden, "Forbidden", "The user "+c.String("upn")+" isn't assigned to any management roles "+
				"that allow '"+cmdlet+"': assign the Exchange Administrator or Global Reader role.")
			return
		}
	}
	var want []string
	if raw, ok := params["RecipientTypeDetails"]; ok {
		var one string
		if json.Unmarshal(raw, &want) != nil {
			if json.Unmarshal(raw, &one) != nil {
				badRequest("ParameterBindingException", "Cannot process argument transformation on parameter 'RecipientTypeDetails'.").write(w, r)
				return
			}
			want = strings.Split(one, ",")
		}
		for _, k := range want {
			if k != "UserMailbox" && k != "SharedMailbox" && k != "RoomMailbox" {
				badRequest("ParameterBindingException", "Cannot bind parameter 'RecipientTypeDetails': '"+k+"' is not a recipient type.").write(w, r)
				return
			}
		}
	}
	var identity string
	_ = json.Unmarshal(params["Identity"], &identity)
	skip, _ := strconv.Atoi(r.URL.Query().Get("$skiptoken"))
	g.mu.Lock()
	var all []map[string]any
	for i := range t.users {
		u := &t.users[i]
		kind := recipientType(g.seed, t, u)
		if kind == "" || len(want) > 0 && !slices.Contains(want, kind) ||
			identity != "" && !strings.EqualFold(identity, u.UserPrincipalName) && !strings.EqualFold(identity, u.ID) {
			continue
		}
		if cmdlet == "Get-Mailbox" {
			all = append(all, map[string]any{"DisplayName": u.DisplayName, "Identity": u.UserPrincipalName, "UserPrincipalName": u.UserPrincipalName,
				"ExternalDirectoryObjectId": u.ID, "PrimarySmtpAddress": u.Mail, "RecipientTypeDetails": kind})
		} else {
			all = append(all, g.mailboxStats(t, u, kind))
		}
	}
	g.mu.Unlock()
	if identity != "" && len(all) == 0 {
		badRequest("ManagementObjectNotFoundException", "The operation couldn't be performed because object '"+identity+"' couldn't be found on '"+t.Domain+"'.").write(w, r)
		return
	}
	skip = min(max(skip, 0), len(all))
	end := min(skip+exoPageSize, len(all))
	out := map[string]any{"@odata.context": baseURL(r) + "/adminapi/beta/" + t.ID + "/$metadata#Collection(Exchange.GenericHashTable)",
		"value": all[skip:end]}
	if end < len(all) {
		out["@odata.nextLink"] = baseURL(r) + "/adminapi/beta/" + t.ID + "/InvokeCommand?$skiptoken=" + strconv.Itoa(end)
	}
	writeJSON(w, http.StatusOK, out)
}
