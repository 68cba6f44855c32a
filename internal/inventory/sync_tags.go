package inventory

import (
	"context"
	"log/slog"
	"sort"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/connect"
	azureconn "github.com/canopyhq/canopy/internal/connect/azure"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/jobs"
	"github.com/canopyhq/canopy/internal/store"
)

// TagSync keeps Canopy's tag edits and the cloud's tags in step: it
// writes pending edits back to Azure (as jobs, one per resource, with a
// result each) and holds the inbox of tag conflicts. The resource sync
// itself runs in the connectors (connect.Run.SyncResources).
type TagSync struct {
	Store *store.Store
	Jobs  *jobs.Runner // set before write-backs are queued
	// Env is the installation's cloud identities and endpoints at the time
	// of a write-back (the demo points them at the sandbox after start).
	Env func() connect.Env
	Log *slog.Logger
	// Now is the clock of results and conflicts (tests move it).
	Now func() time.Time
	// Sleep waits out a throttled request's Retry-After (nil: a timer).
	Sleep func(ctx context.Context, d time.Duration) error
}

// NewTagSync returns the tag write-back and conflicts service.
func NewTagSync(st *store.Store, runner *jobs.Runner, env func() connect.Env, log *slog.Logger) *TagSync {
	if log == nil {
		log = slog.Default()
	}
	return &TagSync{Store: st, Jobs: runner, Env: env, Log: log, Now: domain.Now}
}

// Register adds the write-back job's worker.
func (t *TagSync) Register(reg *jobs.Registry) { jobs.Register(reg, &writeBackWorker{t: t}) }

// azureOnly is the refusal for resources write-back cannot reach.
const azureOnly = "write-back is available for Azure resources only"

// precheck decides, without calling the cloud, whether r's pending edit
// may be written: "" when it may, else the status (refused or conflict)
// and the reason shown for the resource. It also returns the
// connection's settings and the resource's subscription.
func precheck(ctx context.Context, q *store.Queries, r store.Resource) (status, reason string, set azureconn.Settings, sub string, err error) {
	refuse := func(why string) (string, string, azureconn.Settings, string, error) {
		return store.TagChangeRefused, why, set, sub, nil
	}
	switch {
	case r.Provider != connect.KindAzure.Label():
		return refuse(azureOnly + " (this one is from " + providerName(r) + ")")
	case r.Source == store.ResourceFromVirtual:
		return refuse(azureOnly + " (this is a virtual resource that exists only in Canopy)")
	case r.Source != store.ResourceFromSync:
		return refuse(azureOnly + " listed by a connection's resource sync; this one is known from cost data only")
	case r.ConnectionID == "":
		return refuse(azureOnly + " whose Azure connection still exists; the one that listed this resource was removed")
	case r.DeletedAt != nil:
		return refuse("the resource no longer exists in Azure (the last sync did not list it)")
	case r.CanopyTags == nil:
		return refuse("there is no pending Canopy tag edit to write back")
	}
	open, err := q.OpenConflictKeys(ctx, r.OrgID, r.ID)
	if err != nil || len(open) > 0 {
		return store.TagChangeConflict, "open tag conflicts on " + keyList(open) + ": resolve them in the conflicts inbox first", set, sub, err
	}
	conn, err := q.GetConnection(ctx, r.OrgID, r.ConnectionID)
	if domain.ErrorCode(err) == domain.CodeNotFound || (err == nil && conn.Kind != string(connect.KindAzure)) {
		return refuse(azureOnly + " whose Azure connection still exists")
	}
	if err != nil {
		return "", "", set, sub, err
	}
	if set, err = azureconn.ParseSettings(conn.Settings); err != nil {
		return refuse("the Azure connection's settings are invalid: " + err.Error())
	}
	sub = azureconn.SubscriptionOf(r.ResourceID)
	if l := set.AccessLevel(sub); !l.WritesTags() {
		return refuse(levelReason(l))
	}
	return "", "", set, sub, nil
}

// levelReason says why an access level does not allow the write-back.
func levelReason(l azureconn.AccessLevel) string {
	switch l {
	case azureconn.ReadTagsOnly:
		return "the subscription's access level is read-tags-only: Canopy reads its tags but may not write them (an administrator can set it to read-write-tags on the connection)"
	case azureconn.NoTags:
		return "the subscription's access level is no-tags: Canopy neither reads nor writes its tags"
	case azureconn.NoResources:
		return "the subscription's access level is no-resources: Canopy does not see its resources, so it cannot write their tags"
	}
	return "the subscription's access level " + l.String() + " does not allow writing tags"
}

func providerName(r store.Resource) string {
	if r.Provider == "" {
		return "an unknown provider"
	}
	return r.Provider
}

// keyList names a set's keys, sorted.
func keyList(m map[string]string) string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, `"`+k+`"`)
	}
	sort.Strings(keys)
	return strings.Join(keys, ", ")
}
