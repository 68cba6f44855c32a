package graph

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

const (
	testTenant = "4f1c2a7e-1111-4c3d-9e8f-0a1b2c3d4e5f"
	testApp    = "a1b2c3d4-2222-4aaa-8bbb-0c1d2e3f4a5b"
)

var allRoles = []any{"User.Read.All", "Organization.Read.All", "Group.Read.All", "Reports.Read.All", "ReportSettings.ReadWrite.All"}

// env is a Graph emulation behind a real TLS server.
type env struct {
	t      *testing.T
	g      *Graph
	clock  *sbx.Clock
	issuer *sbx.Issuer
	url    string
	client *http.Client
	faults *sbx.Faults
}

func newEnv(t *testing.T, users int) *env {
	t.Helper()
	clock := &sbx.Clock{}
	clock.Set(time.Date(2026, 11, 25, 12, 0, 30, 0, time.UTC))
	issuer, err := sbx.NewIssuer(clock)
	if err != nil {
		t.Fatal(err)
	}
	ca, err := sbx.NewCA()
	if err != nil {
		t.Fatal(err)
	}
	g := New(Options{Seed: 42, Clock: clock, Issuer: issuer})
	g.AddTenant(testTenant, "Contoso Ltd", "contoso.example", users)
	faults := sbx.NewFaults()
	srv, err := sbx.Serve(ca, faults, "graph", ErrorWriter, g.Handler())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Close() })
	client := ca.Client()
	client.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &env{t: t, g: g, clock: clock, issuer: issuer, url: srv.URL, client: client, faults: faults}
}

// token signs an app-only Graph token with claims overriding the defaults.
func (e *env) token(over sbx.Claims) string {
	c := sbx.Claims{
		"aud": "https://graph.microsoft.com", "tid": testTenant, "oid": "9d8c7b6a-3333-4ccc-8ddd-1e2f3a4b5c6d",
		"appid": testApp, "idtyp": "app", "roles": allRoles, "exp": e.clock.Now().Add(time.Hour).Unix(),
	}
	for k, v := range over {
		c[k] = v
	}
	tok, err := e.issuer.Sign(c)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

// do sends a request with bearer tok ("" = none) and returns status,
// headers and body.
func (e *env) do(method, path, tok string, body []byte, hdr ...string) (int, http.Header, []byte) {
	e.t.Helper()
	target := path
	if !strings.HasPrefix(path, "https://") {
		target = e.url + path
	}
	req, err := http.NewRequest(method, target, bytes.NewReader(body))
	if err != nil {
		e.t.Fatal(err)
	}
	if tok != "" {
		req.Header.Set("Authorization", "Bearer "+tok)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	resp, err := e.client.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp.StatusCode, resp.Header, b
}

func (e *env) getJSON(path, tok string, out any, hdr ...string) int {
	e.t.Helper()
	st, _, b := e.do(http.MethodGet, path, tok, nil, hdr...)
	if out != nil && st == http.StatusOK {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s: %v in %s", path, err, b)
		}
	}
	return st
}

type graphError struct {
	Error struct {
		Code       string            `json:"code"`
		Message    string            `json:"message"`
		InnerError map[string]string `json:"innerError"`
	} `json:"error"`
}

func errorOf(t *testing.T, b []byte) graphError {
	t.Helper()
	var ge graphError
	if err := json.Unmarshal(b, &ge); err != nil {
		t.Fatalf("not a Graph error: %s", b)
	}
	if ge.Error.InnerError["request-id"] == "" || ge.Error.InnerError["date"] == "" {
		t.Fatalf("innerError lacks request-id/date: %s", b)
	}
	return ge
}

func TestTokensRefusedWithGraphCodes(t *testing.T) {
	e := newEnv(t, 20)
	other, _ := sbx.NewIssuer(e.clock)
	forged, _ := other.Sign(sbx.Claims{"aud": "https://graph.microsoft.com", "tid": testTenant, "roles": allRoles, "exp": e.clock.Now().Add(time.Hour).Unix()})
	expired := e.token(sbx.Claims{"exp": e.clock.Now().Add(-time.Minute).Unix()})
	cases := []struct {
		name, tok string
		status    int
		code, msg string
	}{
		{"none", "", 401, "InvalidAuthenticationToken", "Access token is empty."},
		{"expired", expired, 401, "InvalidAuthenticationToken", "Access token has expired or is not yet valid."},
		{"forged", forged, 401, "InvalidAuthenticationToken", "Access token validation failure."},
		{"wrong audience", e.token(sbx.Claims{"aud": "https://management.azure.com/"}), 401, "InvalidAuthenticationToken", "Access token validation failure. Invalid audience."},
		{"no role", e.token(sbx.Claims{"roles": []any{"Mail.Read"}}), 403, "Authorization_RequestDenied", "Insufficient privileges to complete the operation."},
	}
	for _, c := range cases {
		st, h, b := e.do(http.MethodGet, "/v1.0/users", c.tok, nil)
		ge := errorOf(t, b)
		if st != c.status || ge.Error.Code != c.code || ge.Error.Message != c.msg {
			t.Errorf("%s: %d %s %q", c.name, st, ge.Error.Code, ge.Error.Message)
		}
		if st == 401 && h.Get("WWW-Authenticate") == "" {
			t.Errorf("%s: 401 without WWW-Authenticate", c.name)
		}
	}
	// The Graph app ID is an accepted audience too, and delegated scp works.
	tok := e.token(sbx.Claims{"aud": "00000003-0000-0000-c000-000000000000", "idtyp": "user", "roles": nil, "scp": "User.Read.All openid"})
	if st := e.getJSON("/v1.0/users", tok, nil); st != 200 {
		t.Fatalf("delegated token with the app-ID audience: %d", st)
	}
}

func TestOrganizationGroupsAndMembers(t *testing.T) {
	e := newEnv(t, 60)
	tok := e.token(nil)
	var org struct {
		Value []struct {
			ID              string `json:"id"`
			DisplayName     string `json:"displayName"`
			VerifiedDomains []struct {
				Name      string `json:"name"`
				IsDefault bool   `json:"isDefault"`
			} `json:"verifiedDomains"`
		} `json:"value"`
	}
	if st := e.getJSON("/v1.0/organization", tok, &org); st != 200 || len(org.Value) != 1 || org.Value[0].ID != testTenant ||
		org.Value[0].VerifiedDomains[0].Name != "contoso.example" || !org.Value[0].VerifiedDomains[0].IsDefault {
		t.Fatalf("organization: %d %+v", st, org)
	}
	var groups struct {
		Value []map[string]any `json:"value"`
	}
	if st := e.getJSON("/v1.0/groups?$select=id,displayName", tok, &groups); st != 200 || len(groups.Value) == 0 || len(groups.Value[0]) != 2 {
		t.Fatalf("groups: %d %+v", st, groups)
	}
	var members struct {
		Value []map[string]any `json:"value"`
	}
	id := groups.Value[0]["id"].(string)
	if st := e.getJSON("/v1.0/groups/"+id+"/members?$select=id,userPrincipalName", tok, &members); st != 200 || len(members.Value) == 0 ||
		members.Value[0]["@odata.type"] != "#microsoft.graph.user" {
		t.Fatalf("members: %d %+v", st, members)
	}
}
