package inventory

import (
	"context"
	"slices"
	"strings"

	"github.com/canopyhq/canopy/internal/store"
)

// Normalizer maps tag keys to their canonical spelling for one
// organisation: an alias (any case) maps to its canonical key, and a key
// differing only in case from a canonical key or a required-tag policy's
// key takes that spelling. Other keys stay as they are. The zero value
// changes nothing. The allocation engine uses it too, so rules match
// "env", "ENV" and "Environment" alike.
type Normalizer struct {
	aliases   map[string]string // lowercased alias -> canonical
	spellings map[string]string // lowercased canonical -> its spelling
}

// NewNormalizer builds a normaliser from aliases and the keys whose
// spelling is canonical (policy keys).
func NewNormalizer(aliases []store.TagAlias, canonical []string) Normalizer {
	n := Normalizer{aliases: map[string]string{}, spellings: map[string]string{}}
	for _, k := range canonical {
		n.spellings[strings.ToLower(k)] = k
	}
	for _, a := range aliases {
		n.aliases[strings.ToLower(a.Alias)] = a.Canonical
		if _, ok := n.spellings[strings.ToLower(a.Canonical)]; !ok {
			n.spellings[strings.ToLower(a.Canonical)] = a.Canonical
		}
	}
	return n
}

// Key is k's canonical form.
func (n Normalizer) Key(k string) string {
	l := strings.ToLower(strings.TrimSpace(k))
	if c, ok := n.aliases[l]; ok {
		return c
	}
	if c, ok := n.spellings[l]; ok {
		return c
	}
	return k
}

// Same reports whether two keys normalise to the same key (case aside).
func (n Normalizer) Same(a, b string) bool {
	return strings.EqualFold(n.Key(a), n.Key(b))
}

// Tags returns m with every key normalised. When several keys normalise
// to one (env and Environment), the value of the key already spelled
// canonically wins, else that of the first key in sort order, so the
// result never depends on map order.
func (n Normalizer) Tags(m map[string]string) map[string]string {
	out := make(map[string]string, len(m))
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	exact := map[string]bool{}
	for _, k := range keys {
		c := n.Key(k)
		if _, taken := out[c]; taken && (exact[c] || k != c) {
			continue
		}
		out[c], exact[c] = m[k], k == c
	}
	return out
}

// Lookup finds the value of key in tags by normalised key, ignoring case
// (a key no alias or policy names has no canonical spelling).
func (n Normalizer) Lookup(tags map[string]string, key string) (string, bool) {
	want, norm := n.Key(key), n.Tags(tags)
	if v, ok := norm[want]; ok {
		return v, true
	}
	keys := make([]string, 0, len(norm))
	for k := range norm {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if strings.EqualFold(k, want) {
			return norm[k], true
		}
	}
	return "", false
}

// Normalizer loads the organisation's normaliser: its aliases and its
// policies' keys.
func (s *Service) Normalizer(ctx context.Context, orgID string) (Normalizer, error) {
	r, err := s.loadRules(ctx, orgID)
	return r.norm, err
}
