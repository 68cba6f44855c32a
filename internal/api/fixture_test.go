package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/allocation"
	"github.com/canopyhq/canopy/internal/api"
	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/budgets"
	"github.com/canopyhq/canopy/internal/chargeback"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/imports"
	"github.com/canopyhq/canopy/internal/inventory"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/keyvault"
	"github.com/canopyhq/canopy/internal/mail/mailtest"
	"github.com/canopyhq/canopy/internal/marketplace"
	"github.com/canopyhq/canopy/internal/notify"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/svcaccount/collector"
)

// TestMain installs cheap password hashing once for the whole package:
// every test here needs it and none changes it, so the tests can run in
// parallel without swapping the process-wide parameters under each other.
func TestMain(m *testing.M) {
	restore := auth.SetPasswordParams(auth.FastInsecurePasswordParams)
	code := m.Run()
	restore()
	os.Exit(code)
}

const (
	testUA = "canopy-api-test/1.0"
	// mfaMarker is stored as users' sealed MFA secret so a test sees it
	// if any response ever exposes the column.
	mfaMarker = "SEALED-MFA-SECRET-MARKER"
)

// tenant is one seeded organisation: an owner (with MFA on) and a viewer,
// each with an API token, and a live browser session of the owner.
type tenant struct {
	org                         domain.Org
	owner, viewer               domain.User
	ownerToken, viewerToken     string
	ownerTokenID, viewerTokenID string
	sessionID                   string
	uploadID                    string     // a billing file queued for import
	connectionID, syncID        string     // a connection with a queued sync
	groupID, skuPart            string     // a custom group; a licence price mapping
	version                     int        // the latest allocation rule set version
	resourceID, conflictID      string     // a resource with a pending tag edit and a tag conflict
	batchID                     string     // a tag write-back batch
	seedRate                    seededRate // the one exchange rate the org starts with
	inv                         seededInventory
	mkt                         seededMarket
	month, extraID              string // a month with a chargeback (version 1); an extra charge
	alerts                      seededAlerts
	bud                         seededBudgets
	recID                       string // an open recommendation of the connection
	ssoID                       string // a single sign-on connection (disabled)
	dlg                         seededDelegation
}

// fixture is the API over a real service on a fresh database, served by
// an httptest.Server.
type fixture struct {
	t       testing.TB
	ctx     context.Context
	st      *store.Store
	svc     *auth.Service
	mail    *mailtest.Outbox
	api     *api.API
	imports *imports.Service
	jobs    *jobs.Runner // works the import jobs once a test starts it
	conns   *connect.Service
	tagSync *inventory.TagSync
	market  *marketplace.Service
	cb      *chargeback.Service
	budgets *budgets.Service
	notify  *notify.Service
	srv     *httptest.Server
	a, b    tenant
	secrets []string // strings no response may ever contain
}

func newFixture(t testing.TB, db *store.DB) *fixture {
	kv, err := keyvault.OpenLocal(filepath.Join(t.TempDir(), "keys", "master.key"))
	if err != nil {
		t.Fatal(err)
	}
	f := &fixture{t: t, ctx: context.Background(), st: store.New(db), mail: &mailtest.Outbox{},
		secrets: []string{"$argon2id", mfaMarker, "password_hash", "mfa_secret", "token_hash"}}
	f.svc = auth.NewService(f.st, kv, f.mail, "http://127.0.0.1")
	f.imports, f.jobs = newImports(t, db)
	f.conns = newConnections(t, db, kv)
	f.tagSync = inventory.NewTagSync(f.st, f.jobs, func() connect.Env { return f.conns.Env }, slog.New(slog.NewTextHandler(t.Output(), nil)))
	f.market = marketplace.New(f.st, nil)
	f.notify = notify.New(f.st, kv, "http://127.0.0.1", nil)
	f.notify.Jobs = f.notifyJobs(t, db, kv)
	f.budgets = budgets.New(f.st, f.notify, nil)
	f.api = api.New(f.svc, slog.New(slog.NewTextHandler(t.Output(), nil))).WithImports(f.imports).WithConnections(f.conns).
		WithAllocation(allocation.New(f.st)).WithTagSync(f.tagSync).WithChargebacks(f.chargebacks()).WithBudgets(f.budgets, f.notify).WithAlerts(f.alertsService()).WithMarketplace(f.market).
		WithServiceAccounts(&collector.Keys{Store: f.st, Vault: kv, Bits: 2048})
	mux := http.NewServeMux()
	f.api.Routes(mux)
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	t.Cleanup(f.verifyAudit)
	f.a = f.seedTenant("Alpha Tenant", "alpha")
	f.b = f.seedTenant("Beta Tenant", "beta")
	return f
}

func (f *fixture) verifyAudit() {
	rep, err := audit.Verify(f.ctx, f.st)
	if err != nil || !rep.OK() {
		f.t.Errorf("audit chain: %v %+v", err, rep.Problems)
	}
}

func (f *fixture) seedTenant(name, slug string) tenant {
	f.t.Helper()
	var tn tenant
	tn.owner = f.createUser("owner@" + slug + ".test")
	org, err := f.svc.CreateOrg(f.ctx, name, tn.owner.ID, audit.Actor{IP: "127.0.0.1"})
	if err != nil {
		f.t.Fatal(err)
	}
	tn.org = org
	if err := f.st.SetMFA(f.ctx, tn.owner.ID, mfaMarker, true, domain.Now()); err != nil {
		f.t.Fatal(err)
	}
	tn.owner.MFAEnabled = true
	tn.viewer = f.member(org, "viewer@"+slug+".test", auth.RoleViewer)
	p, err := f.svc.LoadPrincipal(f.ctx, tn.owner.ID, org.ID)
	if err != nil {
		f.t.Fatal(err)
	}
	plain, tok, err := f.svc.CreateAPIToken(f.ctx, p, "ci", 0, p.Actor("127.0.0.1", testUA))
	if err != nil {
		f.t.Fatal(err)
	}
	tn.ownerToken, tn.ownerTokenID = plain, tok.ID
	f.secrets = append(f.secrets, plain, auth.HashSecretToken(plain))
	tn.viewerToken, tn.viewerTokenID = f.insertToken(tn.viewer.ID, org.ID, nil)
	tn.sessionID = f.startSession(tn.owner)
	tn.seedRate = f.seedRate(p, slug)
	tn.uploadID = f.seedUpload(p, slug)
	tn.connectionID, tn.syncID = f.seedConnection(p, slug)
	versions := 1
	if slug == "beta" {
		versions = 3 // above what Alpha reaches with the PUT below (1 + 1)
	}
	tn.groupID, tn.version, tn.skuPart = f.seedAllocation(p, slug, versions)
	tn.resourceID, tn.conflictID, tn.batchID = f.seedTagSync(p, tn)
	tn.inv = f.seedInventory(p, slug)
	tn.mkt = f.seedMarketplace(p, slug)
	f.seedChargebacks(p, &tn)
	tn.alerts = f.seedAlerts(p, slug)
	tn.bud = f.seedBudgets(p, slug, tn.groupID)
	tn.recID = f.seedRecommendation(p, tn.connectionID, slug)
	tn.ssoID = f.seedSSO(p, slug)
	tn.dlg = f.seedDelegation(p, slug)
	return tn
}

func (f *fixture) createUser(email string) domain.User {
	f.t.Helper()
	hash, err := auth.HashPassword("violet harbour lantern tundra")
	if err != nil {
		f.t.Fatal(err)
	}
	now := domain.Now()
	u := domain.User{ID: domain.NewID(domain.PrefixUser), Email: email, Name: "Test " + email, PasswordHash: hash,
		Status: domain.UserActive, PasswordChangedAt: &now, CreatedAt: now, UpdatedAt: now}
	if err := f.st.CreateUser(f.ctx, u); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// member creates an account and makes it an active member with roles.
func (f *fixture) member(org domain.Org, email string, roles ...string) domain.User {
	f.t.Helper()
	u := f.createUser(email)
	var grants []domain.RoleGrant
	for _, r := range roles {
		grants = append(grants, domain.RoleGrant{Role: r})
	}
	if err := f.st.AddMember(f.ctx, org.ID, u.ID, grants, domain.Now()); err != nil {
		f.t.Fatal(err)
	}
	return u
}

// insertToken stores a token directly: for members whose role may not
// create tokens, and for tokens that are already expired.
func (f *fixture) insertToken(userID, orgID string, expires *time.Time) (plain, id string) {
	f.t.Helper()
	plain, hash := auth.NewSecretToken(auth.APITokenPrefix)
	t := domain.APIToken{ID: domain.NewID(domain.PrefixToken), OrgID: orgID, UserID: userID, Name: "inserted",
		Prefix: auth.TokenDisplayPrefix(plain), CreatedAt: domain.Now(), ExpiresAt: expires}
	if err := f.st.CreateAPIToken(f.ctx, t, hash); err != nil {
		f.t.Fatal(err)
	}
	f.secrets = append(f.secrets, plain, hash)
	return plain, t.ID
}

// startSession records a live browser session for u, as a sign-in does.
func (f *fixture) startSession(u domain.User) string {
	f.t.Helper()
	tok, _ := auth.NewSecretToken("")
	if err := f.st.Sessions().CommitCtx(f.ctx, tok, []byte("{}"), time.Now().Add(time.Hour)); err != nil {
		f.t.Fatal(err)
	}
	if err := f.svc.StartSession(f.ctx, u, store.HashSessionToken(tok), audit.Actor{IP: "192.0.2.9", UserAgent: "browser"}); err != nil {
		f.t.Fatal(err)
	}
	sessions, err := f.st.ListSessions(f.ctx, u.ID)
	if err != nil || len(sessions) == 0 {
		f.t.Fatalf("session not recorded: %v", err)
	}
	f.secrets = append(f.secrets, sessions[0].TokenHash)
	return sessions[0].ID
}

// response is what a request got back.
type response struct {
	status int
	header http.Header
	body   []byte
}

// csvBody is a request body sent as is with Content-Type text/csv.
type csvBody string

// do sends a request with a bearer token ("" for none) and a body: nil for
// none, a string sent as is (as JSON), a csvBody, or a value encoded as
// JSON.
func (f *fixture) do(method, path, token string, body any) response {
	f.t.Helper()
	req := f.newRequest(method, path, body)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return f.send(req)
}

func (f *fixture) newRequest(method, path string, body any) *http.Request {
	f.t.Helper()
	var rd *bytes.Reader
	contentType := "application/json"
	switch b := body.(type) {
	case nil:
		rd = bytes.NewReader(nil)
	case csvBody:
		rd, contentType = bytes.NewReader([]byte(b)), "text/csv"
	case multipartBody:
		raw, ct := b.encode(f.t)
		rd, contentType = bytes.NewReader(raw), ct
	case string:
		rd = bytes.NewReader([]byte(b))
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			f.t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, f.srv.URL+path, rd)
	if err != nil {
		f.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", contentType)
	}
	req.Header.Set("User-Agent", testUA)
	return req
}

// send performs a request and checks what every response must satisfy:
// JSON (or empty for 204) and no secret anywhere in it.
func (f *fixture) send(req *http.Request) response {
	f.t.Helper()
	res, err := f.srv.Client().Do(req)
	if err != nil {
		f.t.Fatal(err)
	}
	defer res.Body.Close()
	var buf bytes.Buffer
	if _, err := buf.ReadFrom(res.Body); err != nil {
		f.t.Fatal(err)
	}
	r := response{status: res.StatusCode, header: res.Header, body: buf.Bytes()}
	where := req.Method + " " + req.URL.Path
	// The cost exports answer a CSV file on success, the chargeback
	// statements and invoices a PDF or CSV; everything else, and every
	// error, is JSON.
	ct := res.Header.Get("Content-Type")
	document := strings.HasPrefix(req.URL.Path, "/api/v1/chargebacks/") || strings.HasPrefix(req.URL.Path, "/api/v1/billing/invoices/")
	csvFile := res.StatusCode == http.StatusOK && (strings.HasSuffix(req.URL.Path, ".csv") ||
		document && (ct == "application/pdf" || strings.HasPrefix(ct, "text/csv")))
	if res.StatusCode != http.StatusNoContent && !csvFile && !json.Valid(r.body) {
		f.t.Errorf("%s: %d response is not JSON: %q", where, r.status, r.body)
	}
	if res.StatusCode != http.StatusNoContent && !csvFile && ct != "application/json" {
		f.t.Errorf("%s: Content-Type %q", where, ct)
	}
	if csvFile && ct != "text/csv; charset=utf-8" && ct != "application/pdf" {
		f.t.Errorf("%s: CSV export with Content-Type %q", where, ct)
	}
	for _, s := range f.secrets {
		if bytes.Contains(r.body, []byte(s)) {
			f.t.Errorf("%s: response exposes a secret (%.12s...)", where, s)
		}
	}
	return r
}

// json decodes the body into a generic value.
func (r response) json(t *testing.T) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.body, &m); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
	return m
}

// decode decodes the body into v.
func (r response) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.body, v); err != nil {
		t.Fatalf("decode %q: %v", r.body, err)
	}
}

// apiError is the error body.
type apiError struct {
	Error struct {
		Code    string `json:"code"`
		Message string `json:"message"`
		Field   string `json:"field"`
	} `json:"error"`
}

// wantError checks the status and error code of a response and returns
// the error.
func (r response) wantError(t *testing.T, what string, status int, code string) apiError {
	t.Helper()
	var e apiError
	if r.status != status {
		t.Errorf("%s: status %d, want %d (body %s)", what, r.status, status, r.body)
		return e
	}
	if err := json.Unmarshal(r.body, &e); err != nil || e.Error.Code != code || e.Error.Message == "" {
		t.Errorf("%s: error body %s, want code %q and a message", what, r.body, code)
	}
	return e
}

func (r response) wantStatus(t *testing.T, what string, status int) {
	t.Helper()
	if r.status != status {
		t.Fatalf("%s: status %d, want %d (body %s)", what, r.status, status, r.body)
	}
}

// fillPath puts a tenant's IDs into a route pattern.
func fillPath(t *testing.T, pattern string, tn tenant) string {
	t.Helper()
	ids := map[string]string{"{user_id}": tn.owner.ID, "{session_id}": tn.sessionID, "{token_id}": tn.ownerTokenID,
		"{upload_id}": tn.uploadID, "{connection_id}": tn.connectionID, "{sync_id}": tn.syncID, "{kind}": "m365",
		"{group_id}": tn.groupID, "{version}": strconv.Itoa(tn.version), "{sku_part_number}": tn.skuPart,
		"{batch_id}": tn.batchID, "{conflict_id}": tn.conflictID,
		"{resource_id}": tn.inv.resourceID, "{policy_id}": tn.inv.policyID, "{alias}": tn.inv.alias,
		"{month}": tn.month, "{extra_id}": tn.extraID,
		"{budget_id}": tn.bud.budgetID, "{request_id}": tn.bud.requestID, "{webhook_id}": tn.bud.webhookID,
		"{alert_id}": tn.alerts.alertID, "{rule_id}": tn.alerts.ruleID, "{mute_id}": tn.alerts.muteID,
		"{vendor_id}": tn.mkt.vendorID, "{agreement_id}": tn.mkt.agreementID, "{subscription_id}": tn.mkt.subscriptionID,
		"{order_id}": tn.mkt.orderID, "{invoice_id}": tn.mkt.invoiceID, "{statement_id}": tn.mkt.statementID, "{product_id}": tn.mkt.productID, "{item_id}": tn.mkt.itemID,
		"{recommendation_id}": tn.recID, "{sso_connection_id}": tn.ssoID,
		"{ou_id}": tn.dlg.ouID, "{admin_policy_id}": tn.dlg.policyID, "{delegation_id}": tn.dlg.delegationID, "{object_id}": tn.dlg.userID}
	for k, v := range ids {
		pattern = strings.ReplaceAll(pattern, k, v)
	}
	if strings.Contains(pattern, "{") {
		t.Fatalf("no test ID for a path parameter in %s: add it to fillPath", pattern)
	}
	return pattern
}
