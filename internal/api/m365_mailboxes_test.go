package api_test

import (
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/m365analytics"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The mailbox section says service_account_missing (with the link to the
// connection page's Service account section) until an account is set,
// service_account_failed with the recorded reason after a failed sign-in,
// and then the statistics: per type, licensed shared mailboxes, no logon
// in 30/90 days, largest; the CSV lists every mailbox; the other
// organisation gets 404.
func TestM365MailboxesAPI(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		conn, org := f.a.dlg.connID, f.a.org.ID
		base := "/api/v1/m365/analytics/" + conn + "/mailboxes"
		var m m365analytics.Mailboxes
		f.do("GET", base, f.a.viewerToken, nil).decode(t, &m)
		if m.NoData == nil || m.NoData.Reason != "service_account_missing" || m.NoData.FixURL != "/connections/"+conn+"#service-account" ||
			!strings.Contains(m.NoData.Message, "needs a user-context service account") {
			t.Fatalf("without an account: %+v", m.NoData)
		}
		if _, err := f.st.CreateCollectorKey(f.ctx, store.CollectorKey{KID: "k1", PublicJWK: []byte("{}"), PrivateSealed: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.PutM365ServiceAccount(f.ctx, store.M365ServiceAccount{OrgID: org, ConnectionID: conn, Username: "svc@alpha.test",
			PasswordJWE: "a.b.c.d.e", KID: "k1"}); err != nil {
			t.Fatal(err)
		}
		f.do("GET", base, f.a.viewerToken, nil).decode(t, &m)
		if m.NoData == nil || m.NoData.Reason != "not_collected" {
			t.Fatalf("account set, unused: %+v", m.NoData)
		}
		if err := f.st.RecordM365ServiceAccountCheck(f.ctx, org, conn, store.ServiceAccountWrongPassword, "AADSTS50126: invalid password", false); err != nil {
			t.Fatal(err)
		}
		f.do("GET", base, f.a.viewerToken, nil).decode(t, &m)
		if m.NoData == nil || m.NoData.Reason != "service_account_failed" || !strings.Contains(m.NoData.Message, "AADSTS50126") {
			t.Fatalf("after a wrong password: %+v", m.NoData)
		}
		if err := f.st.RecordM365ServiceAccountCheck(f.ctx, org, conn, store.ServiceAccountOK, "Signed in", true); err != nil {
			t.Fatal(err)
		}
		now := time.Now().UTC()
		recent, old := now.AddDate(0, 0, -3), now.AddDate(0, 0, -60)
		day := now.Format(time.DateOnly)
		rows := []store.M365MailboxStat{
			{MailboxID: "u1", UPN: "alex@alpha.test", DisplayName: "Alex", RecipientType: "UserMailbox", TotalBytes: 5 << 30, ItemCount: 900, LastLogonAt: &recent, Licensed: true},
			{MailboxID: "u2", UPN: "blake@alpha.test", DisplayName: "Blake", RecipientType: "UserMailbox", TotalBytes: 1 << 30, ItemCount: 100, LastLogonAt: &old, Licensed: true},
			{MailboxID: "s1", UPN: "info@alpha.test", DisplayName: "Info", RecipientType: "SharedMailbox", TotalBytes: 2 << 30, ItemCount: 50, Licensed: true},
			{MailboxID: "r1", UPN: "room@alpha.test", DisplayName: "Room", RecipientType: "RoomMailbox", TotalBytes: 1 << 20, ItemCount: 5, LastLogonAt: &recent},
		}
		// Twice on one day: the second replaces the first.
		for range 2 {
			if err := f.st.ReplaceM365MailboxStats(f.ctx, org, conn, day, rows); err != nil {
				t.Fatal(err)
			}
		}
		f.do("GET", base, f.a.viewerToken, nil).decode(t, &m)
		if m.NoData != nil || m.SnapshotDate != day || m.Total.Mailboxes != 4 || m.Total.TotalBytes != 8<<30+1<<20 {
			t.Fatalf("mailboxes %+v", m)
		}
		if len(m.ByType) != 3 || m.ByType[0].Type != "UserMailbox" || m.ByType[0].Mailboxes != 2 || m.ByType[0].TotalBytes != 6<<30 {
			t.Fatalf("by type %+v", m.ByType)
		}
		if len(m.LicensedShared) != 1 || m.LicensedShared[0].UPN != "info@alpha.test" {
			t.Fatalf("licensed shared %+v", m.LicensedShared)
		}
		if m.NoLogon30 != 2 || m.NoLogon90 != 1 || len(m.Stale) != 1 || m.Stale[0].ID != "s1" {
			t.Fatalf("no logon 30 %d, 90 %d %+v", m.NoLogon30, m.NoLogon90, m.Stale)
		}
		if m.Largest[0].UPN != "alex@alpha.test" || len(m.Largest) != 4 {
			t.Fatalf("largest %+v", m.Largest)
		}
		var o m365analytics.Overview
		f.do("GET", "/api/v1/m365/analytics/"+conn, f.a.viewerToken, nil).decode(t, &o)
		if o.Mailboxes.Total.Mailboxes != 4 {
			t.Fatalf("overview mailboxes %+v", o.Mailboxes)
		}
		res := f.do("GET", base+".csv", f.a.viewerToken, nil)
		res.wantStatus(t, "mailboxes CSV", 200)
		if body := string(res.body); strings.Count(body, "\n") != 5 || !strings.Contains(body, day+",info@alpha.test,s1,Info,SharedMailbox,2147483648,50,,0,,true") {
			t.Fatalf("mailboxes CSV: %s", body)
		}
		f.do("GET", base, f.b.ownerToken, nil).wantError(t, "other org", 404, "not_found")
	})
}
