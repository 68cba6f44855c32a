package app

import (
	"bytes"
	"context"
	"crypto/rsa"
	"encoding/json"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"

	jose "github.com/go-jose/go-jose/v4"

	"github.com/canopyhq/canopy/internal/config"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
	"github.com/canopyhq/canopy/internal/svcaccount"
	"github.com/canopyhq/canopy/internal/svcaccount/collector"
)

// "canopy admin rotate-collector-key" makes a new key, re-encrypts the
// stored password (which still decrypts) and retires the old key; the
// rotation is in the audit log.
func TestRotateCollectorKeyCommand(t *testing.T) {
	for _, e := range storetest.Engines(t) {
		t.Run(string(e), func(t *testing.T) {
			ctx := context.Background()
			cfg := config.Default()
			cfg.DB = storetest.DSN(t, e)
			cfg.KeyFile = filepath.Join(t.TempDir(), "canopy.key")
			if err := cfg.Finish(); err != nil {
				t.Fatal(err)
			}
			a, err := Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			addOwner(t, a, "ines@acme.test", "correct horse battery staple 42")
			conn := m365Connection(t, a, "contoso.onmicrosoft.com")
			org := ownerOrg(t, a, "ines@acme.test")
			sys, _ := a.Auth.SystemPrincipal(ctx, org)
			svc := &svcaccount.Service{Store: a.Store, Keys: a.Collector}
			key, _ := svc.PublicKey(ctx, sys)
			var jwk jose.JSONWebKey
			b, _ := json.Marshal(key)
			_ = json.Unmarshal(b, &jwk)
			jwe, _ := collector.Encrypt([]byte("Rotated-Secret-9"), jwk.Key.(*rsa.PublicKey), jwk.KeyID)
			if _, err := svc.Set(ctx, sys, cliActor, conn, svcaccount.Input{Username: "svc@contoso.onmicrosoft.com", PasswordJWE: jwe}); err != nil {
				t.Fatal(err)
			}
			a.DB.Close()

			var out, errOut bytes.Buffer
			code := Run(ctx, Env{Args: []string{"admin", "rotate-collector-key", "--db", cfg.DB, "--key-file", cfg.KeyFile},
				Stdout: &out, Stderr: &errOut, Getenv: func(string) string { return "" }})
			if code != 0 || !strings.Contains(out.String(), "Re-encrypted 1 service account password(s).") || !strings.Contains(out.String(), key.Kid+" is retired") {
				t.Fatalf("exit %d\n%s\n%s", code, out.String(), errOut.String())
			}

			a, err = Open(ctx, cfg, slog.New(slog.NewTextHandler(io.Discard, nil)))
			if err != nil {
				t.Fatal(err)
			}
			defer a.DB.Close()
			row, _ := a.Store.GetM365ServiceAccount(ctx, org, conn)
			active, _ := a.Store.ActiveCollectorKey(ctx)
			old, _ := a.Store.GetCollectorKey(ctx, key.Kid)
			plain, err := a.Collector.Decrypt(ctx, row.PasswordJWE)
			if row.KID != active.KID || active.KID == key.Kid || old.Status != store.CollectorKeyRetired || err != nil || string(plain) != "Rotated-Secret-9" {
				t.Fatalf("after rotation: row kid %s, active %s, old %s, decrypts %q (%v)", row.KID, active.KID, old.Status, plain, err)
			}
			page, _ := a.Store.ListAudit(ctx, org, store.AuditFilter{Action: "m365.service_account.reencrypt"})
			if len(page.Items) != 1 || page.Items[0].ActorEmail != "cli" {
				t.Fatalf("audit %+v", page.Items)
			}
		})
	}
}
