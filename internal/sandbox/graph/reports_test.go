package graph

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// report fetches a report: the 302, then the CSV from its Location
// without a bearer token. It returns the CSV records.
func (e *env) report(fn string) [][]string {
	e.t.Helper()
	st, h, _ := e.do(http.MethodGet, "/v1.0/reports/"+fn, e.token(nil), nil)
	loc := h.Get("Location")
	if st != http.StatusFound || !strings.Contains(loc, "/reports-download/") {
		e.t.Fatalf("%s: status %d, Location %q", fn, st, loc)
	}
	st, h, body := e.do(http.MethodGet, loc, "", nil)
	if st != 200 || h.Get("Content-Type") != "application/octet-stream" {
		e.t.Fatalf("download: %d %s", st, h.Get("Content-Type"))
	}
	if !bytes.HasPrefix(body, []byte("\xef\xbb\xbfReport Refresh Date,")) {
		e.t.Fatalf("%s does not start with the BOM and Report Refresh Date: %q", fn, body[:min(40, len(body))])
	}
	recs, err := csv.NewReader(bytes.NewReader(body[3:])).ReadAll()
	if err != nil {
		e.t.Fatalf("%s: %v", fn, err)
	}
	return recs
}

func TestReportsRedirectThenDownloadCSV(t *testing.T) {
	e := newEnv(t, 80)
	e.g.SetConcealedNames(testTenant, false)
	for fn, hdr := range map[string]string{
		"getOffice365ActiveUserDetail(period='D30')":    hdrActiveUser,
		"getOffice365ActiveUserDetail(date=2026-11-20)": hdrActiveUser,
		"getMailboxUsageDetail(period='D7')":            hdrMailbox,
		"getOneDriveUsageAccountDetail(period='D90')":   hdrOneDrive,
		"getSharePointSiteUsageDetail(period='D180')":   hdrSharePoint,
		"getTeamsUserActivityUserDetail(period='D30')":  hdrTeams,
	} {
		recs := e.report(fn)
		if strings.Join(recs[0], ",") != hdr || len(recs) < 2 {
			t.Fatalf("%s: header %v, %d rows", fn, recs[0], len(recs)-1)
		}
		if recs[1][0] != "2026-11-23" && recs[1][0] != "2026-11-20" {
			t.Fatalf("%s: refresh date %s", fn, recs[1][0])
		}
	}
	// Some licensed users are inactive: no Exchange activity date.
	recs := e.report("getOffice365ActiveUserDetail(period='D7')")
	inactive := 0
	for _, r := range recs[1:] {
		if r[5] == "True" && r[11] == "" {
			inactive++
		}
	}
	if inactive == 0 || inactive == len(recs)-1 {
		t.Fatalf("%d of %d users inactive", inactive, len(recs)-1)
	}
	// Same day, same data.
	if a, b := e.report("getMailboxUsageDetail(period='D7')"), e.report("getMailboxUsageDetail(period='D7')"); strings.Join(a[5], ",") != strings.Join(b[5], ",") {
		t.Fatal("report data is not deterministic")
	}
	for _, bad := range []string{"getOffice365ActiveUserDetail(period='D8')", "getMailboxUsageDetail(date=2026-11-20)", "getOffice365ActiveUserDetail(date=2026-11-25)"} {
		if st, _, b := e.do(http.MethodGet, "/v1.0/reports/"+bad, e.token(nil), nil); st != 400 {
			t.Fatalf("%s: %d %s", bad, st, b)
		}
	}
}

func TestReportDownloadLinkExpires(t *testing.T) {
	e := newEnv(t, 10)
	_, h, _ := e.do(http.MethodGet, "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')", e.token(nil), nil)
	e.clock.Advance(downloadTTL + time.Second)
	if st, _, _ := e.do(http.MethodGet, h.Get("Location"), "", nil); st != http.StatusNotFound {
		t.Fatalf("expired link: %d", st)
	}
	if st, _, _ := e.do(http.MethodGet, "/v1.0/reports/getOffice365ActiveUserDetail(period='D7')", e.token(withRoles("User.Read.All")), nil); st != http.StatusForbidden {
		t.Fatalf("reports without Reports.Read.All: %d", st)
	}
}

func TestConcealedNamesAreHashed(t *testing.T) {
	e := newEnv(t, 40)
	tok := e.token(nil)
	var s struct {
		DisplayConcealedNames bool `json:"displayConcealedNames"`
	}
	if st := e.getJSON("/v1.0/admin/reportSettings", tok, &s); st != 200 || !s.DisplayConcealedNames {
		t.Fatalf("default reportSettings: %d %+v", st, s)
	}
	hashed := regexp.MustCompile(`^[0-9A-F]{32}$`)
	for _, r := range e.report("getOffice365ActiveUserDetail(period='D30')")[1:] {
		if !hashed.MatchString(r[1]) || !hashed.MatchString(r[2]) {
			t.Fatalf("concealed row shows %q / %q", r[1], r[2])
		}
	}
	if st, _, b := e.do(http.MethodPatch, "/v1.0/admin/reportSettings", tok, []byte(`{"displayConcealedNames":false}`), "Content-Type", "application/json"); st != http.StatusNoContent {
		t.Fatalf("PATCH: %d %s", st, b)
	}
	upns := map[string]bool{}
	for _, u := range e.g.Users(testTenant) {
		upns[u.UserPrincipalName] = true
	}
	for _, r := range e.report("getTeamsUserActivityUserDetail(period='D7')")[1:] {
		if !upns[r[2]] {
			t.Fatalf("after PATCH the report shows %q, not a UPN", r[2])
		}
	}
	if st, _, _ := e.do(http.MethodPatch, "/v1.0/admin/reportSettings", e.token(withRoles("Reports.Read.All")), []byte(`{"displayConcealedNames":true}`)); st != http.StatusForbidden {
		t.Fatalf("PATCH without ReportSettings.ReadWrite.All: %d", st)
	}
}

func withRoles(roles ...string) map[string]any {
	list := make([]any, len(roles))
	for i, r := range roles {
		list[i] = r
	}
	return map[string]any{"roles": list}
}
