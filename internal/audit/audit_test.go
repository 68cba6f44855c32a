package audit_test

import (
	"context"
	"strings"
	"testing"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/store"
	"github.com/canopyhq/canopy/internal/store/storetest"
)

func seedChain(t *testing.T, s *store.Store, n int) {
	t.Helper()
	for i := 0; i < n; i++ {
		err := audit.Record(context.Background(), s, audit.Actor{UserID: "usr_1", Email: "a@example.com", IP: "127.0.0.1"},
			audit.Entry{OrgID: "org_1", Action: "test.event", TargetType: "thing", TargetID: "t", Details: map[string]any{"i": i}})
		if err != nil {
			t.Fatal(err)
		}
	}
}

// dropGuards removes the append-only triggers, as an attacker with direct
// database access could, so the tests can tamper with rows.
func dropGuards(t *testing.T, db *store.DB) {
	t.Helper()
	stmts := []string{"DROP TRIGGER audit_events_no_update", "DROP TRIGGER audit_events_no_delete"}
	if db.Engine == store.Postgres {
		stmts = []string{"DROP TRIGGER audit_events_no_update ON audit_events"}
	}
	for _, q := range stmts {
		if _, err := db.W.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
}

func TestVerifyDetectsTampering(t *testing.T) {
	cases := map[string]struct {
		sql  string
		want string
	}{
		"changed":     {"UPDATE audit_events SET actor_email = 'mallory@example.com' WHERE seq = 3", "changed"},
		"deleted":     {"DELETE FROM audit_events WHERE seq = 2", "missing"},
		"deleted-end": {"DELETE FROM audit_events WHERE seq = 5", "head"},
		"rehashed":    {"UPDATE audit_events SET action = 'x', hash = 'abc' WHERE seq = 4", "previous-hash"},
	}
	for name, c := range cases {
		t.Run(name, func(t *testing.T) {
			storetest.Run(t, func(t *testing.T, db *store.DB) {
				s := store.New(db)
				seedChain(t, s, 5)
				rep, err := audit.Verify(context.Background(), s)
				if err != nil || !rep.OK() || rep.Entries != 5 {
					t.Fatalf("intact chain: %+v %v", rep, err)
				}
				dropGuards(t, db)
				if _, err := db.W.Exec(c.sql); err != nil {
					t.Fatal(err)
				}
				rep, err = audit.Verify(context.Background(), s)
				if err != nil || rep.OK() {
					t.Fatalf("tampering not detected: %+v %v", rep, err)
				}
				if !hasProblem(rep, c.want) {
					t.Fatalf("want a problem about %q, got %+v", c.want, rep.Problems)
				}
			})
		})
	}
}

func hasProblem(rep audit.Report, want string) bool {
	for _, p := range rep.Problems {
		if strings.Contains(p.Reason, want) {
			return true
		}
	}
	return false
}
