package web

import (
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/store"
)

// ConflictsPage is the tag conflicts inbox: keys changed both in the
// cloud and in Canopy since the last sync, each with the three ways to
// settle it.
type ConflictsPage struct {
	Layout
	FormErrors
	Conflicts  []ConflictRow
	CanResolve bool
}

func (ConflictsPage) Template() string { return "resources_conflicts" }

// ConflictRow is one open conflict as the inbox shows it; absent values
// read "(absent)".
type ConflictRow struct {
	ID, ResourceID, ResourceName, CloudID, Key string
	Base, Cloud, Canopy                        string
	CloudAbsent                                bool
	DetectedAt                                 string
}

func conflictRow(c store.TagConflict) ConflictRow {
	return ConflictRow{ID: c.ID, ResourceID: c.ResourceID, ResourceName: c.ResourceName, CloudID: c.ResourceRef, Key: c.Key,
		Base: tagValue(c.Base), Cloud: tagValue(c.Cloud), Canopy: tagValue(c.Canopy), CloudAbsent: c.Cloud == nil,
		DetectedAt: c.DetectedAt.UTC().Format("2 Jan 2006 15:04 UTC")}
}

func tagValue(v *string) string {
	if v == nil {
		return "(absent)"
	}
	if *v == "" {
		return `""`
	}
	return *v
}

// WriteBackPage lists the write-back batches, or one batch's results per
// resource when Batch is set.
type WriteBackPage struct {
	Layout
	FormErrors
	Batches   []WriteBackBatchRow
	Batch     *WriteBackBatchRow
	Results   []WriteBackResultRow
	Pending   int          // resources with a pending edit
	Edits     []PendingRow // the first of them
	CanWrite  bool
	Refreshes bool // the batch is still running: the page reloads itself
}

func (WriteBackPage) Template() string { return "resources_writeback" }

// WriteBackBatchRow is one batch with its counts by result.
type WriteBackBatchRow struct {
	ID, CreatedBy, CreatedAt string
	Total                    int
	Summary                  string // e.g. "2 applied, 1 refused"
}

// WriteBackResultRow is one resource's result.
type WriteBackResultRow struct {
	ResourceName, CloudID, Status, Reason, Tags string
	Attempts                                    int
}

func batchRow(id, by string, at time.Time, counts map[string]int) WriteBackBatchRow {
	total := 0
	var parts []string
	for _, st := range []string{store.TagChangeApplied, store.TagChangeRefused, store.TagChangeConflict, store.TagChangeFailed,
		store.TagChangeQueued, store.TagChangeRunning} {
		if n := counts[st]; n > 0 {
			parts = append(parts, strconv.Itoa(n)+" "+st)
			total += n
		}
	}
	return WriteBackBatchRow{ID: id, CreatedBy: by, CreatedAt: at.UTC().Format("2 Jan 2006 15:04 UTC"), Total: total,
		Summary: strings.Join(parts, ", ")}
}

func resultRow(c store.TagChange) WriteBackResultRow {
	keys := make([]string, 0, len(c.Tags))
	for k, v := range c.Tags {
		keys = append(keys, k+"="+v)
	}
	sort.Strings(keys)
	return WriteBackResultRow{ResourceName: c.ResourceName, CloudID: c.ResourceRef, Status: c.Status, Reason: c.Reason,
		Tags: strings.Join(keys, ", "), Attempts: c.Attempts}
}

// maxPendingRows bounds the pending edits listed on the write-back page.
const maxPendingRows = 100

// PendingRow is a resource with a pending Canopy tag edit.
type PendingRow struct {
	ID, Name, CloudID, Changes string
}

func pendingRow(r store.Resource) PendingRow {
	var parts []string
	for k, v := range r.CanopyTags {
		if old, ok := r.CloudTags[k]; !ok || old != v {
			parts = append(parts, k+"="+v)
		}
	}
	for k := range r.CloudTags {
		if _, ok := r.CanopyTags[k]; !ok {
			parts = append(parts, "remove "+k)
		}
	}
	sort.Strings(parts)
	return PendingRow{ID: r.ID, Name: r.Name, CloudID: r.ResourceID, Changes: strings.Join(parts, ", ")}
}
