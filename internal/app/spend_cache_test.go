package app

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/billing"
	"github.com/canopyhq/canopy/internal/billing/focusgen"
	"github.com/canopyhq/canopy/internal/costs"
	"github.com/canopyhq/canopy/internal/costs/costcache"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The spend page and the API answer from one cache per process: what the
// page asked, the API's same question finds cached, and an import is
// answered at once by both.
func TestSpendPageAndAPIShareOneCostCache(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			c := newCacheApp(t, e, "cache-owner@example.com")
			a, srv := c.a, c.srv
			cache, ok := a.Spend.Costs.(*costcache.Querier)
			if !ok {
				t.Fatalf("the spend service's costs are a %T, not the cache", a.Spend.Costs)
			}
			importGen := func(seed int64, source string) {
				c.importGen(t, seed, source, time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), 20, 500)
			}
			importGen(1, "a")
			browser := signedInClient(t, srv.URL, c.email, c.pw)
			const params = "from=2026-01-01&to=2026-01-20&group_by=service"
			view := func(path string) {
				resp, err := browser.Get(srv.URL + path)
				if err != nil {
					t.Fatal(err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					t.Fatalf("%s: %d", path, resp.StatusCode)
				}
			}
			page := func() { view("/spend?" + params) }
			api := func() string { return c.apiGet(t, "/api/v1/costs/explore?"+params) }
			page()
			s := cache.Stats()
			if s.Misses == 0 {
				t.Fatalf("the page asked nothing of the cache: %+v", s)
			}
			first := api()
			if s2 := cache.Stats(); s2.Misses != s.Misses || s2.Hits <= s.Hits {
				t.Fatalf("the API's question, asked by the page before, ran again: %+v then %+v", s, s2)
			}
			importGen(2, "b")
			if after := api(); after == first {
				t.Fatal("the API answered as before the import")
			}
			page()

			// The resource list (page and API) asks its cost question
			// through the same cache: the second view runs nothing.
			view("/resources")
			c.apiGet(t, "/api/v1/resources")
			s = cache.Stats()
			view("/resources")
			c.apiGet(t, "/api/v1/resources")
			if s2 := cache.Stats(); s2.Misses != s.Misses || s2.Hits < s.Hits+2 {
				t.Fatalf("the resource lists' second views ran their questions again: %+v then %+v", s, s2)
			}
		})
	}
}

// The budget list asks the same questions at every view: from the second
// view on they come from the budgets' cost cache, and an import changes
// the budget's spend at once.
func TestBudgetListAnswersFromItsCostCache(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			c := newCacheApp(t, e, "budget-owner@example.com")
			cache, ok := c.a.Budgets.Costs.(*costcache.Querier)
			if !ok {
				t.Fatalf("the budget service's costs are a %T, not a cache", c.a.Budgets.Costs)
			}
			month := time.Now().UTC()
			month = time.Date(month.Year(), month.Month(), 1, 0, 0, 0, 0, time.UTC)
			importGen := func(seed int64, source string) { c.importGen(t, seed, source, month, 1, 400) }
			importGen(1, "a")
			day := month.Format(time.DateOnly)
			c.apiPost(t, "/api/v1/fx/rates/import", "text/csv", "date,base,quote,rate\n"+day+",EUR,USD,1.1\n"+day+",GBP,USD,1.3\n")
			c.apiPost(t, "/api/v1/budgets", "application/json", `{"name":"All","scope_kind":"organisation","period":"monthly","amount":"1000000","currency":"USD","thresholds":[{"percent":"80","basis":"actual"}],"recipients":[]}`)
			first := c.apiGet(t, "/api/v1/budgets")
			s := cache.Stats()
			if again := c.apiGet(t, "/api/v1/budgets"); again != first {
				t.Fatalf("the same list answered differently without a change:\n%s\n%s", first, again)
			}
			if s2 := cache.Stats(); s2.Misses != s.Misses || s2.Hits <= s.Hits {
				t.Fatalf("the second view ran its questions again: %+v then %+v", s, s2)
			}
			importGen(2, "b")
			if after := c.apiGet(t, "/api/v1/budgets"); after == first {
				t.Fatalf("the budget list answered as before the import: %s", first)
			}
		})
	}
}

// cacheApp is a served app with one owner and an API token, for the
// cache tests.
type cacheApp struct {
	a                       *App
	srv                     *httptest.Server
	email, pw, orgID, token string
}

func newCacheApp(t *testing.T, e store.Engine, email string) *cacheApp {
	t.Helper()
	c := &cacheApp{a: openTestApp(t, e), email: email, pw: "correct horse battery staple 42"}
	h, err := c.a.Handler()
	if err != nil {
		t.Fatal(err)
	}
	c.srv = httptest.NewServer(h)
	t.Cleanup(c.srv.Close)
	addOwner(t, c.a, email, c.pw)
	uid := userID(t, c.a, email)
	if c.orgID, err = c.a.Auth.DefaultOrg(context.Background(), uid, ""); err != nil {
		t.Fatal(err)
	}
	c.token = apiToken(t, c.a, uid, c.orgID)
	return c
}

// importGen imports generated lines from start over days as source.
func (c *cacheApp) importGen(t *testing.T, seed int64, source string, start time.Time, days, rows int) {
	t.Helper()
	var buf bytes.Buffer
	if _, err := focusgen.Generate(&buf, focusgen.Options{Rows: rows, Seed: seed, Start: start, Days: days}); err != nil {
		t.Fatal(err)
	}
	r, err := billing.Open(&buf)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.a.Store.Costs().Import(context.Background(), c.orgID, r, costs.ImportMeta{FileName: "gen.csv", SourceKey: source}); err != nil {
		t.Fatal(err)
	}
}

// apiGet asks the API with the owner's token and wants 200.
func (c *cacheApp) apiGet(t *testing.T, path string) string {
	t.Helper()
	code, body := get(t, c.srv.URL+path, map[string]string{"Authorization": "Bearer " + c.token})
	if code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, code, body)
	}
	return body
}

// apiPost sends body to the API with the owner's token and wants success.
func (c *cacheApp) apiPost(t *testing.T, path, contentType, body string) string {
	t.Helper()
	req, _ := http.NewRequest("POST", c.srv.URL+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", contentType)
	code, resp := send(t, http.DefaultClient, req)
	if code >= 300 {
		t.Fatalf("POST %s: %d %s", path, code, resp)
	}
	return resp
}
