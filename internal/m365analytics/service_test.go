package m365analytics_test

import (
	"bytes"
	"context"
	"encoding/csv"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/connecttest"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/m365analytics"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// world is the sandbox cloud, a database, the connection service with the
// real Microsoft 365 connector worked by River, and the analytics service.
type world struct {
	*connecttest.Env
	svc *m365analytics.Service
}

func newWorld(t *testing.T, db *store.DB) *world {
	t.Helper()
	cloud := connecttest.Start(t, sandbox.Options{Seed: 7})
	c := m365.Connector{Now: cloud.Clock.Now, Sleep: func(ctx context.Context, d time.Duration) error {
		cloud.Clock.Advance(d)
		return ctx.Err()
	}}
	d := cloud.Demo
	env := connecttest.New(t, db, cloud, c, connecttest.Options{Work: true,
		Log:    slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clouds: config.Clouds{AzureClientID: d.App.ClientID, AzureClientSecret: d.App.Secret, AzureAuthority: cloud.EntraURL, Graph: cloud.GraphURL, ExchangeOnline: cloud.GraphURL}})
	env.Service.Now = domain.Now
	return &world{Env: env, svc: m365analytics.New(env.Store)}
}

func (w *world) consent() {
	w.T.Helper()
	connecttest.AdminConsent(w.T, w.Cloud, w.Cloud.Demo.Customer.ID, w.Cloud.Demo.Admin.UPN, m365.GraphScope)
}

func (w *world) connect() connect.Connection {
	w.T.Helper()
	return w.Create(connect.KindM365, "Contoso 365", m365.Settings{TenantID: w.Cloud.Demo.Customer.ID})
}

func (w *world) sync(c connect.Connection, want string) store.ConnectionSync {
	w.T.Helper()
	y := w.Sync(c)
	if y.State != want {
		w.T.Fatalf("sync %s, want %s: %s %s", y.State, want, y.Error, y.Warnings)
	}
	return y
}

func (w *world) overview(c connect.Connection) m365analytics.Overview {
	w.T.Helper()
	o, err := w.svc.Overview(w.Ctx, w.Owner, c.ID, 90)
	if err != nil {
		w.T.Fatal(err)
	}
	return o
}

func reasons(o m365analytics.Overview) []string {
	var out []string
	for _, nd := range []*m365analytics.NoData{o.Licences.NoData, o.Services.NoData, o.Reports.NoData, o.Trends.NoData} {
		if nd == nil {
			out = append(out, "")
		} else {
			out = append(out, nd.Reason)
		}
	}
	return out
}

func wantReasons(t *testing.T, o m365analytics.Overview, want ...string) {
	t.Helper()
	if got := reasons(o); strings.Join(got, ",") != strings.Join(want, ",") {
		t.Fatalf("no_data reasons (licences, services, reports, trends) = %q, want %q", got, want)
	}
}

// Before the first sync every table says the import has not run; the
// sync imports the five reports (every licensed member of the tenant in
// the active user report, the licences exactly as Graph counts them), the
// tables fill, and a re-import of the same report date replaces rather
// than adds.
func TestImportFillsAnalyticsIdempotently(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.consent()
		c := w.connect()
		o := w.overview(c)
		wantReasons(t, o, "not_collected", "not_collected", "not_collected", "not_collected")
		if o.Services.NoData.FixURL != "/connections/"+c.ID {
			t.Fatalf("not_collected fix %q", o.Services.NoData.FixURL)
		}
		w.sync(c, store.SyncSucceeded)
		o = w.overview(c)
		wantReasons(t, o, "", "", "", "")
		tenant := w.Cloud.Demo.Customer.ID
		licensed := 0
		for _, u := range w.Cloud.Graph.Users(tenant) {
			if u.UserType == "Member" && len(u.AssignedLicenses) > 0 {
				licensed++
			}
		}
		if o.Status.ReportDate == "" || o.Status.LastImportAt == nil || o.Status.Concealed {
			t.Fatalf("status %+v", o.Status)
		}
		rows, err := w.Store.M365UsageRows(w.Ctx, c.OrgID, c.ID, m365analytics.ReportActiveUsers, o.Services.ReportDate)
		if err != nil || len(rows) != licensed {
			t.Fatalf("active user rows %d, want %d licensed members (%v)", len(rows), licensed, err)
		}
		skus := w.Cloud.Graph.SKUs(tenant)
		if len(o.Licences.Rows) != len(skus) {
			t.Fatalf("licence rows %d, want %d", len(o.Licences.Rows), len(skus))
		}
		for _, k := range skus {
			var got *m365analytics.LicenceRow
			for i := range o.Licences.Rows {
				if o.Licences.Rows[i].SkuID == k.SkuID {
					got = &o.Licences.Rows[i]
				}
			}
			if got == nil || got.Purchased != int64(k.Enabled) || got.Assigned != int64(k.Consumed) ||
				got.Unassigned != max(0, int64(k.Enabled-k.Consumed)) || got.MonthlyCost != "" {
				t.Fatalf("licence %s: %+v, sandbox %+v", k.SkuPartNumber, got, k)
			}
		}
		var exch m365analytics.ServiceRow
		for _, r := range o.Services.Rows {
			if r.Service == m365analytics.ServiceExchange {
				exch = r
			}
		}
		if exch.Active == 0 || exch.Inactive == 0 {
			t.Fatalf("exchange active %d inactive %d: the sandbox has both", exch.Active, exch.Inactive)
		}
		inactive, err := w.svc.Users(w.Ctx, w.Owner, c.ID, m365analytics.UserFilter{Service: "exchange", State: "inactive"})
		if err != nil || int64(len(inactive.Rows)) != exch.Inactive || inactive.NoData != nil {
			t.Fatalf("inactive exchange users %d, chart says %d (%v, %+v)", len(inactive.Rows), exch.Inactive, err, inactive.NoData)
		}
		for _, u := range inactive.Rows {
			if u.Active || !strings.Contains(u.Key, "@") || u.ObjectID == "" {
				t.Fatalf("inactive drill-down row %+v", u)
			}
		}
		// A second sync of the same day replaces: same rows, one import per report and date.
		w.sync(c, store.SyncSucceeded)
		again, err := w.Store.M365UsageRows(w.Ctx, c.OrgID, c.ID, m365analytics.ReportActiveUsers, o.Services.ReportDate)
		if err != nil || len(again) != len(rows) {
			t.Fatalf("re-import: %d rows, want %d (%v)", len(again), len(rows), err)
		}
		for _, rep := range m365analytics.Reports {
			imps, err := w.Store.M365UsageImports(w.Ctx, c.OrgID, c.ID, rep, "")
			if err != nil || len(imps) != 1 {
				t.Fatalf("%s imports %d (%v)", rep, len(imps), err)
			}
		}
		// The next day's import adds a day to the trends.
		w.Cloud.Clock.Advance(24 * time.Hour)
		w.sync(c, store.SyncSucceeded)
		o = w.overview(c)
		days := 0
		for _, d := range o.Trends.Days {
			if d.Active != nil {
				days++
			}
		}
		if days != 2 {
			t.Fatalf("trend days with activity %d, want 2: %+v", days, o.Trends.Days)
		}
		var buf bytes.Buffer
		if err := m365analytics.WriteServicesCSV(&buf, o.Services); err != nil {
			t.Fatal(err)
		}
		recs, err := csv.NewReader(&buf).ReadAll()
		if err != nil || len(recs) != 1+len(m365analytics.Services) || recs[0][2] != "service" {
			t.Fatalf("services CSV %q (%v)", recs, err)
		}
	})
}

// Consent revoked before the first import: every table says Canopy is not
// authorized and links to the re-authorization.
func TestNotAuthorizedWhenConsentRevoked(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.consent()
		c := w.connect()
		w.Cloud.Entra.RevokeConsent(w.Cloud.Demo.Customer.ID, w.Cloud.Demo.App.ClientID)
		w.sync(c, store.SyncFailed)
		o := w.overview(c)
		wantReasons(t, o, "not_authorized", "not_authorized", "not_authorized", "not_authorized")
		nd := o.Services.NoData
		if nd.FixURL != "/m365/analytics/reauthorize?connection="+c.ID || !strings.Contains(nd.Message, "consent") {
			t.Fatalf("not_authorized: %+v", nd)
		}
		if o.Status.ErrorKind != "not_authorized" {
			t.Fatalf("status %+v", o.Status)
		}
	})
}

// Reports.Read.All missing: the directory syncs, the reports are refused
// (403), and usage says not authorized; licences still show.
func TestNotAuthorizedWithoutReportsPermission(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.consent()
		w.Cloud.Entra.IncompleteConsent(w.Cloud.Demo.Customer.ID, w.Cloud.Demo.App.ClientID, "Reports.Read.All")
		c := w.connect()
		w.sync(c, store.SyncPartial)
		o := w.overview(c)
		wantReasons(t, o, "", "not_authorized", "not_authorized", "")
		if !strings.Contains(o.Services.NoData.Message, "Reports.Read.All") {
			t.Fatalf("message %q", o.Services.NoData.Message)
		}
	})
}

// A tenant without users: the import ran and found nothing in the period.
func TestNoActivity(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.consent()
		cust := w.Cloud.Demo.Customer
		w.Cloud.Graph.AddTenant(cust.ID, cust.Name, cust.Domain, 0)
		w.Cloud.Graph.SetConcealedNames(cust.ID, false)
		c := w.connect()
		w.sync(c, store.SyncSucceeded)
		o := w.overview(c)
		if o.Services.NoData == nil || o.Services.NoData.Reason != m365analytics.ReasonNoActivity {
			t.Fatalf("services no_data %+v", o.Services.NoData)
		}
		l, err := w.svc.Users(w.Ctx, w.Owner, c.ID, m365analytics.UserFilter{Service: "teams", State: "active"})
		if err != nil || l.NoData == nil || l.NoData.Reason != m365analytics.ReasonNoActivity {
			t.Fatalf("drill-down %+v (%v)", l.NoData, err)
		}
	})
}

// Names concealed by the tenant's setting: the import detects it (setting
// and hashed names), counts still work, the drill-down shows hashed IDs
// and says why.
func TestNamesConcealed(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.consent()
		w.Cloud.Graph.SetConcealedNames(w.Cloud.Demo.Customer.ID, true)
		c := w.connect()
		w.sync(c, store.SyncPartial) // the recommendations warn too
		o := w.overview(c)
		if !o.Status.Concealed || o.Services.NoData != nil {
			t.Fatalf("status %+v services %+v", o.Status, o.Services.NoData)
		}
		st, err := w.Store.M365ReportState(w.Ctx, c.OrgID, c.ID)
		if err != nil || !st.ConcealedSetting || !st.ConcealedRows {
			t.Fatalf("state %+v (%v)", st, err)
		}
		l, err := w.svc.Users(w.Ctx, w.Owner, c.ID, m365analytics.UserFilter{Service: "exchange"})
		if err != nil || l.NoData == nil || l.NoData.Reason != m365analytics.ReasonNamesConcealed || len(l.Rows) == 0 {
			t.Fatalf("drill-down %+v rows %d (%v)", l.NoData, len(l.Rows), err)
		}
		if strings.Contains(l.Rows[0].Key, "@") || len(l.Rows[0].Key) != 32 {
			t.Fatalf("concealed key %q", l.Rows[0].Key)
		}
		if !strings.Contains(l.NoData.Message, "Display concealed user, group, and site names in all reports") {
			t.Fatalf("explanation %q", l.NoData.Message)
		}
	})
}

// Another organisation's member sees none of it; a member without
// m365.read is refused.
func TestTenancyAndPermission(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.consent()
		c := w.connect()
		now := domain.Now()
		other := domain.Org{ID: domain.NewID(domain.PrefixOrg), Name: "Org B", CreatedAt: now, UpdatedAt: now}
		if err := w.Store.CreateOrg(w.Ctx, other); err != nil {
			t.Fatal(err)
		}
		g := []auth.Grant{{Role: auth.RoleOwner}}
		stranger := &auth.Principal{User: domain.User{ID: domain.NewID(domain.PrefixUser)}, Org: other, Grants: g, Perms: auth.OrgPermissions(g)}
		if _, err := w.svc.Overview(w.Ctx, stranger, c.ID, 30); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("other org: %v", err)
		}
		list, err := w.svc.Connections(w.Ctx, stranger)
		if err != nil || len(list) != 0 {
			t.Fatalf("other org's connections %v (%v)", list, err)
		}
		none := &auth.Principal{User: w.Owner.User, Org: w.Owner.Org}
		if _, err := w.svc.Overview(w.Ctx, none, c.ID, 30); domain.ErrorCode(err) != domain.CodeForbidden {
			t.Fatalf("no permission: %v", err)
		}
	})
}
