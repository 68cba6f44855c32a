package azbilling

import (
	"strings"
	"time"
)

// A spike multiplies one resource's on-demand cost on one day: a runaway
// job or a forgotten scale-out. The demo seeds one so the consumption
// alerts have something to find; tests add their own.
type spikeKey struct {
	resource string // lower-case resource ID
	day      string // dateKey
}

// AddSpike makes resourceID's on-demand cost on day factor times its
// usual amount (factor >= 1; 1 removes the spike).
func (b *Billing) AddSpike(resourceID string, d time.Time, factor int64) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.spikes == nil {
		b.spikes = map[spikeKey]int64{}
	}
	k := spikeKey{strings.ToLower(resourceID), dateKey(day(d))}
	if factor <= 1 {
		delete(b.spikes, k)
		return
	}
	b.spikes[k] = factor
}

// SeedSpike spikes the first virtual machine no reservation covers,
// daysAgo days before the clock's today, and returns it (false when there
// is no such VM). Its cost is then final (older than the two days Cost
// Management still revises) once daysAgo is 3 or more.
func (b *Billing) SeedSpike(daysAgo int, factor int64) (Resource, bool) {
	s := b.snapshot()
	for _, sub := range s.subs {
		for _, r := range s.res[strings.ToLower(sub.ID)] {
			if strings.EqualFold(r.Type, "Microsoft.Compute/virtualMachines") && s.cover[strings.ToLower(r.ID)] == nil {
				b.AddSpike(r.ID, day(s.now).AddDate(0, 0, -daysAgo), factor)
				return r, true
			}
		}
	}
	return Resource{}, false
}

// spikeFactor is the factor of resourceID's cost on d in s (1: none).
func (s *snapshot) spikeFactor(resourceID string, d time.Time) int64 {
	if f, ok := s.spikes[spikeKey{strings.ToLower(resourceID), dateKey(d)}]; ok {
		return f
	}
	return 1
}
