package web

import (
	"encoding/csv"
	"encoding/json"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/csvsafe"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// auditActions are offered in the filter; prefixes ending in "." match a
// whole family.
var auditActions = []string{"user.", "user.signin", "user.signin_failed", "user.signout", "user.password_changed",
	"user.password_reset", "user.mfa_enabled", "user.mfa_disabled", "user.mfa_reset", "user.add", "user.deactivate",
	"user.reactivate", "role.change", "token.create", "token.revoke", "session.revoke", "org.settings_update"}

// ParseAuditFilter reads the audit filters of a query string; dates are
// whole UTC days, both inclusive.
func ParseAuditFilter(q map[string][]string) (AuditFilter, store.AuditFilter, error) {
	get := func(k string) string {
		if v := q[k]; len(v) > 0 {
			return strings.TrimSpace(v[0])
		}
		return ""
	}
	view := AuditFilter{Action: get("action"), Actor: get("actor"), From: get("from"), To: get("to")}
	f := store.AuditFilter{Action: view.Action, Actor: view.Actor, Cursor: get("cursor")}
	var err error
	f.From, f.To, err = audit.DayRange(view.From, view.To)
	return view, f, err
}

func auditRow(e domain.AuditEvent) AuditRow {
	target := e.TargetType
	if e.TargetID != "" {
		target += " " + e.TargetID
	}
	return AuditRow{At: e.At, ActorEmail: e.ActorEmail, Action: e.Action, Target: target, IP: e.IP,
		Details: e.Details, Pairs: detailPairs(e.Details)}
}

// detailPairs lists an entry's top-level detail fields in key order, nested
// values shown as compact JSON.
func detailPairs(details string) []Detail {
	var m map[string]json.RawMessage
	if json.Unmarshal([]byte(details), &m) != nil {
		return []Detail{{Key: "details", Value: details}}
	}
	keys := slices.Sorted(maps.Keys(m))
	out := make([]Detail, 0, len(keys))
	for _, k := range keys {
		var s string
		if json.Unmarshal(m[k], &s) != nil {
			s = string(m[k])
		}
		out = append(out, Detail{Key: k, Value: s})
	}
	return out
}

func (s *Server) auditLog(w http.ResponseWriter, r *http.Request) {
	view, f, err := ParseAuditFilter(r.URL.Query())
	page := AuditPage{Layout: s.layout(r, NavSettingsAudit), Filter: view, Actions: auditActions, Cursor: f.Cursor}
	if err != nil {
		page.SetErr(err)
		s.R.Render(w, http.StatusBadRequest, page)
		return
	}
	f.Limit = 50
	list, err := s.Auth.ListAudit(r.Context(), principalFrom(r.Context()), f)
	if err != nil {
		if domain.ErrorCode(err) != domain.CodeInvalid {
			s.fail(w, r, err)
			return
		}
		page.SetErr(err)
	}
	for _, e := range list.Items {
		page.Rows = append(page.Rows, auditRow(e))
	}
	page.NextCursor = list.NextCursor
	s.R.Render(w, http.StatusOK, page)
}

// maxAuditExport bounds one CSV download.
const maxAuditExport = 100_000

func (s *Server) auditCSV(w http.ResponseWriter, r *http.Request) {
	_, f, err := ParseAuditFilter(r.URL.Query())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	p := principalFrom(r.Context())
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="canopy-audit-`+domain.Now().Format("20060102")+`.csv"`)
	cw := csv.NewWriter(w)
	_ = cw.Write([]string{"seq", "time_utc", "actor_email", "action", "target_type", "target_id", "ip", "user_agent", "details", "hash"})
	f.Limit, f.Cursor = 200, ""
	for n := 0; n < maxAuditExport; {
		page, err := s.Auth.ListAudit(r.Context(), p, f)
		if err != nil {
			s.Log.ErrorContext(r.Context(), "audit export", "err", err)
			return
		}
		for _, e := range page.Items {
			_ = cw.Write(csvsafe.Row(strconv.FormatInt(e.Seq, 10), e.At.Format(time.RFC3339Nano), e.ActorEmail, e.Action,
				e.TargetType, e.TargetID, e.IP, e.UserAgent, e.Details, e.Hash))
		}
		n += len(page.Items)
		if page.NextCursor == "" {
			break
		}
		f.Cursor = page.NextCursor
	}
	cw.Flush()
}
