package inventory

import (
	"context"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"

	"github.com/canopyhq/canopy/internal/audit"
	"github.com/canopyhq/canopy/internal/auth"
	"github.com/canopyhq/canopy/internal/domain"
	"github.com/canopyhq/canopy/internal/store"
)

// Tag limits: Azure's (50 tags, 512-character keys, 256-character
// values), the strictest of the clouds Canopy writes back to.
const (
	maxTags     = 50
	maxKeyLen   = 512
	maxValueLen = 256
	// maxBulk bounds one bulk edit, so one action stays one transaction
	// of a reasonable size.
	maxBulk = 20000
)

// TagEdit is a change to resources' tags, applied in this order: rename
// keys (old to new), set keys to values (adding or changing), remove
// keys. Keys match by their normalised form and are written in it, so an
// edit also tidies "env" into "Environment" where an alias says so.
type TagEdit struct {
	Rename map[string]string `json:"rename,omitempty"`
	Set    map[string]string `json:"set,omitempty"`
	Remove []string          `json:"remove,omitempty"`
}

// Empty reports whether the edit changes nothing.
func (e TagEdit) Empty() bool { return len(e.Rename) == 0 && len(e.Set) == 0 && len(e.Remove) == 0 }

func (e TagEdit) validate() error {
	if e.Empty() {
		return domain.FieldError("set", "Say which tags to set, rename or remove.")
	}
	for k, v := range e.Set {
		if err := validKey("set", k); err != nil {
			return err
		}
		if utf8.RuneCountInString(v) > maxValueLen || !utf8.ValidString(v) {
			return domain.FieldError("set", "The value of %s is longer than %d characters.", k, maxValueLen)
		}
	}
	for from, to := range e.Rename {
		if err := validKey("rename", from); err != nil {
			return err
		}
		if err := validKey("rename", to); err != nil {
			return err
		}
	}
	for _, k := range e.Remove {
		if err := validKey("remove", k); err != nil {
			return err
		}
	}
	return nil
}

func validKey(field, k string) error {
	if strings.TrimSpace(k) == "" || k != strings.TrimSpace(k) {
		return domain.FieldError(field, "A tag key must not be empty or start or end with spaces.")
	}
	if utf8.RuneCountInString(k) > maxKeyLen || !utf8.ValidString(k) {
		return domain.FieldError(field, "The tag key %.40q is longer than %d characters.", k, maxKeyLen)
	}
	return nil
}

// apply returns tags with the edit made (tags itself is not changed).
// Keys the edit does not name keep their spelling.
func (e TagEdit) apply(tags map[string]string, n Normalizer) map[string]string {
	out := maps.Clone(tags)
	if out == nil {
		out = map[string]string{}
	}
	for _, from := range slices.Sorted(maps.Keys(e.Rename)) {
		if v, ok := n.Lookup(out, from); ok {
			dropKey(out, from, n)
			out[n.Key(e.Rename[from])] = v
		}
	}
	for _, k := range slices.Sorted(maps.Keys(e.Set)) {
		dropKey(out, k, n)
		out[n.Key(k)] = e.Set[k]
	}
	for _, k := range e.Remove {
		dropKey(out, k, n)
	}
	return out
}

// dropKey deletes every key of tags that normalises to key's form.
func dropKey(tags map[string]string, key string, n Normalizer) {
	want := n.Key(key)
	for k := range tags {
		if strings.EqualFold(n.Key(k), want) {
			delete(tags, k)
		}
	}
}

// EditTags applies an edit to one resource and audits it.
func (s *Service) EditTags(ctx context.Context, p *auth.Principal, who audit.Actor, id string, e TagEdit) (View, error) {
	if err := s.checkEdit(p, e); err != nil {
		return View{}, err
	}
	r, err := s.loadRules(ctx, p.Org.ID)
	if err != nil {
		return View{}, err
	}
	var res Resource
	var changed bool
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		if res, changed, err = editOne(ctx, tx, p.Org.ID, id, e, r.norm); err != nil || !changed {
			return err
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "resource.tags.edit",
			TargetType: "resource", TargetID: id, Details: map[string]any{"name": res.Name, "edit": e}})
	})
	if err != nil {
		return View{}, err
	}
	if changed && res.Source == store.ResourceFromVirtual {
		if err := s.writeVirtualCost(ctx, who, res); err != nil {
			return View{}, err
		}
	}
	return s.Get(ctx, p, id, DefaultPeriod(s.Now()))
}

func (s *Service) checkEdit(p *auth.Principal, e TagEdit) error {
	if err := p.Require(PermWrite); err != nil {
		return err
	}
	return e.validate()
}

// editOne applies an edit inside tx; it reports whether the tags changed.
// A cloud resource keeps its cloud tags and gets Canopy's desired set
// (with the cloud tags it started from as the base of the three-way
// merge); a virtual resource's tags are Canopy's own and change directly.
func editOne(ctx context.Context, tx *store.Tx, orgID, id string, e TagEdit, n Normalizer) (Resource, bool, error) {
	res, err := tx.GetResourceForUpdate(ctx, orgID, id)
	if err != nil {
		return res, false, err
	}
	want := e.apply(res.EffectiveTags(), n)
	if maps.Equal(want, res.EffectiveTags()) {
		return res, false, nil
	}
	if len(want) > maxTags {
		return res, false, domain.Errorf(domain.CodeInvalid, "%s would have %d tags; a resource may have at most %d.",
			res.Name, len(want), maxTags)
	}
	base, canopy := res.BaseTags, want
	switch {
	case res.Source == store.ResourceFromVirtual:
		res.CloudTags, base, canopy = want, want, nil
	case maps.Equal(want, res.CloudTags):
		base, canopy = res.CloudTags, nil // back to what the cloud has: nothing to write back
	case res.CanopyTags == nil:
		base = res.CloudTags
	}
	res.BaseTags, res.CanopyTags = base, canopy
	return res, true, tx.SaveTagState(ctx, orgID, id, res.CloudTags, base, canopy, nil)
}

// BulkResult says what a bulk edit did.
type BulkResult struct {
	Matched int `json:"matched"` // resources the filter selected
	Changed int `json:"changed"` // of which the edit changed
}

// CountMatching counts the resources a filter selects (the bulk edit's
// confirmation shows it).
func (s *Service) CountMatching(ctx context.Context, p *auth.Principal, f Filter) (int, error) {
	ids, err := s.matching(ctx, p, f)
	return len(ids), err
}

func (s *Service) matching(ctx context.Context, p *auth.Principal, f Filter) ([]string, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	r, err := s.loadRules(ctx, p.Org.ID)
	if err != nil {
		return nil, err
	}
	var ids []string
	err = s.walk(ctx, p.Org.ID, f, r, "", walkBatch, func(v View) bool {
		ids = append(ids, v.ID)
		return len(ids) <= maxBulk
	})
	if len(ids) > maxBulk {
		return nil, domain.Errorf(domain.CodeInvalid, "The filter selects more than %d resources; narrow it down.", maxBulk)
	}
	return ids, err
}

// BulkEditTags applies an edit to every resource the filter selects, in
// one transaction, with one audit entry naming the filter and the count.
func (s *Service) BulkEditTags(ctx context.Context, p *auth.Principal, who audit.Actor, f Filter, e TagEdit) (BulkResult, error) {
	if err := s.checkEdit(p, e); err != nil {
		return BulkResult{}, err
	}
	ids, err := s.matching(ctx, p, f)
	if err != nil {
		return BulkResult{}, err
	}
	r, err := s.loadRules(ctx, p.Org.ID)
	if err != nil {
		return BulkResult{}, err
	}
	out := BulkResult{Matched: len(ids)}
	var virtual []Resource
	err = s.Store.InTx(ctx, func(tx *store.Tx) error {
		for _, id := range ids {
			res, changed, err := editOne(ctx, tx, p.Org.ID, id, e, r.norm)
			if err != nil {
				return err
			}
			if changed {
				out.Changed++
				if res.Source == store.ResourceFromVirtual {
					virtual = append(virtual, res)
				}
			}
		}
		if out.Changed == 0 {
			return nil // nothing changed: nothing to audit
		}
		return audit.Record(ctx, tx, who, audit.Entry{OrgID: p.Org.ID, Action: "resource.tags.bulk_edit",
			TargetType: "resources", Details: map[string]any{"filter": f, "matched": out.Matched,
				"changed": out.Changed, "edit": e}})
	})
	if err != nil {
		return BulkResult{}, err
	}
	for _, res := range virtual {
		if err := s.writeVirtualCost(ctx, who, res); err != nil {
			return out, err
		}
	}
	return out, nil
}

// PendingTagEdits lists the resources whose Canopy tags are not yet
// written back (canopy_tags set): the write-back's work list.
func (s *Service) PendingTagEdits(ctx context.Context, p *auth.Principal) ([]Resource, error) {
	if err := p.Require(PermRead); err != nil {
		return nil, err
	}
	return s.Store.PendingTagEdits(ctx, p.Org.ID)
}
