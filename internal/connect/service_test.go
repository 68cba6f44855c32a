package connect_test

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func TestConnectionsPermissionsTenancySecretsAndAudit(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		name := "Prod"
		if _, err := h.svc.Create(h.ctx, h.finops, h.who, connect.Input{Kind: connect.KindAWS, Name: &name}); !isCode(err, domain.CodeForbidden) {
			t.Fatalf("finops created a connection: %v", err)
		}
		if _, err := h.svc.List(h.ctx, h.viewer); !isCode(err, domain.CodeForbidden) {
			t.Fatalf("viewer listed connections: %v", err)
		}
		if _, err := h.svc.Create(h.ctx, h.owner, h.who, connect.Input{Kind: "gcp", Name: &name}); domain.ErrorField(err) != "kind" {
			t.Fatalf("unknown kind: %v", err)
		}
		c := h.create(t, h.owner, "Prod AWS", "s3cr3t-key")
		if !strings.HasPrefix(c.ID, "con_") || c.SyncHour != connect.DefaultSyncHour || !c.Enabled || c.Status != store.ConnectionNew {
			t.Fatalf("created %+v", c)
		}
		if bytes.Contains(c.Secret, []byte("s3cr3t-key")) || len(c.Secret) == 0 {
			t.Fatal("the secret is stored in the clear")
		}
		h.create(t, h.b, "Prod AWS", "other") // the same name in another org is fine
		if list, err := h.svc.List(h.ctx, h.finops); err != nil || len(list) != 1 || list[0].ID != c.ID {
			t.Fatalf("finops list: %+v %v", list, err)
		}
		for _, err := range []error{get(h, c.ID), doctor(h, c.ID), syncs(h, c.ID)} {
			if !isCode(err, domain.CodeNotFound) {
				t.Fatalf("org B reached org A's connection: %v", err)
			}
		}
		newName, hour := "Production AWS", 5
		u, err := h.svc.Update(h.ctx, h.owner, h.who, c.ID, connect.Input{Name: &newName, SyncHour: &hour})
		if err != nil || u.Name != newName || u.SyncHour != 5 || !bytes.Equal(u.Secret, c.Secret) || string(u.Settings) != `{"account_id":"123456789012"}` {
			t.Fatalf("update without a secret: %+v %v", u, err)
		}
		bad := 24
		if _, err := h.svc.Update(h.ctx, h.owner, h.who, c.ID, connect.Input{SyncHour: &bad}); domain.ErrorField(err) != "sync_hour" {
			t.Fatalf("hour 24: %v", err)
		}
		if _, err := h.svc.Update(h.ctx, h.owner, h.who, c.ID, connect.Input{Settings: []byte(`[1]`)}); domain.ErrorField(err) != "settings" {
			t.Fatalf("settings array: %v", err)
		}
		if err := h.svc.Delete(h.ctx, h.b, h.who, c.ID); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("org B deleted A's connection: %v", err)
		}
		assertAuditNoSecret(t, h, "connection.create", "connection.update")
		if err := h.svc.Delete(h.ctx, h.owner, h.who, c.ID); err != nil {
			t.Fatal(err)
		}
		if err := get(h, c.ID); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("deleted connection still there: %v", err)
		}
	})
}

func get(h *harness, id string) error {
	_, err := h.svc.Get(h.ctx, h.b, id)
	return err
}

func doctor(h *harness, id string) error {
	_, err := h.svc.Doctor(h.ctx, h.b, id)
	return err
}

func syncs(h *harness, id string) error {
	_, _, err := h.svc.Syncs(h.ctx, h.b, id, 10, "")
	return err
}

func assertAuditNoSecret(t *testing.T, h *harness, actions ...string) {
	t.Helper()
	log, err := h.st.ListAudit(h.ctx, h.owner.Org.ID, store.AuditFilter{Limit: 50})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range log.Items {
		b, _ := json.Marshal(e)
		if bytes.Contains(b, []byte("s3cr3t")) {
			t.Fatalf("audit entry holds the secret: %s", b)
		}
		seen[e.Action] = true
	}
	for _, a := range actions {
		if !seen[a] {
			t.Fatalf("no %s audit entry in %+v", a, log.Items)
		}
	}
}

func TestDoctorStoresTheLatestProbe(t *testing.T) {
	t.Parallel()
	storetest.Run(t, func(t *testing.T, db *store.DB) {
		h := newHarness(t, db)
		c := h.create(t, h.owner, "Prod", "key")
		if got, err := h.svc.Doctor(h.ctx, h.finops, c.ID); err != nil || len(got) != 0 {
			t.Fatalf("before a run: %+v %v", got, err)
		}
		if _, err := h.svc.RunDoctor(h.ctx, h.finops, c.ID); !isCode(err, domain.CodeForbidden) {
			t.Fatalf("finops ran the doctor: %v", err)
		}
		if _, err := h.svc.RunDoctor(h.ctx, h.b, c.ID); !isCode(err, domain.CodeNotFound) {
			t.Fatalf("org B ran A's doctor: %v", err)
		}
		for range 2 {
			if _, err := h.svc.RunDoctor(h.ctx, h.owner, c.ID); err != nil {
				t.Fatal(err)
			}
		}
		got, err := h.svc.Doctor(h.ctx, h.finops, c.ID)
		if err != nil || len(got) != 2 || got[0].Feature != "Costs" || !got[0].Granted || got[1].Granted ||
			got[1].Fix != "aws-support-plan" || !got[1].ProbedAt.Equal(clock) {
			t.Fatalf("checks: %+v %v", got, err)
		}
	})
}
