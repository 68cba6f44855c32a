package graph

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"regexp"
	"strings"
	"time"
)

// downloadTTL is how long a report's pre-authenticated download URL works
// (the real reports.office.com links are short-lived too).
const downloadTTL = 5 * time.Minute

// download is a generated report waiting to be fetched.
type download struct {
	expires time.Time
	name    string
	body    []byte
}

var reFunction = regexp.MustCompile(`^(\w+)\((period|date)=(?:'([^']*)'|([0-9-]+))\)$`)

// reportSpec describes one usage report function.
type reportSpec struct {
	header   string
	byDate   bool // also accepts (date=YYYY-MM-DD)
	rows     func(rc *reportCtx) [][]string
	fileStem string
}

// serveReport answers GET /reports/{fn}(period='D7') or (date=...) with
// 302 Found to a short-lived download URL, as Graph does.
func (g *Graph) serveReport(w http.ResponseWriter, r *http.Request, t *tenant) {
	m := reFunction.FindStringSubmatch(r.PathValue("fn"))
	if m == nil {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+r.PathValue("fn")+"'.")
		return
	}
	spec, ok := reports[strings.ToLower(m[1])]
	if !ok {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Resource not found for the segment '"+m[1]+"'.")
		return
	}
	rc, e := g.reportContext(t, spec, m[2], m[3]+m[4])
	if e != nil {
		e.write(w, r)
		return
	}
	body := renderCSV(spec.header, spec.rows(rc))
	token := g.storeDownload(spec.fileStem+rc.periodLabel(), body)
	w.Header().Set("Location", baseURL(r)+"/reports-download/"+token)
	w.Header().Set("Content-Type", "text/plain")
	w.WriteHeader(http.StatusFound)
}

// reportContext validates the period or date against the sandbox clock.
// Report data lags: the refresh date is two days before today.
func (g *Graph) reportContext(t *tenant, spec reportSpec, kind, value string) (*reportCtx, *apiError) {
	today := g.clock.Now().Truncate(24 * time.Hour)
	g.mu.Lock()
	concealed := t.concealed
	g.mu.Unlock()
	rc := &reportCtx{seed: g.seed, t: t, today: today, refresh: today.AddDate(0, 0, -2), concealed: concealed}
	if kind == "period" {
		days := map[string]int{"D7": 7, "D30": 30, "D90": 90, "D180": 180}[value]
		if days == 0 {
			return nil, badRequest("BadRequest", "Invalid value for period: '"+value+"'. Supported values are D7, D30, D90 and D180.")
		}
		rc.days = days
		return rc, nil
	}
	if !spec.byDate {
		return nil, badRequest("BadRequest", "Resource not found for the segment 'date'.")
	}
	d, err := time.Parse("2006-01-02", value)
	if err != nil || d.After(rc.refresh) || d.Before(today.AddDate(0, 0, -30)) {
		return nil, badRequest("BadRequest", "Invalid date: '"+value+"'. The date must be within the last 30 days and no later than the latest report refresh date.")
	}
	rc.date, rc.refresh = d, d
	return rc, nil
}

func (g *Graph) storeDownload(name string, body []byte) string {
	var b [24]byte
	_, _ = rand.Read(b[:])
	token := base64.RawURLEncoding.EncodeToString(b[:])
	now := g.clock.Now()
	g.mu.Lock()
	defer g.mu.Unlock()
	for k, d := range g.downloads { // forget expired links
		if now.After(d.expires) {
			delete(g.downloads, k)
		}
	}
	g.downloads[token] = &download{expires: now.Add(downloadTTL), name: name, body: body}
	return token
}

// serveDownload serves a report's CSV without a bearer token until the
// link expires.
func (g *Graph) serveDownload(w http.ResponseWriter, r *http.Request) {
	now := g.clock.Now()
	g.mu.Lock()
	d := g.downloads[r.PathValue("token")]
	g.mu.Unlock()
	if d == nil || now.After(d.expires) {
		w.Header().Set("Content-Type", "text/plain")
		w.WriteHeader(http.StatusNotFound)
		_, _ = w.Write([]byte("The report download link is invalid or has expired. Request the report again.\n"))
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+d.name+`.csv"`)
	_, _ = w.Write(d.body)
}

// renderCSV writes the header and rows with the UTF-8 byte-order mark the
// real service puts first, and CRLF line ends.
func renderCSV(header string, rows [][]string) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	b.WriteString(header)
	b.WriteString("\r\n")
	for _, row := range rows {
		for i, f := range row {
			if i > 0 {
				b.WriteByte(',')
			}
			if strings.ContainsAny(f, ",\"\r\n") {
				f = `"` + strings.ReplaceAll(f, `"`, `""`) + `"`
			}
			b.WriteString(f)
		}
		b.WriteString("\r\n")
	}
	return b.Bytes()
}

// serveReportSettings answers GET /admin/reportSettings.
func (g *Graph) serveReportSettings(w http.ResponseWriter, r *http.Request, t *tenant) {
	g.mu.Lock()
	on := t.concealed
	g.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{
		"@odata.context":        baseURL(r) + "/" + r.PathValue("ver") + "/$metadata#admin/reportSettings/$entity",
		"displayConcealedNames": on,
	})
}

// patchReportSettings answers PATCH /admin/reportSettings with 204.
func (g *Graph) patchReportSettings(w http.ResponseWriter, r *http.Request, t *tenant) {
	var in map[string]json.RawMessage
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 1<<16)).Decode(&in); err != nil {
		writeError(w, r, http.StatusBadRequest, "BadRequest", "Empty Payload. JSON content expected.")
		return
	}
	for k, v := range in {
		if k != "displayConcealedNames" && !strings.HasPrefix(k, "@odata") {
			writeError(w, r, http.StatusBadRequest, "BadRequest", "Property '"+k+"' does not exist on type 'microsoft.graph.adminReportSettings'.")
			return
		}
		if k == "displayConcealedNames" {
			var on bool
			if err := json.Unmarshal(v, &on); err != nil {
				writeError(w, r, http.StatusBadRequest, "BadRequest", "Cannot convert the literal '"+string(v)+"' to the expected type 'Edm.Boolean'.")
				return
			}
			g.SetConcealedNames(t.ID, on)
		}
	}
	w.WriteHeader(http.StatusNoContent)
}
