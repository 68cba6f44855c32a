package web_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"

	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// An owner sets each subscription's access level on the Azure
// connection's page; the connection's settings (which every sync reads)
// change; a bad level changes nothing; others cannot reach the form.
func TestAzureAccessLevelsForm(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		owner := f.client("owner-a@example.com")
		id := f.createConn(owner, url.Values{"kind": {"azure"}, "name": {"Contoso Azure"}, "sync_hour": {"3"}, "enabled": {"on"},
			"settings": {`{"tenant_id":"t-1","subscriptions":{"sub-1":"read-write-tags","sub-2":"no-resources"}}`}})
		page := "/connections/" + id
		code, body := f.do(owner, "GET", page, nil)
		if code != 200 || !strings.Contains(body, `id="level-sub-2"`) || !strings.Contains(body, `value="no-resources" selected`) {
			t.Fatalf("connection page %d lacks the access form", code)
		}
		set := url.Values{"level-sub-1": {"read-tags-only"}, "level-sub-2": {"no-tags"}, "tag_write": {"on"}, "partner_id": {"1234567"}}
		if code, _ := f.do(owner, "POST", page+"/azure-access", set); code != http.StatusSeeOther && code != 200 {
			t.Fatalf("save: %d", code)
		}
		st := azureSettings(t, db, id)
		if st.Subscriptions["sub-1"] != "read-tags-only" || st.Subscriptions["sub-2"] != "no-tags" || !st.TagWrite || st.TenantID != "t-1" || st.PartnerID != "1234567" {
			t.Fatalf("settings after saving: %+v", st)
		}
		if code, _ := f.do(owner, "POST", page+"/azure-access", url.Values{"level-sub-1": {"no-tags"}, "level-sub-2": {"no-tags"}, "partner_id": {"12ab"}}); code != http.StatusBadRequest {
			t.Fatalf("a bad partner ID: %d, want 400", code)
		}
		set.Set("level-sub-1", "everything")
		if code, _ := f.do(owner, "POST", page+"/azure-access", set); code != http.StatusBadRequest {
			t.Fatalf("a bad level: %d, want 400", code)
		}
		if azureSettings(t, db, id).Subscriptions["sub-1"] != "read-tags-only" {
			t.Fatal("a bad level changed the settings")
		}
		for who, want := range map[string]int{"viewer-a@example.com": 403, "owner-b@example.com": 404} {
			if code, _ := f.do(f.client(who), "POST", page+"/azure-access", set); code != want {
				t.Errorf("%s: %d, want %d", who, code, want)
			}
		}
	})
}

func (f *fixture) createConn(c *http.Client, form url.Values) string {
	f.t.Helper()
	req, _ := http.NewRequest("POST", f.srv.URL+"/connections", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := c.Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	resp.Body.Close()
	m := connURL.FindStringSubmatch(resp.Header.Get("Location"))
	if m == nil {
		f.t.Fatalf("add connection: %d %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	return m[1]
}

func azureSettings(t *testing.T, db *store.DB, id string) azureconn.Settings {
	t.Helper()
	var raw []byte
	if err := db.R.QueryRowContext(context.Background(), `SELECT settings FROM connections WHERE id = '`+id+`'`).Scan(&raw); err != nil {
		t.Fatal(err)
	}
	var st azureconn.Settings
	if err := json.Unmarshal(raw, &st); err != nil {
		t.Fatal(err)
	}
	return st
}
