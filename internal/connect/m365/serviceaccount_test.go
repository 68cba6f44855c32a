package m365_test

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"strings"
	"testing"
	"time"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/connect/m365"
	"github.com/canopyhq/canopy/internal/sandbox"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
	"github.com/canopyhq/canopy/internal/svcaccount"
	"github.com/canopyhq/canopy/internal/svcaccount/collector"
)

// withAccounts gives the world's connector the collector's service
// accounts and returns the service that sets them (as the web does).
func withAccounts(w *world) (*svcaccount.Service, *int) {
	keys := &collector.Keys{Store: w.Store, Vault: w.Service.Vault, Bits: 2048}
	decrypted := new(int)
	clock := w.Cloud.Clock
	w.Service.Connectors.Register(m365.Connector{Now: clock.Now, Sleep: func(ctx context.Context, d time.Duration) error {
		clock.Advance(d)
		return ctx.Err()
	}, Accounts: collector.Accounts{Keys: keys, Decrypted: func() { *decrypted++ }}})
	return &svcaccount.Service{Store: w.Store, Keys: keys}, decrypted
}

// encryptTo makes the JWE a browser makes, from the served JWK.
func encryptTo(t *testing.T, svc *svcaccount.Service, password string) string {
	t.Helper()
	row, err := svc.Keys.ActivePublic(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var jwk jose.JSONWebKey
	if err := json.Unmarshal(row.PublicJWK, &jwk); err != nil {
		t.Fatal(err)
	}
	jwe, err := collector.Encrypt([]byte(password), jwk.Key.(*rsa.PublicKey), jwk.KeyID)
	if err != nil {
		t.Fatal(err)
	}
	return jwe
}

func (w *world) doctorRow(c connect.Connection, feature string) store.ConnectionCheck {
	w.T.Helper()
	checks, err := w.Service.RunDoctor(w.Ctx, w.Owner, c.ID)
	if err != nil {
		w.T.Fatal(err)
	}
	for _, ch := range checks {
		if ch.Feature == feature {
			return ch
		}
	}
	w.T.Fatalf("no doctor row %q in %+v", feature, checks)
	return store.ConnectionCheck{}
}

// The sync decrypts the service account's password only when it needs
// it, signs in with the resource-owner password grant and makes the
// user-context call (GET /me, refused to app tokens); a wrong password is
// Entra's AADSTS50126, shown with its fix; the doctor reports each state
// without decrypting.
func TestSyncSignsInAsTheServiceAccount(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		svc, decrypted := withAccounts(w)
		w.consent()
		c := w.connect()
		if ch := w.doctorRow(c, "Service account"); ch.Granted || !strings.Contains(ch.Detail, "Not set") || ch.Fix != m365.HelpServiceAccount {
			t.Fatalf("doctor without an account: %+v", ch)
		}
		upn := w.Cloud.Demo.ServiceAccount.UPN
		if _, err := svc.Set(w.Ctx, w.Owner, w.Actor, c.ID, svcaccount.Input{Username: upn, PasswordJWE: encryptTo(t, svc, "not the password")}); err != nil {
			t.Fatal(err)
		}
		if ch := w.doctorRow(c, "Service account"); ch.Granted || !strings.Contains(ch.Detail, "not used yet") || *decrypted != 0 {
			t.Fatalf("doctor before a sync: %+v (decrypted %d times)", ch, *decrypted)
		}
		y := w.Sync(c)
		if y.State != store.SyncPartial || !strings.Contains(string(y.Warnings), "AADSTS50126") {
			t.Fatalf("sync with a wrong password: %s %s %s", y.State, y.Error, y.Warnings)
		}
		a, _ := svc.Get(w.Ctx, w.Owner, c.ID)
		if a.State != store.ServiceAccountWrongPassword || a.LastUsedAt != nil || !strings.Contains(a.Detail, "enter the account's current password") {
			t.Fatalf("after a wrong password: %+v", a)
		}
		if ch := w.doctorRow(c, "Service account"); ch.Granted || !strings.Contains(ch.Detail, "AADSTS50126") || ch.Fix != m365.HelpServiceAccount {
			t.Fatalf("doctor after a wrong password: %+v", ch)
		}
		if _, err := svc.Set(w.Ctx, w.Owner, w.Actor, c.ID, svcaccount.Input{Username: upn, PasswordJWE: encryptTo(t, svc, sandbox.DemoPassword)}); err != nil {
			t.Fatal(err)
		}
		before := *decrypted
		if y := w.Sync(c); y.State != store.SyncSucceeded {
			t.Fatalf("sync with the right password: %s %s %s", y.State, y.Error, y.Warnings)
		}
		a, _ = svc.Get(w.Ctx, w.Owner, c.ID)
		if a.State != store.ServiceAccountOK || a.LastUsedAt == nil || !strings.Contains(a.Detail, "Signed in as "+upn) || *decrypted != before+1 {
			t.Fatalf("after the right password: %+v (decrypted %d → %d)", a, before, *decrypted)
		}
		if ch := w.doctorRow(c, "Service account"); !ch.Granted || *decrypted != before+1 {
			t.Fatalf("doctor after it worked: %+v", ch)
		}
		// The delegated token read the mailbox statistics (Exchange Online
		// refuses app-only tokens): one snapshot of today, replaced (not
		// doubled) by a second sync of the same day.
		stats, err := w.Store.LatestM365MailboxStats(w.Ctx, c.OrgID, c.ID)
		if err != nil || len(stats) == 0 || !strings.Contains(a.Detail, "mailbox statistics of") {
			t.Fatalf("mailbox stats: %d %v (%s)", len(stats), err, a.Detail)
		}
		kinds := map[string]int{}
		for _, m := range stats {
			kinds[m.RecipientType]++
			if m.TotalBytes <= 0 || m.MailboxID == "" || m.UPN == "" {
				t.Fatalf("mailbox row %+v", m)
			}
		}
		if kinds["UserMailbox"] == 0 || kinds["SharedMailbox"]+kinds["RoomMailbox"] == 0 {
			t.Fatalf("kinds %v", kinds)
		}
		if y := w.Sync(c); y.State != store.SyncSucceeded {
			t.Fatalf("second sync: %s %s %s", y.State, y.Error, y.Warnings)
		}
		again, err := w.Store.LatestM365MailboxStats(w.Ctx, c.OrgID, c.ID)
		if err != nil || len(again) != len(stats) {
			t.Fatalf("second sync of the day: %d rows, first %d (%v)", len(again), len(stats), err)
		}
	})
}

// A service account that signs in but holds no Exchange or Global Reader
// role gets Exchange Online's refusal: the sync is partial, the reason is
// recorded, and no mailbox statistics are stored.
func TestSyncMailboxStatisticsNeedARole(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		w := newWorld(t, db)
		svc, _ := withAccounts(w)
		w.consent()
		c := w.connect()
		u := w.Cloud.Entra.AddUser(w.Cloud.Demo.Customer.ID, "svc-norole@contoso.onmicrosoft.com", sandbox.DemoPassword, false)
		if _, err := svc.Set(w.Ctx, w.Owner, w.Actor, c.ID, svcaccount.Input{Username: u.UPN, PasswordJWE: encryptTo(t, svc, sandbox.DemoPassword)}); err != nil {
			t.Fatal(err)
		}
		y := w.Sync(c)
		if y.State != store.SyncPartial || !strings.Contains(string(y.Warnings), "Get-MailboxStatistics") {
			t.Fatalf("sync: %s %s %s", y.State, y.Error, y.Warnings)
		}
		a, _ := svc.Get(w.Ctx, w.Owner, c.ID)
		if a.State != store.ServiceAccountFailed || !strings.Contains(a.Detail, "management roles") || a.LastUsedAt == nil {
			t.Fatalf("account: %+v", a)
		}
		if stats, err := w.Store.LatestM365MailboxStats(w.Ctx, c.OrgID, c.ID); err != nil || len(stats) != 0 {
			t.Fatalf("stats stored: %d %v", len(stats), err)
		}
	})
}
