package azbilling

import (
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/canopyhq/canopy/internal/sandbox/sbx"
)

// Cost Management's own throttling headers (beside ARM's). A client should
// wait for the largest retry-after it is given.
const (
	hdrQPURetryAfter    = "x-ms-ratelimit-microsoft.costmanagement-qpu-retry-after"
	hdrQPUConsumed      = "x-ms-ratelimit-microsoft.costmanagement-qpu-consumed"
	hdrQPURemaining     = "x-ms-ratelimit-microsoft.costmanagement-qpu-remaining"
	hdrEntityRetryAfter = "x-ms-ratelimit-microsoft.costmanagement-entity-retry-after"
	hdrTenantRetryAfter = "x-ms-ratelimit-microsoft.costmanagement-tenant-retry-after"
	hdrClientRetryAfter = "x-ms-ratelimit-microsoft.costmanagement-client-retry-after"
)

const rateWindow = time.Minute

// admitQuery counts a query against scope's one-minute window (on the
// sandbox clock). When the budget is spent it answers 429 with the real
// body and headers and returns false; otherwise it sets the consumption
// headers and returns true.
func (b *Billing) admitQuery(w http.ResponseWriter, scope string) bool {
	now := b.clock.Now()
	key := strings.ToLower(scope)
	b.mu.Lock()
	kept := b.limiter[key][:0]
	for _, t := range b.limiter[key] {
		if now.Sub(t) < rateWindow {
			kept = append(kept, t)
		}
	}
	budget := b.budget
	ok := len(kept) < budget
	if ok {
		kept = append(kept, now)
	}
	b.limiter[key] = kept
	used, oldest := len(kept), now
	if len(kept) > 0 {
		oldest = kept[0]
	}
	b.mu.Unlock()
	if !ok {
		wait := strconv.Itoa(int((oldest.Add(rateWindow).Sub(now) + time.Second - 1) / time.Second))
		h := w.Header()
		for _, k := range []string{"Retry-After", hdrQPURetryAfter, hdrEntityRetryAfter, hdrTenantRetryAfter, hdrClientRetryAfter} {
			h.Set(k, wait)
		}
		h.Set(hdrQPURemaining, "QueryResource:0")
		sbx.WriteARMError(w, http.StatusTooManyRequests, "429", "Too many requests. Please retry.")
		return false
	}
	w.Header().Set(hdrQPUConsumed, "1")
	w.Header().Set(hdrQPURemaining, "QueryResource:"+strconv.Itoa(budget-used))
	return true
}
