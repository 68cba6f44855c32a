package api

import (
	"encoding/json"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	"github.com/canopyhq/canopy/internal/store"
)

// connectionView is a connection as the API shows it: never its secret,
// only whether one is stored.
type connectionView struct {
	ID            string          `json:"id"`
	Kind          string          `json:"kind"`
	Name          string          `json:"name"`
	Settings      json.RawMessage `json:"settings"`
	HasSecret     bool            `json:"has_secret"`
	SyncHour      int             `json:"sync_hour"`
	Enabled       bool            `json:"enabled"`
	Status        string          `json:"status"`
	SyncedThrough *string         `json:"synced_through"`
	LastSyncAt    *time.Time      `json:"last_sync_at"`
	NextSyncAt    *time.Time      `json:"next_sync_at"`
	ActiveSync    *syncView       `json:"active_sync"`
	CreatedAt     time.Time       `json:"created_at"`
	UpdatedAt     time.Time       `json:"updated_at"`
}

func connectionOf(o connect.Overview) connectionView {
	v := connectionView{ID: o.ID, Kind: o.Kind, Name: o.Name, Settings: json.RawMessage(o.Settings), HasSecret: len(o.Secret) > 0,
		SyncHour: o.SyncHour, Enabled: o.Enabled, Status: o.Status, SyncedThrough: dayPtr(o.SyncedThrough),
		LastSyncAt: utcPtr(o.LastSyncAt), CreatedAt: o.CreatedAt, UpdatedAt: o.UpdatedAt}
	if len(v.Settings) == 0 {
		v.Settings = json.RawMessage("{}")
	}
	if o.Enabled && !o.NextSync.IsZero() {
		next := o.NextSync.UTC()
		v.NextSyncAt = &next
	}
	if o.Active != nil {
		s := syncOf(*o.Active)
		v.ActiveSync = &s
	}
	return v
}

// syncView is one sync of the history.
type syncView struct {
	ID         string       `json:"id"`
	Trigger    string       `json:"trigger"`
	State      string       `json:"state"`
	CreatedAt  time.Time    `json:"created_at"`
	StartedAt  *time.Time   `json:"started_at"`
	FinishedAt *time.Time   `json:"finished_at"`
	Rows       int64        `json:"rows"`
	Warnings   []string     `json:"warnings"`
	Error      string       `json:"error,omitempty"`
	Progress   progressView `json:"progress"`
	WindowFrom string       `json:"window_from"`
	WindowTo   string       `json:"window_to"`
	Attempts   int          `json:"attempts"`
}

type progressView struct {
	Done  int64  `json:"done"`
	Total int64  `json:"total"`
	Phase string `json:"phase"`
}

func syncOf(y store.ConnectionSync) syncView {
	v := syncView{ID: y.ID, Trigger: y.Trigger, State: y.State, CreatedAt: y.CreatedAt, StartedAt: utcPtr(y.StartedAt),
		FinishedAt: utcPtr(y.FinishedAt), Rows: y.Rows, Warnings: []string{}, Error: y.Error,
		Progress:   progressView{Done: y.ProgressDone, Total: y.ProgressTotal, Phase: y.Phase},
		WindowFrom: y.WindowFrom.Format(time.DateOnly), WindowTo: y.WindowTo.Format(time.DateOnly), Attempts: y.Attempts}
	_ = json.Unmarshal(y.Warnings, &v.Warnings)
	if v.Warnings == nil {
		v.Warnings = []string{}
	}
	return v
}

// checkView is one doctor result.
type checkView struct {
	Feature  string    `json:"feature"`
	Needs    string    `json:"needs"`
	Granted  bool      `json:"granted"`
	Detail   string    `json:"detail"`
	Fix      string    `json:"fix,omitempty"`
	FixURL   string    `json:"fix_url,omitempty"`
	ProbedAt time.Time `json:"probed_at"`
}

func checkOf(c store.ConnectionCheck) checkView {
	v := checkView{Feature: c.Feature, Needs: c.Needs, Granted: c.Granted, Detail: c.Detail, Fix: c.Fix, ProbedAt: c.ProbedAt}
	if c.Fix != "" {
		v.FixURL = "/help/" + c.Fix
	}
	return v
}
