package inventory

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/connect/connecttest"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/sandbox/arm"
	"github.com/canopyhq/canopy/internal/store"
)

// tagEnv is a sandbox cloud whose Contoso tenant consented to Canopy,
// with Reader on every subscription and Tag Contributor on Production
// only, an Azure connection to it, River working the sync and write-back
// jobs, and the TagSync under test.
type tagEnv struct {
	*connecttest.Env
	t    *testing.T
	tags *TagSync
	conn connect.Connection
	sp   string
	prod string
	dev  string
	leg  string
}

func newTagEnv(t *testing.T, db *store.DB) *tagEnv {
	t.Helper()
	cloud := connecttest.Start(t, sandbox.Options{Seed: 7})
	cloud.Clock.Set(time.Now().UTC()) // azidentity caches tokens by the wall clock
	d := cloud.Demo
	if err := cloud.Entra.GrantAdminConsent(d.Customer.ID, d.App.ClientID, connect.ConsentScope(connect.KindAzure)); err != nil {
		t.Fatal(err)
	}
	sp := cloud.Entra.ServicePrincipalID(d.Customer.ID, d.App.ClientID)
	for _, sub := range []string{d.Production.ID, d.Development.ID, d.Legacy.ID} {
		cloud.ARM.Assign(sp, arm.RoleReader, "/subscriptions/"+sub)
	}
	cloud.ARM.Assign(sp, arm.RoleTagContributor, "/subscriptions/"+d.Production.ID)
	e := &tagEnv{t: t, sp: sp, prod: d.Production.ID, dev: d.Development.ID, leg: d.Legacy.ID}
	sleep := func(_ context.Context, dur time.Duration) error { cloud.Clock.Advance(dur); return nil }
	e.Env = connecttest.New(t, db, cloud, azureconn.Connector{Sleep: sleep}, connecttest.Options{
		Clouds: config.Clouds{AzureClientID: d.App.ClientID, AzureClientSecret: d.App.Secret, AzureAuthority: cloud.EntraURL, AzureARM: cloud.ARMURL}})
	e.tags = NewTagSync(e.Store, nil, func() connect.Env { return e.Service.Env }, slog.New(slog.NewTextHandler(io.Discard, nil)))
	e.tags.Sleep = sleep
	reg := jobs.NewRegistry()
	e.Service.Register(reg)
	e.tags.Register(reg)
	r, err := jobs.New(string(db.Engine), db.W, jobs.Options{Registry: reg, FetchPollInterval: 20 * time.Millisecond,
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	e.Service.Jobs, e.tags.Jobs = r, r
	if err := r.Start(e.Ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = r.Stop(ctx)
	})
	return e
}

// connect creates the Azure connection with the given access levels
// (Production, Development, Legacy) and syncs it.
func (e *tagEnv) connect(prod, dev, leg string) {
	e.t.Helper()
	e.conn = e.Create(connect.KindAzure, "Contoso", azureconn.Settings{TenantID: e.Cloud.Demo.Customer.ID,
		Subscriptions: map[string]string{e.prod: prod, e.dev: dev, e.leg: leg}})
	e.sync()
}

// sync runs a sync of the connection and fails the test unless it
// succeeded.
func (e *tagEnv) sync() {
	e.t.Helper()
	if y := e.Sync(e.conn); y.State != store.SyncSucceeded {
		e.t.Fatalf("sync %s: %s %s", y.State, y.Error, y.Warnings)
	}
}

// setLevel changes one subscription's access level on the connection.
func (e *tagEnv) setLevel(sub, level string) {
	e.t.Helper()
	var set azureconn.Settings
	if err := json.Unmarshal(e.conn.Settings, &set); err != nil {
		e.t.Fatal(err)
	}
	set.Subscriptions[sub] = level
	b, _ := json.Marshal(set)
	c, err := e.Service.Update(e.Ctx, e.Owner, e.Actor, e.conn.ID, connect.Input{Settings: b})
	if err != nil {
		e.t.Fatal(err)
	}
	e.conn = c
}

// resources are the connection's stored resources of subscription sub.
func (e *tagEnv) resources(sub string) []store.Resource {
	e.t.Helper()
	all, err := e.Store.ConnectionResources(e.Ctx, e.Owner.Org.ID, e.conn.ID)
	if err != nil {
		e.t.Fatal(err)
	}
	var out []store.Resource
	for _, r := range all {
		if strings.EqualFold(r.SubAccount, sub) {
			out = append(out, r)
		}
	}
	return out
}

// tagged is a stored Production resource with at least n tags in the cloud.
func (e *tagEnv) tagged(n int, skip ...string) store.Resource {
	e.t.Helper()
	for _, r := range e.resources(e.prod) {
		if len(r.CloudTags) >= n && !contains(skip, r.ID) {
			return r
		}
	}
	e.t.Fatalf("no Production resource with %d tags", n)
	return store.Resource{}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// get re-reads a stored resource.
func (e *tagEnv) get(id string) store.Resource {
	e.t.Helper()
	r, err := e.Store.GetResourceForUpdate(e.Ctx, e.Owner.Org.ID, id)
	if err != nil {
		e.t.Fatal(err)
	}
	return r
}

// edit stores a Canopy tag edit on r, as the inventory's tag editor does.
func (e *tagEnv) edit(r store.Resource, tags map[string]string) {
	e.t.Helper()
	if err := e.Store.SaveTagState(e.Ctx, r.OrgID, r.ID, r.CloudTags, r.BaseTags, tags, nil); err != nil {
		e.t.Fatal(err)
	}
}

// cloudTags are the tags the sandbox holds for a resource now.
func (e *tagEnv) cloudTags(resourceID string) map[string]string {
	e.t.Helper()
	for _, r := range e.Cloud.ARM.Resources(azureconn.SubscriptionOf(resourceID)) {
		if strings.EqualFold(r.ID, resourceID) {
			return r.Tags
		}
	}
	e.t.Fatalf("no resource %s in the sandbox", resourceID)
	return nil
}

// changeInAzure changes a resource's tags through ARM's tags API (Merge),
// as someone in the Azure portal would.
func (e *tagEnv) changeInAzure(resourceID string, tags map[string]string) {
	e.t.Helper()
	d := e.Cloud.Demo
	cl, err := azureconn.New(azureconn.Config{TenantID: d.Customer.ID, ClientID: d.App.ClientID, ClientSecret: d.App.Secret,
		AuthorityHost: e.Cloud.EntraURL, ARMEndpoint: e.Cloud.ARMURL, HTTPClient: e.Cloud.CA.Client()})
	if err != nil {
		e.t.Fatal(err)
	}
	if _, err := cl.SetTags(e.Ctx, resourceID, tags, azureconn.Merge); err != nil {
		e.t.Fatal(err)
	}
}

// writeBack queues the write-back of ids as the owner and waits for every
// result.
func (e *tagEnv) writeBack(req WriteBackRequest) Batch {
	e.t.Helper()
	b, err := e.tags.WriteBack(e.Ctx, e.Owner, e.Actor, req)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.wait(b.ID)
}

func (e *tagEnv) wait(batchID string) Batch {
	e.t.Helper()
	for deadline := time.Now().Add(30 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		b, err := e.tags.Batch(e.Ctx, e.Owner, batchID)
		if err != nil {
			e.t.Fatal(err)
		}
		if b.Done() {
			return b
		}
		if time.Now().After(deadline) {
			e.t.Fatalf("batch %s not done: %+v", batchID, b.Changes)
		}
	}
}

// result is the one change of a batch of one resource.
func result(t *testing.T, b Batch) store.TagChange {
	t.Helper()
	if len(b.Changes) != 1 {
		t.Fatalf("batch has %d changes", len(b.Changes))
	}
	return b.Changes[0]
}

// insertResource adds a resource that no sync listed (AWS, virtual, from
// cost data) straight into the table.
func (e *tagEnv) insertResource(provider, key, source string) store.Resource {
	e.t.Helper()
	id, now := domain.NewID("res_"), time.Now().UTC()
	q := `INSERT INTO resources (org_id, id, provider, resource_key, resource_id, source, canopy_tags, first_seen, last_seen)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`
	if e.DB.Engine == store.Postgres {
		for i := 1; strings.Contains(q, "?"); i++ {
			q = strings.Replace(q, "?", "$"+strconv.Itoa(i), 1)
		}
	}
	if _, err := e.DB.W.ExecContext(e.Ctx, q, e.Owner.Org.ID, id, provider, key, key, source, `{"team":"x"}`, now, now); err != nil {
		e.t.Fatal(err)
	}
	return e.get(id)
}

// principal is a member of the organisation with one role.
func (e *tagEnv) principal(role string) *auth.Principal {
	g := []auth.Grant{{Role: role}}
	return &auth.Principal{User: domain.User{ID: domain.NewID(domain.PrefixUser), Email: role + "@x.test"}, Org: e.Owner.Org,
		Grants: g, Perms: auth.OrgPermissions(g)}
}

// auditActions are the organisation's audit actions, oldest first.
func (e *tagEnv) auditActions() []string {
	e.t.Helper()
	rows, err := e.DB.R.QueryContext(e.Ctx, "SELECT action FROM audit_events ORDER BY seq")
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var a string
		_ = rows.Scan(&a)
		out = append(out, a)
	}
	return out
}
