package app

import (
	"context"
	"testing"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/delegation"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// After a Microsoft 365 sync, the m365_auto_remediate job fixes the
// deviations of an OU whose configuration policy remediates
// automatically, through the sandbox's Graph, and audits the run.
func TestAutomaticRemediationAfterSync(t *testing.T) {
	a, _ := openServingApp(t)
	ctx := context.Background()
	cloud, org := startDemoOrg(t, a)
	connID := waitM365Sync(t, a, org.ID)
	owner := &auth.Principal{User: domain.User{ID: "system-test", Email: "owner@test"}, Org: org,
		Grants: []auth.Grant{{Role: auth.RoleOwner}}, Perms: auth.OrgPermissions([]auth.Grant{{Role: auth.RoleOwner}})}
	who := audit.Actor{Email: "owner@test"}
	paris, err := a.Delegation.CreateOU(ctx, owner, who, delegation.OUInput{ConnectionID: connID, Name: "Paris",
		Rules: []delegation.Rule{{Conditions: []delegation.Condition{{Attribute: "city", Operator: "equals", Values: []string{"Paris"}}}}}})
	if err != nil {
		t.Fatal(err)
	}
	on := true
	if _, err := a.Delegation.SetRequirements(ctx, owner, who, paris.ID, []delegation.Requirement{{Attribute: "usageLocation", Value: "BE"}}, &on); err != nil {
		t.Fatal(err)
	}
	rep, err := a.Delegation.Compliance(ctx, owner, connID)
	if err != nil || rep.Total == 0 {
		t.Fatalf("no deviations to fix: %+v %v", rep, err)
	}
	// The next sync (as the daily schedule would queue it) triggers the job.
	if _, err := a.Connections.SyncNow(ctx, owner, who, connID); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second) // a bound for a loaded machine, not a timing check
	for {
		log, err := a.Store.ListAudit(ctx, org.ID, store.AuditFilter{Action: "m365.compliance.auto_remediate", Limit: 5})
		if err != nil {
			t.Fatal(err)
		}
		if len(log.Items) > 0 {
			break
		}
		if time.Now().After(deadline) {
			syncs, _ := a.Store.ListSyncs(ctx, org.ID, connID, 3, nil)
			for _, y := range syncs {
				t.Logf("sync %s %s %s %s", y.ID, y.State, y.Error, y.Warnings)
			}
			on, err := a.Delegation.HasAutoRemediation(ctx, org.ID, connID)
			t.Logf("has auto %v %v", on, err)
			_, err = a.Delegation.AutoRemediate(ctx, org.ID, connID)
			t.Fatalf("no automatic remediation after the sync (direct run: %v)", err)
		}
		time.Sleep(200 * time.Millisecond)
	}
	for _, u := range cloud.Graph.Users(cloud.Demo.Customer.ID) {
		if u.City == "Paris" && u.DeletedDateTime.IsZero() && u.UsageLocation != "BE" {
			t.Fatalf("%s still has usage location %s", u.UserPrincipalName, u.UsageLocation)
		}
	}
	rep, err = a.Delegation.Compliance(ctx, owner, connID)
	if err != nil || rep.Total != 0 || rep.LastAuto == nil || rep.LastAuto.Summary["done"] == 0 {
		t.Fatalf("report after: total %d last %+v %v", rep.Total, rep.LastAuto, err)
	}
}
