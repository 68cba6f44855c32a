package api_test

import (
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

type connectionJSON struct {
	ID         string         `json:"id"`
	Kind       string         `json:"kind"`
	Name       string         `json:"name"`
	Settings   map[string]any `json:"settings"`
	HasSecret  bool           `json:"has_secret"`
	SyncHour   int            `json:"sync_hour"`
	Status     string         `json:"status"`
	ActiveSync *syncJSON      `json:"active_sync"`
}

type syncJSON struct {
	ID      string `json:"id"`
	Trigger string `json:"trigger"`
	State   string `json:"state"`
}

type checkJSON struct {
	Feature string `json:"feature"`
	Granted bool   `json:"granted"`
	Fix     string `json:"fix"`
	FixURL  string `json:"fix_url"`
}

// An administrator connects an account, edits it without re-entering the
// secret, syncs, reads the history and runs the doctor; a FinOps analyst
// reads all of it but changes nothing; no response holds the secret (the
// fixture checks every response against it).
func TestConnectionsThroughTheAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		tok := f.a.ownerToken
		finops := f.member(f.a.org, "finops@alpha.test", auth.RoleFinOps)
		finopsTok, _ := f.insertToken(finops.ID, f.a.org.ID, nil)
		body := `{"kind":"aws","name":"Prod AWS","settings":{"account_id":"111122223333"},"secret":"test-secret-value","sync_hour":6}`
		f.do("POST", "/api/v1/connections", finopsTok, body).wantError(t, "finops creates", 403, domain.CodeForbidden)
		f.do("POST", "/api/v1/connections", tok, `{"kind":"gcp","name":"x"}`).wantError(t, "unknown kind", 400, domain.CodeInvalid)
		f.do("POST", "/api/v1/connections", tok, `{"kind":"aws","name":"x","password":"y"}`).wantError(t, "unknown field", 400, domain.CodeInvalid)
		res := f.do("POST", "/api/v1/connections", tok, body)
		res.wantStatus(t, "create", 201)
		var c connectionJSON
		res.decode(t, &c)
		if !strings.HasPrefix(c.ID, "con_") || !c.HasSecret || c.SyncHour != 6 || c.Status != "new" || c.Settings["account_id"] != "111122223333" {
			t.Fatalf("created %+v", c)
		}
		f.do("POST", "/api/v1/connections", tok, body).wantError(t, "same name", 400, domain.CodeInvalid)
		path := "/api/v1/connections/" + c.ID
		res = f.do("PATCH", path, tok, `{"name":"Production AWS","secret":""}`)
		res.wantStatus(t, "rename", 200)
		res.decode(t, &c)
		if c.Name != "Production AWS" || !c.HasSecret {
			t.Fatalf("after rename %+v", c)
		}
		f.do("PATCH", path, tok, `{"kind":"azure"}`).wantError(t, "change kind", 400, domain.CodeInvalid)
		f.do("PATCH", path, finopsTok, `{"name":"x"}`).wantError(t, "finops renames", 403, domain.CodeForbidden)
		f.do("POST", path+"/sync", finopsTok, nil).wantError(t, "finops syncs", 403, domain.CodeForbidden)
		res = f.do("POST", path+"/sync", tok, nil)
		res.wantStatus(t, "sync now", 202)
		var y syncJSON
		res.decode(t, &y)
		if y.State != "queued" || y.Trigger != "manual" {
			t.Fatalf("sync %+v", y)
		}
		f.do("POST", path+"/sync", tok, nil).wantError(t, "second sync", 409, domain.CodeConflict)
		var syncs listJSON[syncJSON]
		f.do("GET", path+"/syncs", finopsTok, nil).decode(t, &syncs)
		if len(syncs.Items) != 1 || syncs.Items[0].ID != y.ID {
			t.Fatalf("history %+v", syncs)
		}
		f.do("GET", path+"/syncs/"+y.ID, finopsTok, nil).wantStatus(t, "get sync", 200)
		f.do("GET", path, finopsTok, nil).decode(t, &c)
		if c.ActiveSync == nil || c.ActiveSync.ID != y.ID {
			t.Fatalf("active sync missing: %+v", c)
		}
		var checks listJSON[checkJSON]
		f.do("GET", path+"/doctor", finopsTok, nil).decode(t, &checks)
		if len(checks.Items) != 0 {
			t.Fatalf("doctor before a run: %+v", checks)
		}
		f.do("POST", path+"/doctor", finopsTok, nil).wantError(t, "finops runs the doctor", 403, domain.CodeForbidden)
		f.do("POST", path+"/doctor", tok, nil).wantStatus(t, "run doctor", 200)
		f.do("GET", path+"/doctor", finopsTok, nil).decode(t, &checks)
		if len(checks.Items) != 2 || !checks.Items[0].Granted || checks.Items[1].FixURL != "/help/aws-support-plan" {
			t.Fatalf("doctor %+v", checks)
		}
		f.do("DELETE", path, finopsTok, nil).wantError(t, "finops deletes", 403, domain.CodeForbidden)
		f.do("DELETE", path, tok, nil).wantStatus(t, "delete", 204)
		f.do("GET", path, tok, nil).wantError(t, "deleted", 404, domain.CodeNotFound)
		f.do("GET", "/api/v1/connections", f.a.viewerToken, nil).wantError(t, "viewer lists", 403, domain.CodeForbidden)
	})
}
