package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// The analytics page's Mailboxes section: without a service account it
// says the report needs one and links to the connection page's Service
// account section; after a failed sign-in it shows the recorded reason;
// with a snapshot it shows the types, licensed shared mailboxes and the
// largest mailboxes, and the CSV exports them. Org B gets 404.
func TestM365MailboxesSection(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		f := newFixture(t, db)
		viewer := f.client("viewer-a@example.com")
		ctx, org := context.Background(), f.orgs["A"].ID
		c, err := f.st.CreateConnection(ctx, store.Connection{OrgID: org, Kind: "m365", Name: "Contoso 365",
			Settings: []byte(`{"tenant_id":"contoso.onmicrosoft.com"}`), SyncHour: 3, Enabled: true})
		if err != nil {
			t.Fatal(err)
		}
		page := "/m365/analytics?connection=" + c.ID
		code, body := f.do(viewer, "GET", page, nil)
		if code != http.StatusOK || !strings.Contains(body, `data-reason="service_account_missing"`) ||
			!strings.Contains(body, `href="/connections/`+c.ID+`#service-account"`) {
			t.Fatalf("without an account: %d", code)
		}
		if _, err := f.st.CreateCollectorKey(ctx, store.CollectorKey{KID: "k1", PublicJWK: []byte("{}"), PrivateSealed: "x"}); err != nil {
			t.Fatal(err)
		}
		if _, err := f.st.PutM365ServiceAccount(ctx, store.M365ServiceAccount{OrgID: org, ConnectionID: c.ID, Username: "svc@contoso.test",
			PasswordJWE: "a.b.c.d.e", KID: "k1"}); err != nil {
			t.Fatal(err)
		}
		if err := f.st.RecordM365ServiceAccountCheck(ctx, org, c.ID, store.ServiceAccountFailed, "Microsoft Entra ID refused the sign-in (AADSTS50076)", false); err != nil {
			t.Fatal(err)
		}
		if _, body = f.do(viewer, "GET", page, nil); !strings.Contains(body, `data-reason="service_account_failed"`) || !strings.Contains(body, "AADSTS50076") {
			t.Fatal("failed sign-in not shown")
		}
		if err := f.st.RecordM365ServiceAccountCheck(ctx, org, c.ID, store.ServiceAccountOK, "ok", true); err != nil {
			t.Fatal(err)
		}
		day := time.Now().UTC().Format(time.DateOnly)
		if err := f.st.ReplaceM365MailboxStats(ctx, org, c.ID, day, []store.M365MailboxStat{
			{MailboxID: "u1", UPN: "ada@contoso.test", DisplayName: "Ada Lovelace", RecipientType: "UserMailbox", TotalBytes: 3 << 30, ItemCount: 7},
			{MailboxID: "s1", UPN: "info@contoso.test", DisplayName: "Info desk", RecipientType: "SharedMailbox", TotalBytes: 1 << 20, Licensed: true},
		}); err != nil {
			t.Fatal(err)
		}
		code, body = f.do(viewer, "GET", page, nil)
		if code != http.StatusOK || strings.Contains(body, `data-reason="service_account`) || !strings.Contains(body, `data-type="SharedMailbox"`) ||
			!strings.Contains(body, "3.0 GiB") || !strings.Contains(body, `id="m365-licensed-shared"`) || !strings.Contains(body, "Info desk (info@contoso.test, SharedMailbox") {
			t.Fatalf("with a snapshot: %d", code)
		}
		if code, body = f.do(viewer, "GET", "/m365/analytics/export.csv?table=mailboxes&connection="+c.ID, nil); code != http.StatusOK ||
			!strings.Contains(body, day+",ada@contoso.test,u1,Ada Lovelace,UserMailbox,3221225472,7") {
			t.Fatalf("CSV: %d %q", code, body)
		}
		if code, _ = f.do(f.client("owner-b@example.com"), "GET", "/m365/analytics/export.csv?table=mailboxes&connection="+c.ID, nil); code != http.StatusNotFound {
			t.Fatalf("org B: %d", code)
		}
	})
}
