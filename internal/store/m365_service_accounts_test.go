package store_test

import (
	"context"
	"errors"
	"testing"

	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

// Collector keys: one active at a time, retiring frees the slot. Service
// accounts stay in their organisation; the check result and a rotation's
// re-encryption change only what they say.
func TestCollectorKeysAndServiceAccounts(t *testing.T) {
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		ctx, s := context.Background(), store.New(db)
		if _, err := s.ActiveCollectorKey(ctx); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("no key yet: %v", err)
		}
		k1, err := s.CreateCollectorKey(ctx, store.CollectorKey{KID: "ck-1", PublicJWK: []byte(`{"kid":"ck-1"}`), PrivateSealed: "sealed-1"})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateCollectorKey(ctx, store.CollectorKey{KID: "ck-2", PublicJWK: []byte(`{}`), PrivateSealed: "x"}); !errors.Is(err, store.ErrActiveKeyExists) {
			t.Fatalf("a second active key: %v", err)
		}
		a, b := newOrg(t, s, "A"), newOrg(t, s, "B")
		conn := m365Conn(t, s, a, "Contoso")
		acct := store.M365ServiceAccount{OrgID: b, ConnectionID: conn, Username: "svc@contoso.test", PasswordJWE: "j.w.e.1.x", KID: k1.KID}
		if _, err := s.PutM365ServiceAccount(ctx, acct); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B puts onto A's connection: %v", err)
		}
		acct.OrgID = a
		if _, err := s.PutM365ServiceAccount(ctx, acct); err != nil {
			t.Fatal(err)
		}
		if _, err := s.GetM365ServiceAccount(ctx, b, conn); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B reads A's account: %v", err)
		}
		if err := s.RecordM365ServiceAccountCheck(ctx, a, conn, store.ServiceAccountOK, "fine", true); err != nil {
			t.Fatal(err)
		}
		if err := s.RecordM365ServiceAccountCheck(ctx, a, conn, store.ServiceAccountWrongPassword, "AADSTS50126", false); err != nil {
			t.Fatal(err)
		}
		got, _ := s.GetM365ServiceAccount(ctx, a, conn)
		if got.CheckState != store.ServiceAccountWrongPassword || got.LastUsedAt == nil || got.CheckedAt == nil || got.KID != "ck-1" {
			t.Fatalf("after two checks: %+v", got)
		}
		if err := s.RetireCollectorKey(ctx, "ck-1"); err != nil {
			t.Fatal(err)
		}
		if _, err := s.CreateCollectorKey(ctx, store.CollectorKey{KID: "ck-2", PublicJWK: []byte(`{}`), PrivateSealed: "x"}); err != nil {
			t.Fatalf("a new key after retiring: %v", err)
		}
		if err := s.ReencryptM365ServiceAccount(ctx, a, conn, "ck-9", "new.j.w.e.x", "ck-2"); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("re-encrypting from the wrong key: %v", err)
		}
		if err := s.ReencryptM365ServiceAccount(ctx, a, conn, "ck-1", "new.j.w.e.x", "ck-2"); err != nil {
			t.Fatal(err)
		}
		if list, _ := s.ListM365ServiceAccountsByKey(ctx, "ck-2"); len(list) != 1 || list[0].PasswordJWE != "new.j.w.e.x" || list[0].CheckState != store.ServiceAccountWrongPassword {
			t.Fatalf("after re-encryption: %+v", list)
		}
		if keys, _ := s.ListCollectorKeys(ctx); len(keys) != 2 || keys[1].Status != store.CollectorKeyRetired && keys[0].Status != store.CollectorKeyRetired {
			t.Fatalf("keys %+v", keys)
		}
		if err := s.DeleteM365ServiceAccount(ctx, b, conn); domain.ErrorCode(err) != domain.CodeNotFound {
			t.Fatalf("B deletes A's account: %v", err)
		}
		if err := s.DeleteM365ServiceAccount(ctx, a, conn); err != nil {
			t.Fatal(err)
		}
	})
}
