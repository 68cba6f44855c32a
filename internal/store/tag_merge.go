package store

import "maps"

// TagMerge is the outcome of merging what the cloud has now into a
// resource's three tag sets (migration 00011 explains them).
type TagMerge struct {
	// Base is the new base_tags: the cloud's tags, except that a key in
	// conflict keeps its old base, so it stays detected until resolved.
	Base map[string]string
	// Canopy is the new canopy_tags; nil when no edit is left pending (it
	// equals the cloud's tags and nothing is in conflict).
	Canopy map[string]string
	// Conflicts are the keys that the cloud and Canopy both changed away
	// from base, to different values (a key already in open conflict is
	// among them, so its cloud value can be refreshed).
	Conflicts []TagDiff
}

// TagDiff is one key's three values; nil is "the key is absent".
type TagDiff struct {
	Key                 string
	Base, Cloud, Canopy *string
}

// MergeTags is the three-way merge of a sync or a write-back's re-read.
// With no pending edit (canopy nil) the cloud's tags become the base.
// Otherwise, key by key: a change on one side only wins (the edit absorbs
// the cloud's change), equal changes agree, and different changes on both
// sides are a conflict that changes neither. Keys in open (already
// recorded, unresolved) conflict are frozen the same way.
func MergeTags(base, cloud, canopy map[string]string, open map[string]bool) TagMerge {
	if canopy == nil {
		return TagMerge{Base: maps.Clone(nonNil(cloud))}
	}
	m := TagMerge{Base: map[string]string{}, Canopy: maps.Clone(canopy)}
	for k := range unionKeys(base, cloud, canopy) {
		b, c, p := lookup(base, k), lookup(cloud, k), lookup(canopy, k)
		cloudChanged, canopyChanged := !sameValue(c, b), !sameValue(p, b)
		if open[k] || (cloudChanged && canopyChanged && !sameValue(c, p)) {
			m.Conflicts = append(m.Conflicts, TagDiff{Key: k, Base: b, Cloud: c, Canopy: p})
			setValue(m.Base, k, b)
			continue
		}
		if cloudChanged && !canopyChanged {
			setValue(m.Canopy, k, c)
		}
		setValue(m.Base, k, c)
	}
	if len(m.Conflicts) == 0 && maps.Equal(m.Canopy, nonNil(cloud)) {
		m.Canopy = nil
	}
	return m
}

func nonNil(m map[string]string) map[string]string {
	if m == nil {
		return map[string]string{}
	}
	return m
}

func unionKeys(sets ...map[string]string) map[string]struct{} {
	out := map[string]struct{}{}
	for _, s := range sets {
		for k := range s {
			out[k] = struct{}{}
		}
	}
	return out
}

func lookup(m map[string]string, k string) *string {
	if v, ok := m[k]; ok {
		return &v
	}
	return nil
}

func sameValue(a, b *string) bool {
	if a == nil || b == nil {
		return a == b
	}
	return *a == *b
}

// setValue sets k to v, or removes k when v is nil.
func setValue(m map[string]string, k string, v *string) {
	if v == nil {
		delete(m, k)
		return
	}
	m[k] = *v
}

// SetTagValue sets k to v in a copy of m, or removes k when v is nil.
func SetTagValue(m map[string]string, k string, v *string) map[string]string {
	out := maps.Clone(nonNil(m))
	setValue(out, k, v)
	return out
}
