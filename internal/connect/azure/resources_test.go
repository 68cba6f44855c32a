package azureconn_test

import (
	"errors"
	"maps"
	"strings"
	"testing"
	"time"

	"github.com/cockroachdb/apd/v3"

	"github.com/canopyhq/canopy/internal/billing"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	sbxarm "github.com/canopyhq/canopy/internal/sandbox/arm"
)

func listResources(t *testing.T, cl *azureconn.Client, subID string, level azureconn.AccessLevel) []azureconn.Resource {
	t.Helper()
	var out []azureconn.Resource
	if err := cl.Resources(ctx, subID, level, func(r azureconn.Resource) error { out = append(out, r); return nil }); err != nil {
		t.Fatal(err)
	}
	return out
}

// TestAccessLevels: every level lists what it allows (resources paged by
// the SDK's pager, three per page).
func TestAccessLevels(t *testing.T) {
	e := newEnv(t)
	e.onboard(azureconn.GrantOptions{})
	prod := e.c.Demo.Production.ID
	cl := e.client(e.cfg)
	all := listResources(t, cl, prod, azureconn.ReadWriteTags)
	if len(all) != len(e.c.ARM.Resources(prod)) || len(all) < 4 {
		t.Fatalf("listed %d resources, ARM has %d", len(all), len(e.c.ARM.Resources(prod)))
	}
	tagged := 0
	for _, r := range all {
		if r.ResourceGroup == "" || r.Type == "" || r.Location == "" {
			t.Fatalf("resource without group, type or location: %+v", r)
		}
		if len(r.Tags) > 0 {
			tagged++
		}
	}
	if tagged == 0 {
		t.Fatal("no tags read at ReadWriteTags")
	}
	for _, r := range listResources(t, cl, prod, azureconn.NoTags) {
		if r.Tags != nil {
			t.Fatalf("tags at NoTags: %+v", r)
		}
	}
	if got := listResources(t, cl, prod, azureconn.NoResources); len(got) != 0 {
		t.Fatalf("NoResources listed %d resources", len(got))
	}
	cfg := e.cfg
	cfg.Access = map[string]azureconn.AccessLevel{prod: azureconn.NoResources}
	hidden := e.client(cfg)
	if recs, err := hidden.Recommendations(ctx, prod); err != nil || len(recs) != 0 {
		t.Fatalf("recommendations at NoResources: %v %v", recs, err)
	}
	err := hidden.Costs(ctx, prod, monthStart(-2), monthStart(-2).AddDate(0, 0, 2), func(l *billing.Line) error {
		if l.ResourceID != "" {
			t.Fatalf("resource in a cost line at NoResources: %s", l.ResourceID)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestTagWriteBack: Merge, Replace and Delete with ReadWriteTags and Tag
// Contributor; refused at ReadTagsOnly and without Tag Contributor.
func TestTagWriteBack(t *testing.T) {
	e := newEnv(t)
	e.onboard(azureconn.GrantOptions{TagWrite: true})
	prod := e.c.Demo.Production.ID
	cl := e.client(e.cfg)
	res := listResources(t, cl, prod, azureconn.ReadWriteTags)[0]
	merged, err := cl.SetTags(ctx, res.ID, map[string]string{"team": "finops"}, azureconn.Merge)
	want := maps.Clone(res.Tags)
	want["team"] = "finops"
	if err != nil || !maps.Equal(merged, want) {
		t.Fatalf("merge: %v %v, want %v", merged, err, want)
	}
	if got, err := cl.SetTags(ctx, res.ID, map[string]string{"only": "this"}, azureconn.Replace); err != nil || !maps.Equal(got, map[string]string{"only": "this"}) {
		t.Fatalf("replace: %v %v", got, err)
	}
	if got, err := cl.SetTags(ctx, res.ID, map[string]string{"only": ""}, azureconn.Delete); err != nil || len(got) != 0 {
		t.Fatalf("delete: %v %v", got, err)
	}
	for _, r := range e.c.ARM.Resources(prod) {
		if r.ID == res.ID && len(r.Tags) != 0 {
			t.Fatalf("ARM still has tags %v", r.Tags)
		}
	}
	cfg := e.cfg
	cfg.Access = map[string]azureconn.AccessLevel{prod: azureconn.ReadTagsOnly}
	_, err = e.client(cfg).SetTags(ctx, res.ID, map[string]string{"a": "b"}, azureconn.Merge)
	var refused *azureconn.RefusedError
	if !errors.As(err, &refused) || !strings.Contains(refused.Reason, "read-tags-only") {
		t.Fatalf("ReadTagsOnly: %v", err)
	}
	sp := e.c.Entra.ServicePrincipalID(e.c.Demo.Customer.ID, e.c.Demo.App.ClientID)
	dev := e.c.ARM.Resources(e.c.Demo.Development.ID)[0].ID
	e.c.ARM.Assign(sp, sbxarm.RoleReader, "/subscriptions/"+e.c.Demo.Development.ID)
	_, err = cl.SetTags(ctx, dev, map[string]string{"a": "b"}, azureconn.Merge)
	if !errors.As(err, &refused) || !strings.Contains(refused.Reason, "Tag Contributor") {
		t.Fatalf("Reader only: %v", err)
	}
}

// TestReservationsAdvisorProbeAndPartnerLink: with Reservations Reader the
// low-utilisation reservation shows about 40 %; Advisor lists cost
// recommendations; the doctor reports what is granted; the partner link
// is set for the service principal.
func TestReservationsAdvisorProbeAndPartnerLink(t *testing.T) {
	e := newEnv(t)
	d := e.c.Demo
	e.onboard(azureconn.GrantOptions{})
	cl := e.client(e.cfg)
	sp, err := cl.ServicePrincipalID(ctx)
	if err != nil {
		t.Fatal(err)
	}
	checks := probe(t, cl, d.Production.ID, d.Development.ID)
	if !checks["costs "+d.Production.ID].Granted || checks["tag-write "+d.Production.ID].Granted ||
		checks["costs "+d.Development.ID].Granted || checks["reservations "].Granted {
		t.Fatalf("probe before: %+v", checks)
	}
	if c := checks["tag-write "+d.Production.ID]; c.Role != "Tag Contributor" || c.Fix != azureconn.SlugRoles {
		t.Fatalf("tag-write check: %+v", c)
	}
	e.c.ARM.Assign(sp, sbxarm.RoleReservationsReader, "/providers/Microsoft.Capacity")
	if c := probe(t, cl, d.Production.ID)["reservations "]; !c.Granted {
		t.Fatalf("reservations after Reservations Reader: %+v", c)
	}
	checkReservations(t, cl)
	recs, err := cl.Recommendations(ctx, d.Production.ID)
	if err != nil || len(recs) == 0 {
		t.Fatalf("recommendations: %v %v", recs, err)
	}
	for _, r := range recs {
		if r.ResourceID == "" || r.Currency == "" || r.MonthlySavings == nil || r.MonthlySavings.Sign() <= 0 {
			t.Fatalf("recommendation: %+v", r)
		}
	}
	if err := cl.LinkPartner(ctx, "4711042"); err != nil || e.c.ARM.Partner(d.Customer.ID, sp) != "4711042" {
		t.Fatalf("partner link: %v, linked %q", err, e.c.ARM.Partner(d.Customer.ID, sp))
	}
}

func probe(t *testing.T, cl *azureconn.Client, subs ...string) map[string]azureconn.Check {
	t.Helper()
	out := map[string]azureconn.Check{}
	for _, c := range cl.Probe(ctx, subs) {
		out[c.Feature+" "+c.SubscriptionID] = c
	}
	return out
}

// checkReservations finds the reservation used at about 40 % over the
// last four weeks.
func checkReservations(t *testing.T, cl *azureconn.Client) {
	t.Helper()
	list, err := cl.Reservations(ctx)
	if err != nil || len(list) != 2 {
		t.Fatalf("reservations: %v %v", list, err)
	}
	today := time.Now().UTC().Truncate(24 * time.Hour)
	found := false
	for _, r := range list {
		days, err := cl.ReservationUtilization(ctx, r.OrderID, today.AddDate(0, 0, -28), today)
		if err != nil || len(days) == 0 {
			t.Fatalf("utilisation of %s: %v %v", r.OrderID, days, err)
		}
		sum := new(apd.Decimal)
		for _, d := range days {
			_, _ = apd.BaseContext.Add(sum, sum, d.AvgUtilizationPercent)
		}
		avg := new(apd.Decimal)
		_, _ = apd.BaseContext.WithPrecision(10).Quo(avg, sum, apd.New(int64(len(days)), 0))
		if f, _ := avg.Float64(); f > 30 && f < 50 {
			found = true
		}
	}
	if !found {
		t.Fatal("no reservation at about 40 %")
	}
}
