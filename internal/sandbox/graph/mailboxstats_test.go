package graph

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

func TestMailboxStatisticsNeedsUserContext(t *testing.T) {
	e := newEnv(t, 120)
	body := []byte(`{"CmdletInput":{"CmdletName":"Get-MailboxStatistics","Parameters":{}}}`)
	path := "/adminapi/beta/" + testTenant + "/InvokeCommand"

	// App-only: refused even with Exchange.ManageAsApp.
	app := e.token(sbx.Claims{"roles": []string{"Exchange.ManageAsApp"}})
	st, _, b := e.do(http.MethodPost, path, app, body, "Content-Type", "application/json")
	if st != http.StatusForbidden || !strings.Contains(string(b), "app-only") {
		t.Fatalf("app-only: %d %s", st, b)
	}
	// A user without an Exchange or reader role: refused.
	plain := e.token(sbx.Claims{"idtyp": "user", "upn": "svc@contoso.example", "roles": nil, "scp": "User.Read"})
	st, _, b = e.do(http.MethodPost, path, plain, body, "Content-Type", "application/json")
	if st != http.StatusForbidden || !strings.Contains(string(b), "management roles") {
		t.Fatalf("user without role: %d %s", st, b)
	}
	// A Global Reader: every mailbox, in pages.
	reader := e.token(sbx.Claims{"idtyp": "user", "upn": "svc@contoso.example", "roles": nil, "scp": "User.Read",
		"wids": []string{"f2ef992c-3afb-46b9-b7cf-a126ee74c451"}})
	kinds := map[string]int{}
	ids := map[string]bool{}
	next, pages := e.url+path, 0
	for next != "" {
		st, _, b = e.do(http.MethodPost, next, reader, body, "Content-Type", "application/json")
		if st != http.StatusOK {
			t.Fatalf("reader: %d %s", st, b)
		}
		var out struct {
			Value []map[string]any `json:"value"`
			Next  string           `json:"@odata.nextLink"`
		}
		if err := json.Unmarshal(b, &out); err != nil {
			t.Fatal(err)
		}
		for _, m := range out.Value {
			kinds[m["RecipientTypeDetails"].(string)]++
			id := m["ExternalDirectoryObjectId"].(string)
			if ids[id] {
				t.Fatalf("mailbox %s twice", id)
			}
			ids[id] = true
			if !strings.HasSuffix(m["TotalItemSize"].(string), " bytes)") {
				t.Fatalf("TotalItemSize %v", m["TotalItemSize"])
			}
		}
		next, pages = out.Next, pages+1
	}
	members := 0
	for _, u := range e.g.tenants[testTenant].users {
		if u.UserType == "Member" {
			members++
		}
	}
	if len(ids) != members || pages < 2 || kinds["UserMailbox"] == 0 || kinds["SharedMailbox"]+kinds["RoomMailbox"] == 0 {
		t.Fatalf("mailboxes %d of %d members in %d pages, kinds %v", len(ids), members, pages, kinds)
	}
	// Get-Mailbox -RecipientTypeDetails SharedMailbox lists only shared ones.
	st, _, b = e.do(http.MethodPost, path, reader, []byte(`{"CmdletInput":{"CmdletName":"Get-Mailbox","Parameters":{"RecipientTypeDetails":"SharedMailbox"}}}`),
		"Content-Type", "application/json")
	var shared struct {
		Value []map[string]any `json:"value"`
	}
	if st != http.StatusOK || json.Unmarshal(b, &shared) != nil || len(shared.Value) != min(kinds["SharedMailbox"], exoPageSize) {
		t.Fatalf("shared: %d %s (want %d)", st, b, kinds["SharedMailbox"])
	}
	for _, m := range shared.Value {
		if m["RecipientTypeDetails"] != "SharedMailbox" {
			t.Fatalf("not shared: %v", m)
		}
	}
}
