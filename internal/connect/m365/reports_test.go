package m365

import (
	"context"
	"strings"
	"testing"
	"time"
)

func TestReportsDownloadWithoutBearerAndDetectConcealment(t *testing.T) {
	e := newEnv(t, 80)
	c := e.client(nil)
	ctx := context.Background()
	refresh := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC) // two days behind the sandbox clock
	for _, name := range []string{ReportActiveUsers, ReportMailboxUsage, ReportOneDriveUsage, ReportSharePointSites, ReportTeamsActivity} {
		var first map[string]string
		info, err := c.Report(ctx, name, "D30", func(row map[string]string) error {
			if first == nil {
				first = row
			}
			return nil
		})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if info.Rows == 0 || !info.RefreshDate.Equal(refresh) || !info.Concealed {
			t.Fatalf("%s: %+v", name, info)
		}
		if _, ok := first["Report Refresh Date"]; !ok { // a BOM left in would prefix the first column
			t.Fatalf("%s: first column not found in %v", name, first)
		}
	}
	reqs := e.rec.sent()
	if len(reqs) != 10 {
		t.Fatalf("%d requests for 5 reports", len(reqs))
	}
	for i, r := range reqs {
		download := strings.HasPrefix(r.path, "/reports-download/")
		if download != (i%2 == 1) || r.bearer == download {
			t.Fatalf("request %d %s: bearer=%v", i, r.path, r.bearer)
		}
	}
}

func TestTurningConcealmentOffShowsNames(t *testing.T) {
	e := newEnv(t, 40)
	c := e.client(nil)
	ctx := context.Background()
	s, err := c.ReportSettings(ctx)
	if err != nil || !s.DisplayConcealedNames {
		t.Fatalf("settings %+v, %v", s, err)
	}
	if err := c.SetConcealedNames(ctx, false); err != nil {
		t.Fatal(err)
	}
	if s, err := c.ReportSettings(ctx); err != nil || s.DisplayConcealedNames {
		t.Fatalf("settings after the fix %+v, %v", s, err)
	}
	upns := map[string]bool{}
	for _, u := range e.g.Users(testTenant) {
		upns[u.UserPrincipalName] = true
	}
	info, err := c.Report(ctx, ReportActiveUsers, "D7", func(row map[string]string) error {
		if !upns[row["User Principal Name"]] {
			t.Errorf("unknown user principal name %q", row["User Principal Name"])
		}
		return nil
	})
	if err != nil || info.Concealed || info.Rows == 0 {
		t.Fatalf("after turning concealment off: %+v, %v", info, err)
	}
}

func TestReportArgumentsAreChecked(t *testing.T) {
	e := newEnv(t, 5)
	c := e.client(nil)
	noop := func(map[string]string) error { return nil }
	if _, err := c.Report(context.Background(), "getEverything", "D7", noop); err == nil {
		t.Fatal("unknown report accepted")
	}
	if _, err := c.Report(context.Background(), ReportActiveUsers, "D365", noop); err == nil {
		t.Fatal("bad period accepted")
	}
	if n := e.faults.Count("graph", ""); n != 0 {
		t.Fatalf("%d requests for invalid arguments", n)
	}
}
