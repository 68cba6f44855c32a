package web

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/store"
)

// ConnectionsPage is Connections: every connection with its health, and
// the form to add one.
type ConnectionsPage struct {
	Layout
	FormErrors
	CanManage bool
	Rows      []ConnectionRow
	Form      ConnectionForm
	Kinds     []Option
	Hours     []Option
}

func (ConnectionsPage) Template() string { return "connections" }

// ConnectionPage is one connection: overview and Sync now, its sync
// history, the doctor and the edit form.
type ConnectionPage struct {
	Layout
	FormErrors
	CanManage  bool
	Conn       ConnectionRow
	Progress   *SyncProgress // the queued or running sync
	History    []SyncRow
	NextCursor string
	Checks     []CheckRow
	CheckedAt  string
	Form       ConnectionForm
	Hours      []Option
	// ServiceAccount is a Microsoft 365 connection's service account
	// section (nil for other kinds).
	ServiceAccount *ServiceAccountView
}

func (ConnectionPage) Template() string { return "connections_detail" }

// HelpPageView renders a connect.HelpPage.
type HelpPageView struct {
	Layout
	Help connect.HelpPage
}

func (HelpPageView) Template() string { return "connections_help" }

// ConnectionRow is a connection as lists and headers show it.
type ConnectionRow struct {
	ID, Kind, KindLabel, Name, Status, StatusLabel, Badge string
	LastSync, NextSync, SyncedThrough                     string
	Enabled, HasSecret                                    bool
}

// ConnectionForm is the add and edit form's values (never the secret).
type ConnectionForm struct {
	Kind, Name, Settings string
	SyncHour             int
	Enabled              bool
}

// SyncProgress is the fragment htmx polls while a sync runs.
type SyncProgress struct {
	ConnID, ID, State, Phase, Trigger string
	Done, Total, Rows                 int64
	Percent                           int
	Finished                          bool
}

// PollURL is where the fragment reloads itself from.
func (p SyncProgress) PollURL() string { return "/connections/" + p.ConnID + "/progress" }

// SyncRow is one sync of the history.
type SyncRow struct {
	ID, Trigger, State, Badge, Started, Finished, Duration, Window, Error string
	Rows                                                                  int64
	Warnings                                                              []string
}

// CheckRow is one doctor result.
type CheckRow struct {
	Feature, Needs, Detail, Fix string
	Granted                     bool
}

var statusLabels = map[string]string{store.ConnectionNew: "Not synced yet", store.ConnectionOK: "Healthy",
	store.ConnectionPartial: "Synced with warnings", store.ConnectionFailed: "Sync failed"}

var badges = map[string]string{store.ConnectionOK: "ok", store.ConnectionPartial: "warn", store.ConnectionFailed: "failed",
	store.SyncSucceeded: "succeeded", store.SyncRunning: "running", store.SyncQueued: "queued"}

func connectionRow(o connect.Overview) ConnectionRow {
	row := ConnectionRow{ID: o.ID, Kind: o.Kind, KindLabel: connect.Kind(o.Kind).Label(), Name: o.Name, Status: o.Status,
		StatusLabel: statusLabels[o.Status], Badge: badges[o.Status], Enabled: o.Enabled, HasSecret: len(o.Secret) > 0,
		LastSync: "Never", NextSync: "Paused", SyncedThrough: "—"}
	if o.LastSyncAt != nil {
		row.LastSync = fmtTime(*o.LastSyncAt)
	}
	if o.Enabled {
		row.NextSync = fmtTime(o.NextSync)
	}
	if o.Active != nil {
		row.Status, row.StatusLabel, row.Badge = o.Active.State, "Syncing", badges[o.Active.State]
	}
	if o.SyncedThrough != nil {
		row.SyncedThrough = o.SyncedThrough.AddDate(0, 0, -1).Format(time.DateOnly)
	}
	return row
}

func syncProgress(y store.ConnectionSync) SyncProgress {
	p := SyncProgress{ConnID: y.ConnectionID, ID: y.ID, State: y.State, Phase: y.Phase, Trigger: y.Trigger,
		Done: y.ProgressDone, Total: y.ProgressTotal, Rows: y.Rows, Finished: y.Finished()}
	if y.ProgressTotal > 0 {
		p.Percent = int(min(100, y.ProgressDone*100/y.ProgressTotal))
	}
	return p
}

func syncRow(y store.ConnectionSync) SyncRow {
	row := SyncRow{ID: y.ID, Trigger: y.Trigger, State: y.State, Badge: badges[y.State], Started: "—", Finished: "—",
		Duration: "—", Rows: y.Rows, Error: y.Error,
		Window: y.WindowFrom.Format(time.DateOnly) + " to " + y.WindowTo.AddDate(0, 0, -1).Format(time.DateOnly)}
	if row.Badge == "" {
		row.Badge = "warn"
	}
	_ = json.Unmarshal(y.Warnings, &row.Warnings)
	if y.StartedAt != nil {
		row.Started = fmtTime(*y.StartedAt)
	}
	if y.FinishedAt != nil {
		row.Finished = fmtTime(*y.FinishedAt)
		if y.StartedAt != nil {
			row.Duration = y.FinishedAt.Sub(*y.StartedAt).Round(10 * time.Millisecond).String()
		}
	}
	return row
}

func checkRow(c store.ConnectionCheck) CheckRow {
	return CheckRow{Feature: c.Feature, Needs: c.Needs, Detail: c.Detail, Fix: c.Fix, Granted: c.Granted}
}

func kindOptions() []Option {
	var out []Option
	for _, k := range connect.Kinds() {
		out = append(out, Option{Value: string(k), Label: k.Label()})
	}
	return out
}

func hourOptions() []Option {
	out := make([]Option, 24)
	for h := range out {
		out[h] = Option{Value: fmt.Sprint(h), Label: fmt.Sprintf("%02d:00 UTC", h)}
	}
	return out
}
