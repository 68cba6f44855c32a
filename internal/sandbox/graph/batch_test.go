package graph

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

type batchOut struct {
	Responses []struct {
		ID      string            `json:"id"`
		Status  int               `json:"status"`
		Headers map[string]string `json:"headers"`
		Body    json.RawMessage   `json:"body"`
	} `json:"responses"`
}

func batchBody(n int, url func(i int) string) []byte {
	reqs := make([]map[string]any, n)
	for i := range reqs {
		reqs[i] = map[string]any{"id": fmt.Sprint(i + 1), "method": "GET", "url": url(i)}
	}
	b, _ := json.Marshal(map[string]any{"requests": reqs})
	return b
}

func TestBatchOf20AnsweredAnd21Rejected(t *testing.T) {
	e := newEnv(t, 30)
	tok := e.token(nil)
	users := e.g.Users(testTenant)
	body := batchBody(20, func(i int) string {
		if i == 19 {
			return "/users/00000000-0000-4000-8000-000000000000"
		}
		return "/users/" + users[i].ID + "?$select=id,department"
	})
	st, _, b := e.do(http.MethodPost, "/v1.0/$batch", tok, body, "Content-Type", "application/json")
	var out batchOut
	if err := json.Unmarshal(b, &out); st != 200 || err != nil || len(out.Responses) != 20 {
		t.Fatalf("batch of 20: %d %v %s", st, err, b)
	}
	for i, r := range out.Responses {
		var u map[string]any
		_ = json.Unmarshal(r.Body, &u)
		if i < 19 && (r.Status != 200 || u["id"] != users[i].ID || len(u) != 3) {
			t.Fatalf("response %s: %d %s", r.ID, r.Status, r.Body)
		}
		if i == 19 && (r.Status != 404 || !strings.Contains(string(r.Body), "Request_ResourceNotFound")) {
			t.Fatalf("missing user in batch: %d %s", r.Status, r.Body)
		}
	}
	st, _, b = e.do(http.MethodPost, "/v1.0/$batch", tok, batchBody(21, func(int) string { return "/organization" }))
	if ge := errorOf(t, b); st != 400 || ge.Error.Code != "BadRequest" || !strings.Contains(ge.Error.Message, "20") {
		t.Fatalf("batch of 21: %d %+v", st, ge)
	}
}

func TestBatchDependsOnAndReportRedirect(t *testing.T) {
	e := newEnv(t, 10)
	body := []byte(`{"requests":[
		{"id":"a","method":"GET","url":"/users/nobody@contoso.example"},
		{"id":"b","method":"GET","url":"/organization","dependsOn":["a"]},
		{"id":"c","method":"GET","url":"/reports/getMailboxUsageDetail(period='D7')"}]}`)
	st, _, b := e.do(http.MethodPost, "/v1.0/$batch", e.token(nil), body)
	var out batchOut
	if err := json.Unmarshal(b, &out); st != 200 || err != nil {
		t.Fatalf("%d %s", st, b)
	}
	if out.Responses[0].Status != 404 || out.Responses[1].Status != http.StatusFailedDependency {
		t.Fatalf("dependsOn: %d then %d", out.Responses[0].Status, out.Responses[1].Status)
	}
	if r := out.Responses[2]; r.Status != http.StatusFound || !strings.Contains(r.Headers["Location"], "/reports-download/") {
		t.Fatalf("report in batch: %d %v", r.Status, r.Headers)
	}
}

func TestThrottlingAnswers429ThenRecovers(t *testing.T) {
	e := newEnv(t, 10)
	tok := e.token(nil)
	e.g.SetThrottle(testTenant, 3)
	for i := 0; i < 3; i++ {
		if st := e.getJSON("/v1.0/organization", tok, nil); st != 200 {
			t.Fatalf("request %d within budget: %d", i, st)
		}
	}
	st, h, b := e.do(http.MethodGet, "/v1.0/organization", tok, nil)
	if ge := errorOf(t, b); st != 429 || ge.Error.Code != "TooManyRequests" || h.Get("Retry-After") != "30" {
		t.Fatalf("over budget: %d %q %+v", st, h.Get("Retry-After"), ge)
	}
	// A batch's inner requests are throttled one by one.
	st, _, b = e.do(http.MethodPost, "/v1.0/$batch", tok, batchBody(2, func(int) string { return "/organization" }))
	var out batchOut
	if err := json.Unmarshal(b, &out); st != 200 || err != nil || out.Responses[0].Status != 429 || out.Responses[0].Headers["Retry-After"] == "" {
		t.Fatalf("inner throttling: %d %s", st, b)
	}
	e.clock.Advance(30 * time.Second)
	if st := e.getJSON("/v1.0/organization", tok, nil); st != 200 {
		t.Fatalf("after Retry-After: %d", st)
	}
	// Another app of the tenant has its own budget.
	if st := e.getJSON("/v1.0/organization", e.token(sbx.Claims{"appid": "other-app"}), nil); st != 200 {
		t.Fatalf("other app: %d", st)
	}
	// The sbx fault middleware speaks Graph's error format.
	e.faults.Add("graph", sbx.Fault{Status: 503, Times: 1})
	if st, _, b := e.do(http.MethodGet, "/v1.0/organization", tok, nil); st != 503 || errorOf(t, b).Error.Code != "ServiceUnavailable" {
		t.Fatalf("injected fault: %d %s", st, b)
	}
}
