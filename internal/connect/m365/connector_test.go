package m365_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/sandbox/graph"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Every sandbox user is imported once with every field, the SKUs' consumed
// units match, and a second sync changes nothing.
func TestSyncImportsTheTenantOnceAndAgainIdempotently(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		w.consent()
		c := w.connect()
		y := w.Sync(c)
		if y.State != store.SyncSucceeded {
			t.Fatalf("sync %s: %s %s", y.State, y.Error, y.Warnings)
		}
		first := w.users(c.OrgID)
		if y.Rows < int64(len(first)) { // users, licences and groups stored
			t.Fatalf("the sync history counts %d rows for %d users", y.Rows, len(first))
		}
		w.assertUsers(first)
		w.assertManagersAndMFA(first)
		w.assertSKUs(c.OrgID)
		if g, m, _ := w.Store.M365GroupCount(w.Ctx, c.OrgID, c.ID); g == 0 || m == 0 {
			t.Fatalf("groups %d members %d", g, m)
		}
		if y := w.Sync(c); y.State != store.SyncSucceeded {
			t.Fatalf("re-sync %s: %s", y.State, y.Error)
		}
		again := w.users(c.OrgID)
		if len(again) != len(first) {
			t.Fatalf("re-sync: %d users, was %d", len(again), len(first))
		}
		for i := range again {
			a, b := again[i], first[i]
			if a.DeletedAt != nil || !a.FirstSeen.Equal(b.FirstSeen) || a.ObjectID != b.ObjectID {
				t.Fatalf("re-sync changed %s: %+v", a.ObjectID, a)
			}
		}
	})
}

func (w *world) users(orgID string) []store.M365User {
	w.T.Helper()
	list, _, err := w.Store.ListM365Users(w.Ctx, orgID, store.M365UserFilter{IncludeDeleted: true, Limit: 500})
	if err != nil {
		w.T.Fatal(err)
	}
	return list
}

// assertManagersAndMFA checks the managers ($expand=manager) and the MFA
// registration (registration report) the sync stored.
func (w *world) assertManagersAndMFA(got []store.M365User) {
	w.T.Helper()
	byID := map[string]store.M365User{}
	for _, u := range got {
		byID[u.ObjectID] = u
	}
	managed, registered := 0, 0
	for _, s := range w.Cloud.Graph.Users(w.Cloud.Demo.Customer.ID) {
		mfa := slices.ContainsFunc(s.AuthMethods, func(m string) bool { return m != "email" })
		g := byID[s.ID]
		if g.ManagerID != s.ManagerID || g.MFARegistered != fmt.Sprint(mfa) {
			w.T.Fatalf("user %s: manager %q MFA %q, sandbox %q %v", s.ID, g.ManagerID, g.MFARegistered, s.ManagerID, mfa)
		}
		if s.ManagerID != "" {
			managed++
		}
		if mfa {
			registered++
		}
	}
	if managed == 0 || registered == 0 {
		w.T.Fatalf("%d managed, %d registered: nothing checked", managed, registered)
	}
}

func (w *world) assertUsers(got []store.M365User) {
	t := w.T
	want := w.Cloud.Graph.Users(w.Cloud.Demo.Customer.ID)
	byID := map[string]store.M365User{}
	for _, u := range got {
		if _, dup := byID[u.ObjectID]; dup {
			t.Fatalf("user %s stored twice", u.ObjectID)
		}
		byID[u.ObjectID] = u
	}
	if len(got) != len(want) || len(want) < 100 {
		t.Fatalf("%d users stored, sandbox has %d", len(got), len(want))
	}
	for _, s := range want {
		if g, ok := byID[s.ID]; !ok || fieldsOf(g) != fieldsOfSandbox(s) {
			t.Fatalf("user %s:\n got  %s\n want %s", s.ID, fieldsOf(g), fieldsOfSandbox(s))
		}
	}
}

func fieldsOf(u store.M365User) string {
	var lic []struct {
		SkuID         string   `json:"skuId"`
		DisabledPlans []string `json:"disabledPlans"`
	}
	_ = json.Unmarshal(u.AssignedLicenses, &lic)
	var ext map[string]string
	_ = json.Unmarshal(u.ExtensionAttributes, &ext)
	return fmt.Sprint(u.DisplayName, "|", u.CompanyName, "|", u.Department, "|", u.GivenName, "|", u.Surname, "|", u.JobTitle,
		"|", u.State, "|", u.PostalCode, "|", u.StreetAddress, "|", u.City, "|", u.PreferredLanguage, "|", u.UsageLocation,
		"|", lic, "|", u.UserPrincipalName, "|", u.OfficeLocation, "|", ext, "|", u.Country, "|", u.UserType, "|",
		u.AccountEnabled, "|", u.Mail)
}

func fieldsOfSandbox(u graph.User) string {
	g := store.M365User{DisplayName: u.DisplayName, CompanyName: u.CompanyName, Department: u.Department, GivenName: u.GivenName,
		Surname: u.Surname, JobTitle: u.JobTitle, State: u.State, PostalCode: u.PostalCode, StreetAddress: u.StreetAddress,
		City: u.City, PreferredLanguage: u.PreferredLanguage, UsageLocation: u.UsageLocation, UserPrincipalName: u.UserPrincipalName,
		OfficeLocation: u.OfficeLocation, Country: u.Country, UserType: u.UserType, AccountEnabled: u.AccountEnabled, Mail: u.Mail}
	var lic []map[string]any
	for _, l := range u.AssignedLicenses {
		lic = append(lic, map[string]any{"skuId": l.SkuID, "disabledPlans": append([]string{}, l.DisabledPlans...)})
	}
	g.AssignedLicenses, _ = json.Marshal(lic)
	ext := map[string]string{}
	for i, v := range u.OnPremisesExtensionAttributes {
		if v != "" {
			ext[fmt.Sprintf("extensionAttribute%d", i+1)] = v
		}
	}
	g.ExtensionAttributes, _ = json.Marshal(ext)
	return fieldsOf(g)
}

func (w *world) assertSKUs(orgID string) {
	t := w.T
	got, _, err := w.Store.ListM365SKUs(w.Ctx, orgID, 100, "")
	if err != nil {
		t.Fatal(err)
	}
	want := w.Cloud.Graph.SKUs(w.Cloud.Demo.Customer.ID)
	if len(got) != len(want) {
		t.Fatalf("%d SKUs stored, sandbox has %d", len(got), len(want))
	}
	for _, s := range want {
		i := slices.IndexFunc(got, func(k store.M365SKU) bool { return k.SkuID == s.SkuID })
		if i < 0 || got[i].ConsumedUnits != int64(s.Consumed) || got[i].PrepaidEnabled != int64(s.Enabled) ||
			got[i].SkuPartNumber != s.SkuPartNumber {
			t.Fatalf("SKU %s (%s): stored %+v, sandbox consumed %d enabled %d", s.SkuPartNumber, s.SkuID, got, s.Consumed, s.Enabled)
		}
	}
}

// Revoked consent fails the sync with the consent fix, and keeps what the
// last good sync stored.
func TestRevokedConsentFailsWithTheConsentFix(t *testing.T) {
	w := newWorld(t, storetest.Open(t, store.SQLite))
	w.consent()
	c := w.connect()
	if y := w.Sync(c); y.State != store.SyncSucceeded {
		t.Fatalf("first sync: %s %s", y.State, y.Error)
	}
	w.Cloud.Entra.RevokeConsent(w.Cloud.Demo.Customer.ID, w.Cloud.Demo.App.ClientID)
	y := w.Sync(c)
	if y.State != store.SyncFailed || !strings.Contains(y.Error, "admin consent") || !strings.Contains(y.Error, "/help/"+m365.HelpConsent) ||
		!strings.Contains(y.Error, "AADSTS700016") {
		t.Fatalf("sync after revocation: %s %q", y.State, y.Error)
	}
	if n := len(w.users(c.OrgID)); n == 0 {
		t.Fatal("the failed sync lost the stored directory")
	}
}

// Throttling is waited out with bounded retries: the sync succeeds and
// sends only a few requests more than an unthrottled one.
func TestThrottlingIsHandledWithBoundedRetries(t *testing.T) {
	w := newWorld(t, storetest.Open(t, store.SQLite))
	w.consent()
	c := w.connect()
	w.Sync(c)
	baseline := w.Cloud.Faults.Count("graph", "/v1.0/")
	w.Cloud.Faults.ResetCounts()
	w.Cloud.Graph.SetThrottle(w.Cloud.Demo.Customer.ID, 4)
	y := w.Sync(c)
	if y.State != store.SyncSucceeded {
		t.Fatalf("throttled sync: %s %s %s", y.State, y.Error, y.Warnings)
	}
	if n := w.Cloud.Faults.Count("graph", "/v1.0/"); n <= baseline || n > 2*baseline {
		t.Fatalf("throttled sync sent %d requests; unthrottled %d", n, baseline)
	}
	if len(w.users(c.OrgID)) != len(w.Cloud.Graph.Users(w.Cloud.Demo.Customer.ID)) {
		t.Fatal("throttled sync lost users")
	}
}

// Concealed report names make the sync partial with the setting's fix;
// a wrong tenant setting is refused.
func TestConcealedNamesWarnAndSettingsAreChecked(t *testing.T) {
	w := newWorld(t, storetest.Open(t, store.SQLite))
	w.consent()
	c := w.connect()
	w.Cloud.Graph.SetConcealedNames(w.Cloud.Demo.Customer.ID, true)
	y := w.Sync(c)
	if y.State != store.SyncPartial || !strings.Contains(string(y.Warnings), "conceal") ||
		!strings.Contains(string(y.Warnings), m365.HelpConcealment) {
		t.Fatalf("sync: %s %s %s", y.State, y.Error, y.Warnings)
	}
	for _, bad := range []string{`{}`, `{"tenant_id": "not a tenant"}`, `[]`} {
		if err := (m365.Connector{}).ValidateSettings([]byte(bad)); domain.ErrorCode(err) != domain.CodeInvalid {
			t.Errorf("settings %s: %v", bad, err)
		}
	}
	checks, err := w.Service.RunDoctor(w.Ctx, w.Owner, c.ID)
	if err != nil || len(checks) != 4 || !checks[0].Granted {
		t.Fatalf("doctor: %+v %v", checks, err)
	}
}

// A conditional-access policy blocking Canopy's sign-in (AADSTS53003) fails
// the sync with that reason and the conditional-access help page, not the
// consent one, and the doctor links the same page for every feature.
func TestConditionalAccessBlockNamesItsFix(t *testing.T) {
	w := newWorld(t, storetest.Open(t, store.SQLite))
	w.consent()
	c := w.connect()
	d := w.Cloud.Demo
	w.Cloud.Entra.BlockByConditionalAccess(d.Customer.ID, d.App.ClientID, true)
	y := w.Sync(c)
	if y.State != store.SyncFailed || !strings.Contains(y.Error, "conditional-access policy") ||
		!strings.Contains(y.Error, "/help/"+m365.HelpConditionalAccess) || !strings.Contains(y.Error, "AADSTS53003") {
		t.Fatalf("sync while blocked: %s %q", y.State, y.Error)
	}
	checks, err := w.Service.RunDoctor(w.Ctx, w.Owner, c.ID)
	if err != nil || len(checks) != 4 {
		t.Fatalf("doctor: %+v %v", checks, err)
	}
	for _, ch := range checks {
		if ch.Granted || ch.Fix != m365.HelpConditionalAccess {
			t.Fatalf("doctor check while blocked: %+v", ch)
		}
	}
	w.Cloud.Entra.BlockByConditionalAccess(d.Customer.ID, d.App.ClientID, false)
	if y := w.Sync(c); y.State == store.SyncFailed {
		t.Fatalf("sync after the exclusion: %s %q", y.State, y.Error)
	}
}
