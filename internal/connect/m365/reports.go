package m365

import (
	"bufio"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"regexp"
	"time"

	"github.com/canopyhq/canopy/internal/connect/msapi"
)

// The usage reports Canopy reads (Graph report functions).
const (
	ReportActiveUsers     = "getOffice365ActiveUserDetail"
	ReportMailboxUsage    = "getMailboxUsageDetail"
	ReportOneDriveUsage   = "getOneDriveUsageAccountDetail"
	ReportSharePointSites = "getSharePointSiteUsageDetail"
	ReportTeamsActivity   = "getTeamsUserActivityUserDetail"
)

var (
	knownReports = map[string]bool{ReportActiveUsers: true, ReportMailboxUsage: true, ReportOneDriveUsage: true,
		ReportSharePointSites: true, ReportTeamsActivity: true}
	knownPeriods = map[string]bool{"D7": true, "D30": true, "D90": true, "D180": true}
	// concealedName is how Graph hides a name when the tenant's
	// displayConcealedNames setting is on: 32 hexadecimal characters.
	concealedName = regexp.MustCompile(`^[0-9A-Fa-f]{32}$`)
	// nameColumns are the report columns holding user principal names.
	nameColumns = []string{"User Principal Name", "Owner Principal Name"}
)

// ReportInfo describes a downloaded report.
type ReportInfo struct {
	// RefreshDate is the report's last day of data (Graph lags a few days).
	RefreshDate time.Time
	// Rows is the number of data rows passed to fn.
	Rows int
	// Concealed is true when user names in the data are concealed (32
	// hex characters instead of user principal names): the tenant's
	// "Display concealed user, group, and site names" setting is on, and
	// the rows cannot be matched to users until an admin turns it off
	// (SetConcealedNames(false) with ReportSettings.ReadWrite.All).
	Concealed bool
}

// Report downloads a usage report for period (D7, D30, D90 or D180) and
// calls fn for each row, keyed by the CSV's column names. Graph answers
// with 302 to a short-lived pre-authenticated download URL, which is
// fetched without the bearer token; the UTF-8 byte-order mark is removed.
func (c *Client) Report(ctx context.Context, name, period string, fn func(row map[string]string) error) (ReportInfo, error) {
	if !knownReports[name] {
		return ReportInfo{}, fmt.Errorf("graph: unknown report %q", name)
	}
	if !knownPeriods[period] {
		return ReportInfo{}, fmt.Errorf("graph: report period %q: use D7, D30, D90 or D180", period)
	}
	resp, err := c.api.Do(ctx, msapi.Request{Method: http.MethodGet, Idempotent: true,
		URL: c.endpoint("/v1.0/reports/" + name + "(period='" + period + "')")})
	if err != nil {
		return ReportInfo{}, err
	}
	if resp.StatusCode == http.StatusOK { // content served directly
		defer resp.Body.Close()
		return readReport(resp.Body, fn)
	}
	resp.Body.Close()
	loc, err := c.downloadURL(resp)
	if err != nil {
		return ReportInfo{}, err
	}
	dl, err := c.api.Do(ctx, msapi.Request{Method: http.MethodGet, URL: loc, Idempotent: true, Anonymous: true})
	if err != nil {
		return ReportInfo{}, fmt.Errorf("graph: downloading report %s: %w", name, err)
	}
	defer dl.Body.Close()
	if dl.StatusCode != http.StatusOK {
		return ReportInfo{}, fmt.Errorf("graph: downloading report %s: status %d", name, dl.StatusCode)
	}
	return readReport(dl.Body, fn)
}

// downloadURL checks the redirect of a report request.
func (c *Client) downloadURL(resp *http.Response) (string, error) {
	if resp.StatusCode != http.StatusFound && resp.StatusCode != http.StatusSeeOther && resp.StatusCode != http.StatusTemporaryRedirect {
		return "", fmt.Errorf("graph: report request answered %d, expected a redirect to the download", resp.StatusCode)
	}
	loc, err := resp.Location()
	if err != nil {
		return "", fmt.Errorf("graph: report redirect without a usable Location: %w", err)
	}
	if loc.Scheme != "https" && loc.Scheme != c.base.Scheme {
		return "", fmt.Errorf("graph: report download URL %q is not https", loc.Redacted())
	}
	return loc.String(), nil
}

// readReport parses the CSV and tracks the report's facts.
func readReport(body io.Reader, fn func(map[string]string) error) (ReportInfo, error) {
	br := bufio.NewReader(body)
	if bom, err := br.Peek(3); err == nil && string(bom) == "\ufeff" {
		_, _ = br.Discard(3)
	}
	r := csv.NewReader(br)
	header, err := r.Read()
	if errors.Is(err, io.EOF) {
		return ReportInfo{}, errors.New("graph: the report is empty (no header)")
	}
	if err != nil {
		return ReportInfo{}, fmt.Errorf("graph: report header: %w", err)
	}
	var info ReportInfo
	for {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return info, nil
		}
		if err != nil {
			return info, fmt.Errorf("graph: report row %d: %w", info.Rows+1, err)
		}
		row := make(map[string]string, len(header))
		for i, h := range header {
			row[h] = rec[i]
		}
		info.observe(row)
		if err := fn(row); err != nil {
			return info, err
		}
	}
}

func (info *ReportInfo) observe(row map[string]string) {
	info.Rows++
	if info.RefreshDate.IsZero() {
		if d, err := time.Parse("2006-01-02", row["Report Refresh Date"]); err == nil {
			info.RefreshDate = d
		}
	}
	for _, col := range nameColumns {
		if concealedName.MatchString(row[col]) {
			info.Concealed = true
		}
	}
}

// ReportSettings is the tenant's admin/reportSettings.
type ReportSettings struct {
	// DisplayConcealedNames: true means reports hide user, group and site
	// names (Microsoft's default since 2021).
	DisplayConcealedNames bool `json:"displayConcealedNames"`
}

// ReportSettings reads admin/reportSettings (ReportSettings.Read.All).
func (c *Client) ReportSettings(ctx context.Context) (ReportSettings, error) {
	var s ReportSettings
	err := c.getJSON(ctx, c.endpoint("/v1.0/admin/reportSettings"), &s)
	return s, err
}

// SetConcealedNames sets displayConcealedNames (needs
// ReportSettings.ReadWrite.All); false makes reports show real names.
func (c *Client) SetConcealedNames(ctx context.Context, on bool) error {
	body, _ := json.Marshal(ReportSettings{DisplayConcealedNames: on})
	resp, err := c.api.Do(ctx, msapi.Request{Method: http.MethodPatch, URL: c.endpoint("/v1.0/admin/reportSettings"), Body: body, Idempotent: true})
	if err != nil {
		return err
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	return resp.Body.Close()
}
